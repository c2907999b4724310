/**
 * Destinations that come with valmi-core: {@link io.valmi.destinations.JsonLinesDestination} (a file or stream of
 * JSON objects, one per change) and {@link io.valmi.destinations.WebhookDestination} (an HTTP endpoint that takes
 * each batch as JSON). Both render values the same way.
 *
 * <p>Everything in this package is null-hostile unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.valmi.destinations;

import org.jspecify.annotations.NullMarked;
