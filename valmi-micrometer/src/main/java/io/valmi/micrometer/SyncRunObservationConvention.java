package io.valmi.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The names and key values of a {@code valmi.sync.run} observation. To change them, extend
 * {@link DefaultSyncRunObservationConvention} and hand it to
 * {@link MicrometerSyncListener.Builder#observationConvention(SyncRunObservationConvention)}, or register it with
 * the observation registry as a {@link io.micrometer.observation.GlobalObservationConvention}.
 */
public interface SyncRunObservationConvention extends ObservationConvention<SyncRunObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof SyncRunObservationContext;
    }
}
