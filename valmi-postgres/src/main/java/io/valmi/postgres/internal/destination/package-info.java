/**
 * Implementation of {@code io.valmi.postgres.PostgresTableDestination}: SQL rendering, value binding and the
 * checks of the target table. Not an API: anything here may change in any release.
 */
@NullMarked
package io.valmi.postgres.internal.destination;

import org.jspecify.annotations.NullMarked;
