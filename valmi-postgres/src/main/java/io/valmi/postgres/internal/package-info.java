/** Implementation of the PostgreSQL source. Not an API. */
@NullMarked
package io.valmi.postgres.internal;

import org.jspecify.annotations.NullMarked;
