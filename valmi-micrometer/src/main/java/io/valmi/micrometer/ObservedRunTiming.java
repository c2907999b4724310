package io.valmi.micrometer;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.valmi.RunStatus;
import io.valmi.SyncContext;
import io.valmi.SyncResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Observes each run as a {@code valmi.sync.run} observation, started when the run starts and stopped when it ends;
 * the observation registry's handlers turn it into meters (Micrometer's {@code DefaultMeterObservationHandler}: a
 * {@code valmi.sync.run} timer and a {@code valmi.sync.run.active} long task timer) and spans. A failed run's error
 * (with the destination's secrets masked) is the observation's error.
 */
final class ObservedRunTiming implements RunTiming {
    private final ObservationRegistry registry;
    private final @Nullable SyncRunObservationConvention convention;
    private final KeyValues extraKeyValues;
    /** The observations of the runs under way, by run id. */
    private final Map<String, Observed> running = new ConcurrentHashMap<>();

    private record Observed(Observation observation, SyncRunObservationContext context) {
    }

    /**
     * An observing timing.
     *
     * @param registry the observation registry
     * @param convention the application's convention, or {@code null} for one registered with the registry or else
     *     {@link DefaultSyncRunObservationConvention}
     * @param extraKeyValues the application's extra tags, as low-cardinality key values
     */
    ObservedRunTiming(ObservationRegistry registry, @Nullable SyncRunObservationConvention convention,
                      KeyValues extraKeyValues) {
        this.registry = registry;
        this.convention = convention;
        this.extraKeyValues = extraKeyValues;
    }

    @Override
    public void started(SyncContext context) {
        running.put(context.runId(), start(context));
    }

    private Observed start(SyncContext context) {
        SyncRunObservationContext observed = new SyncRunObservationContext(context);
        Observation observation = Observation.createNotStarted(convention,
                DefaultSyncRunObservationConvention.INSTANCE, () -> observed, registry)
            .lowCardinalityKeyValues(extraKeyValues)
            .start();
        return new Observed(observation, observed);
    }

    @Override
    public void finished(SyncContext context, SyncResult result) {
        Observed run = running.remove(context.runId());
        if (run == null) {
            run = start(context);
        }
        run.context().setResult(result);
        Throwable error = result.error();
        if (result.status() == RunStatus.FAILED && error != null) {
            run.observation().error(error);
        }
        run.observation().stop();
    }
}
