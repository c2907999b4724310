package io.valmi.micrometer;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.valmi.RunStatus;
import io.valmi.SyncResult;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gauges of one job, registered on its first run and tagged by the job alone (not its modes): the seconds since
 * its last successful run, and how long its last run took. Both are NaN until this process has seen such a run.
 */
final class JobStatus {
    private final Clock clock;
    private final List<Meter> meters;
    /** {@link Clock#monotonicTime()} at the end of the last successful run; valid when {@link #succeeded}. */
    private volatile long lastSuccess;
    private volatile boolean succeeded;
    /** The last run's duration in nanoseconds, or -1 before a run that was not skipped. */
    private volatile long lastRunNanos = -1;

    /**
     * Registers the gauges.
     *
     * @param registry where
     * @param tags the extra tags and the job's id
     */
    JobStatus(MeterRegistry registry, Tags tags) {
        this.clock = registry.config().clock();
        Gauge age = Gauge.builder(MeterNames.LAST_SUCCESS_AGE, this, JobStatus::secondsSinceLastSuccess)
            .tags(tags).baseUnit("seconds").strongReference(true)
            .description("Seconds since the job's last successful run ended (NaN before one in this process)")
            .register(registry);
        TimeGauge last = TimeGauge.builder(MeterNames.LAST_RUN_DURATION, this, TimeUnit.NANOSECONDS,
                JobStatus::lastRunNanos)
            .tags(tags).strongReference(true)
            .description("How long the job's last run took, whatever its outcome (skipped runs left out)")
            .register(registry);
        this.meters = List.of(age, last);
    }

    /**
     * Notes a finished run.
     *
     * @param result the run's result
     */
    void finished(SyncResult result) {
        if (result.status() == RunStatus.SKIPPED) {
            return;
        }
        lastRunNanos = Math.max(0, result.duration().toNanos());
        if (result.status() == RunStatus.SUCCEEDED) {
            lastSuccess = clock.monotonicTime();
            succeeded = true;
        }
    }

    private double secondsSinceLastSuccess() {
        if (!succeeded) {
            return Double.NaN;
        }
        return (clock.monotonicTime() - lastSuccess) / 1e9;
    }

    private double lastRunNanos() {
        long nanos = lastRunNanos;
        return nanos < 0 ? Double.NaN : nanos;
    }

    /**
     * The gauges, to remove them.
     *
     * @return the meters
     */
    List<Meter> meters() {
        return meters;
    }
}
