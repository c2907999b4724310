/**
 * Metrics and observations of valmi's sync runs with Micrometer: add {@link io.valmi.micrometer.MicrometerSyncListener}
 * to a {@link io.valmi.SyncRunner}. An application without Micrometer leaves this module out; valmi-core does not
 * need it.
 *
 * <p>Everything in this package is null-hostile unless a parameter or return value is marked
 * {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.valmi.micrometer;

import org.jspecify.annotations.NullMarked;
