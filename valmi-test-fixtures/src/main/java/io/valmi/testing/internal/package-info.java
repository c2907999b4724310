/** Implementation of the test fixtures. Not an API. */
@NullMarked
package io.valmi.testing.internal;

import org.jspecify.annotations.NullMarked;
