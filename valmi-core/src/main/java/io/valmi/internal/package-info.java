/**
 * Implementation of the sync engine. Not an API: anything here may change in any release.
 */
@NullMarked
package io.valmi.internal;

import org.jspecify.annotations.NullMarked;
