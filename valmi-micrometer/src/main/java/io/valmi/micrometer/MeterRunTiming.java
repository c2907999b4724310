package io.valmi.micrometer;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.valmi.RunStatus;
import io.valmi.SyncContext;
import io.valmi.SyncResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times runs with a {@code valmi.sync.run} timer and a {@code valmi.sync.run.active} long task timer: the meters
 * Micrometer's {@code DefaultMeterObservationHandler} makes of the observation, with the same tags, so that a
 * dashboard does not care which of the two made them.
 */
final class MeterRunTiming implements RunTiming {
    private final MeterRegistry registry;
    private final Tags extraTags;
    /** The active samples of the runs under way, by run id. */
    private final Map<String, LongTaskTimer.Sample> active = new ConcurrentHashMap<>();

    MeterRunTiming(MeterRegistry registry, Tags extraTags) {
        this.registry = registry;
        this.extraTags = extraTags;
    }

    @Override
    public void started(SyncContext context) {
        LongTaskTimer timer = LongTaskTimer.builder(MeterNames.RUN_ACTIVE)
            .tags(MeterNames.jobTags(extraTags, context))
            .description("Runs under way")
            .register(registry);
        active.put(context.runId(), timer.start());
    }

    @Override
    public void finished(SyncContext context, SyncResult result) {
        LongTaskTimer.Sample sample = active.remove(context.runId());
        if (sample != null) {
            sample.stop();
        }
        Throwable error = result.status() == RunStatus.FAILED ? result.error() : null;
        Timer.builder(MeterNames.RUN)
            .tags(MeterNames.jobTags(extraTags, context))
            .tag(MeterNames.OUTCOME, MeterNames.value(result.status()))
            .tag(MeterNames.ERROR, error == null ? MeterNames.NONE : error.getClass().getSimpleName())
            .description("Sync runs, by outcome")
            .register(registry)
            .record(result.duration());
    }
}
