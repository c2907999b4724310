package io.valmi.micrometer;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.observation.ObservationRegistry;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.SourceMode;
import io.valmi.SyncContext;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Records valmi's sync runs in a Micrometer {@link MeterRegistry}: a {@code valmi.sync.run} timer (or observation)
 * per run, counters of rows by what became of them, the latency of every write, retries, throttles and splits, and
 * per job a gauge of the seconds since its last successful run. Add it to a runner:
 *
 * <pre>{@code
 * SyncRunner runner = SyncRunner.builder()
 *     .listener(MicrometerSyncListener.create(meterRegistry))
 *     .build();
 * }</pre>
 *
 * <p>Every meter is tagged with the job's id ({@code job.id}) and modes ({@code source.mode},
 * {@code destination.mode}), the gauges with the job's id alone; a run's id, keys, row values and error messages are
 * never tags. So there is one set of meters per job (and pair of modes), however many runs it has: a job that is gone
 * for good can be taken out with {@link #forgetJob(String)}. README, "Metrics (Micrometer)", lists the meters.
 *
 * <p>With an {@link ObservationRegistry} ({@link Builder#observationRegistry}), each run is an observation named
 * {@code valmi.sync.run} instead of a timer of this listener's own: the registry's handlers make its meters (with
 * Micrometer's {@code DefaultMeterObservationHandler}, the same {@code valmi.sync.run} and
 * {@code valmi.sync.run.active} as without) and its spans. The other meters are the same either way.
 *
 * <p>Thread-safe; share one listener between the runners of an application that use the same registry (two
 * listeners on one registry would share, and fight over, each job's gauges).
 */
public final class MicrometerSyncListener implements SyncListener {
    private final MeterRegistry registry;
    private final Tags extraTags;
    private final RunTiming runTiming;
    private final Map<JobModes, JobMeters> meters = new ConcurrentHashMap<>();
    private final Map<String, JobStatus> jobs = new ConcurrentHashMap<>();

    /** A job in a pair of modes: the unit of one set of meters. */
    private record JobModes(String jobId, SourceMode sourceMode, DestinationMode destinationMode) {
        static JobModes of(SyncContext context) {
            return new JobModes(context.jobId(), context.mapping().sourceMode(), context.destinationMode());
        }
    }

    private MicrometerSyncListener(Builder b) {
        this.registry = b.registry;
        this.extraTags = b.tags;
        ObservationRegistry observations = b.observationRegistry;
        if (observations == null) {
            this.runTiming = new MeterRunTiming(registry, extraTags);
        } else {
            List<KeyValue> keyValues = new ArrayList<>();
            for (Tag tag : extraTags) {
                keyValues.add(KeyValue.of(tag.getKey(), tag.getValue()));
            }
            this.runTiming = new ObservedRunTiming(observations, b.convention, KeyValues.of(keyValues));
        }
    }

    /**
     * A listener that times runs with meters of its own, without extra tags.
     *
     * @param registry where the meters go
     * @return the listener
     */
    public static MicrometerSyncListener create(MeterRegistry registry) {
        return builder(registry).build();
    }

    /**
     * Starts a listener.
     *
     * @param registry where the meters go
     * @return a builder
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void runStarted(SyncContext context) {
        runTiming.started(context);
        status(context);
        meters(context);
    }

    @Override
    public void written(SyncContext context, Write write) {
        meters(context).write(write.outcome()).record(write.duration());
    }

    @Override
    public void retrying(SyncContext context, Retry retry) {
        meters(context).retries().increment();
    }

    @Override
    public void throttled(SyncContext context, Throttle throttle) {
        meters(context).throttles().increment();
    }

    @Override
    public void split(SyncContext context, Split split) {
        meters(context).splits().increment();
    }

    @Override
    public void runFinished(SyncContext context, SyncResult result) {
        // Each step even when one before it throws (a registry may refuse a meter): the run's timing must stop.
        try {
            runTiming.finished(context, result);
        } finally {
            try {
                status(context).finished(result);
            } finally {
                meters(context).count(result.counts());
            }
        }
    }

    /**
     * Forgets a job that is gone for good (e.g. after {@code PostgresSource.dropJob}): removes its meters, of every
     * pair of modes, from the registry, so that its last-success gauge stops growing and its series stop. A run of
     * the job after this registers them anew, from 0. Call it when no run of the job is under way.
     *
     * @param jobId the job's id
     */
    public void forgetJob(String jobId) {
        Objects.requireNonNull(jobId, "jobId");
        JobStatus status = jobs.remove(jobId);
        if (status != null) {
            status.meters().forEach(registry::remove);
        }
        meters.entrySet().removeIf(e -> {
            if (!e.getKey().jobId().equals(jobId)) {
                return false;
            }
            e.getValue().meters().forEach(registry::remove);
            return true;
        });
        // The run timers, registered by run outcome, and those an observation handler made.
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            if (id.getName().startsWith(MeterNames.PREFIX) && jobId.equals(id.getTag(MeterNames.JOB))
                && hasExtraTags(id)) {
                registry.remove(meter);
            }
        }
    }

    private boolean hasExtraTags(Meter.Id id) {
        for (Tag tag : extraTags) {
            if (!tag.getValue().equals(id.getTag(tag.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private JobMeters meters(SyncContext context) {
        return meters.computeIfAbsent(JobModes.of(context),
            k -> new JobMeters(registry, MeterNames.jobTags(extraTags, context), k.destinationMode()));
    }

    private JobStatus status(SyncContext context) {
        return jobs.computeIfAbsent(context.jobId(),
            id -> new JobStatus(registry, extraTags.and(MeterNames.JOB, id)));
    }

    /** Builds a {@link MicrometerSyncListener}. */
    public static final class Builder {
        private final MeterRegistry registry;
        private Tags tags = Tags.empty();
        private @Nullable ObservationRegistry observationRegistry;
        private @Nullable SyncRunObservationConvention convention;

        private Builder(MeterRegistry registry) {
            this.registry = registry;
        }

        /**
         * Adds a tag to every meter of the listener (and a low-cardinality key value to the observation), e.g. the
         * application's name when several share a registry. Tags that all of an application's meters share are better
         * set once on the registry ({@code registry.config().commonTags(...)}).
         *
         * @param key the tag's key; not one that valmi sets ({@code job.id}, {@code source.mode},
         *     {@code destination.mode}, {@code outcome}, {@code error}, {@code kind}, {@code reason}, {@code run.id})
         * @param value the tag's value: a value of few possible values, never one per run or per row
         * @return this builder
         * @throws ConfigurationException when the key is one valmi sets
         */
        public Builder tag(String key, String value) {
            return tags(Tags.of(key, value));
        }

        /**
         * Adds tags to every meter of the listener, as {@link #tag(String, String)} does.
         *
         * @param extra the tags
         * @return this builder
         * @throws ConfigurationException when a key is one valmi sets
         */
        public Builder tags(Iterable<Tag> extra) {
            for (Tag tag : extra) {
                if (MeterNames.RESERVED.contains(tag.getKey())) {
                    throw new ConfigurationException("Tag '" + tag.getKey() + "' is set by valmi's meters"
                        + " themselves; choose another key for the tag of value '" + tag.getValue() + "'");
                }
            }
            this.tags = tags.and(extra);
            return this;
        }

        /**
         * Observes each run as a {@code valmi.sync.run} observation in this registry instead of timing it with meters
         * of the listener's own: the registry's handlers make the meters (Spring Boot's registry has Micrometer's
         * {@code DefaultMeterObservationHandler}, which makes the same {@code valmi.sync.run} timer and
         * {@code valmi.sync.run.active} long task timer) and, with Micrometer Tracing, a span per run. A registry
         * without a meter handler gives no run timer at all.
         *
         * @param observations the observation registry
         * @return this builder
         */
        public Builder observationRegistry(ObservationRegistry observations) {
            this.observationRegistry = Objects.requireNonNull(observations, "observations");
            return this;
        }

        /**
         * Names the observation and its key values otherwise than {@link DefaultSyncRunObservationConvention}; needs
         * {@link #observationRegistry(ObservationRegistry)}. Without it, a {@code GlobalObservationConvention} of the
         * registry that supports {@link SyncRunObservationContext} applies, else the default.
         *
         * @param observationConvention the convention
         * @return this builder
         */
        public Builder observationConvention(SyncRunObservationConvention observationConvention) {
            this.convention = Objects.requireNonNull(observationConvention, "observationConvention");
            return this;
        }

        /**
         * Builds the listener; add it with {@link io.valmi.SyncRunner.Builder#listener(SyncListener)}.
         *
         * @return the listener
         * @throws ConfigurationException when an observation convention is set without an observation registry
         */
        public MicrometerSyncListener build() {
            if (convention != null && observationRegistry == null) {
                throw new ConfigurationException("An observation convention needs an observation registry: call"
                    + " observationRegistry(...) too, or leave the convention out");
            }
            return new MicrometerSyncListener(this);
        }
    }
}
