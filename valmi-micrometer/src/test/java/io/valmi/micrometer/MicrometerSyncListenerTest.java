package io.valmi.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.valmi.ConfigurationException;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunHandle;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.ThrottledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real runs through {@link SyncRunner}, and the meters they leave, by name, tag and value. */
class MicrometerSyncListenerTest {
    private static final String JOB = "customers";
    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), 1.0);

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final MicrometerSyncListener listener = MicrometerSyncListener.create(registry);
    private final SyncRunner runner = SyncRunner.builder().listener(listener).build();
    private final MemorySource source = new MemorySource().rows(5);
    private final ScriptedDestination destination = new ScriptedDestination();

    @AfterEach
    void closeRunner() {
        runner.close();
    }

    private SyncJob.Builder job(SourceMode sourceMode, DestinationMode destinationMode) {
        return SyncJob.builder(JOB).source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("email").sourceMode(sourceMode).destinationMode(destinationMode)
                .build())
            .retryPolicy(FAST_RETRIES);
    }

    private SyncJob incrementalUpsert() {
        return job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).build();
    }

    /** The job's tags in incremental upsert, then {@code more} (key, value, ...). */
    private static String[] tags(String... more) {
        List<String> all = new ArrayList<>(List.of("job.id", JOB, "source.mode", "incremental",
            "destination.mode", "upsert"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private Timer timer(String name, String... tags) {
        return registry.get(name).tags(tags).timer();
    }

    private double gauge(String name) {
        return registry.get(name).tag("job.id", JOB).gauge().value();
    }

    @Test
    void aRunCountsItsRowsByWhatBecameOfThem() {
        destination.rejectKeys.add(3L);
        source.invalid.put(InvalidReason.NULL_KEY, 2L);
        source.invalid.put(InvalidReason.DUPLICATE_KEY, 1L);
        source.quarantined = 1;

        SyncResult first = runner.run(incrementalUpsert());

        assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED);
        Timer run = timer("valmi.sync.run", tags("outcome", "succeeded", "error", "none"));
        assertThat(run.count()).isEqualTo(1);
        assertThat(run.totalTime(TimeUnit.NANOSECONDS)).isCloseTo(first.duration().toNanos(), within(1.0));
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "added"))).isEqualTo(4);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "changed"))).isZero();
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "unchanged"))).isZero();
        assertThat(count("valmi.sync.rows.rejected", tags())).isEqualTo(1);
        assertThat(count("valmi.sync.rows.invalid", tags("reason", "null_key"))).isEqualTo(2);
        assertThat(count("valmi.sync.rows.invalid", tags("reason", "duplicate_key"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.quarantined", tags())).isEqualTo(1);
        assertThat(count("valmi.sync.rows.in.doubt", tags())).isZero();
        assertThat(count("valmi.sync.rows.skipped", tags("kind", "removed"))).isZero();
        assertThat(timer("valmi.sync.write", tags("outcome", "answered")).count()).isEqualTo(1);
        assertThat(timer("valmi.sync.write", tags("outcome", "failed")).count()).isZero();
        assertThat(count("valmi.sync.retries", tags())).isZero();

        // Second run: one row changed, one gone (UPSERT does not send removals), the rejected one offered again.
        source.table.put(2L, "new-address@example.com");
        source.table.remove(1L);
        source.invalid.clear();
        source.quarantined = 0;
        SyncResult second = runner.run(incrementalUpsert());

        assertThat(second.counts().skipped()).isEqualTo(1);
        assertThat(run.count()).isEqualTo(2);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "added"))).isEqualTo(4);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "changed"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.skipped", tags("kind", "removed"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.rejected", tags())).isEqualTo(2);
        assertThat(count("valmi.sync.rows.invalid", tags("reason", "null_key"))).isEqualTo(2);
        assertThat(count("valmi.sync.rows.quarantined", tags())).isEqualTo(1);
    }

    @Test
    void theKindsAModeSendsAreDeliveredAndTheOthersSkipped() {
        runner.run(job(SourceMode.FULL_TABLE, DestinationMode.MIRROR).build());
        source.table.remove(5L);
        source.table.put(1L, "changed@example.com");
        runner.run(job(SourceMode.FULL_TABLE, DestinationMode.MIRROR).build());
        String[] mirror = {"job.id", JOB, "source.mode", "full_table", "destination.mode", "mirror"};

        assertThat(count("valmi.sync.rows.delivered", with(mirror, "kind", "added"))).isEqualTo(5);
        assertThat(count("valmi.sync.rows.delivered", with(mirror, "kind", "changed"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.delivered", with(mirror, "kind", "unchanged"))).isEqualTo(3);
        assertThat(count("valmi.sync.rows.delivered", with(mirror, "kind", "removed"))).isEqualTo(1);
        assertThat(registry.find("valmi.sync.rows.skipped").meters()).as("MIRROR sends every kind").isEmpty();

        source.table.put(9L, "new@example.com");
        source.table.put(2L, "changed-too@example.com");
        runner.run(job(SourceMode.INCREMENTAL, DestinationMode.INSERT).build());
        String[] insert = {"job.id", JOB, "source.mode", "incremental", "destination.mode", "insert"};
        assertThat(count("valmi.sync.rows.delivered", with(insert, "kind", "added"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.skipped", with(insert, "kind", "changed"))).isEqualTo(1);
        assertThat(count("valmi.sync.rows.skipped", with(insert, "kind", "removed"))).isZero();
        assertThat(registry.find("valmi.sync.rows.delivered").tags(insert).tag("kind", "changed").meter())
            .as("INSERT does not send changes").isNull();
    }

    private static String[] with(String[] tags, String key, String value) {
        List<String> all = new ArrayList<>(List.of(tags));
        all.add(key);
        all.add(value);
        return all.toArray(String[]::new);
    }

    @Test
    void retriesThrottlesAndSplitsAreCountedAndEveryWriteIsTimed() {
        destination.failures.add(new DestinationException("connection reset while sending customer1@example.com",
            null, true));
        destination.failures.add(new ThrottledException("429 Too Many Requests", Duration.ofMillis(5), null));
        destination.poisonKeys.add(4L);

        SyncResult result = runner.run(job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).batchSize(2).build());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.counts().retries()).isEqualTo(1);
        assertThat(result.counts().throttles()).isEqualTo(1);
        assertThat(result.counts().splits()).isEqualTo(1);
        assertThat(count("valmi.sync.retries", tags())).isEqualTo(1);
        assertThat(count("valmi.sync.throttles", tags())).isEqualTo(1);
        assertThat(count("valmi.sync.splits", tags())).isEqualTo(1);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "added"))).isEqualTo(4);
        assertThat(count("valmi.sync.rows.rejected", tags())).as("key 4, isolated by the split").isEqualTo(1);
        // Batch [1,2]: failed, throttled, answered. Batch [3,4]: failed, split: [3] answered, [4] failed. Batch [5].
        assertThat(timer("valmi.sync.write", tags("outcome", "failed")).count()).isEqualTo(3);
        assertThat(timer("valmi.sync.write", tags("outcome", "throttled")).count()).isEqualTo(1);
        assertThat(timer("valmi.sync.write", tags("outcome", "answered")).count()).isEqualTo(3);
        assertThat(timer("valmi.sync.write", tags("outcome", "timed_out")).count()).isZero();
    }

    @Test
    void writesFromSeveralThreadsAreAllTimed() {
        source.rows(40);
        destination.capabilities = DestinationCapabilities.all().withMaxConcurrency(4);

        SyncResult result = runner.run(job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).batchSize(2)
            .concurrency(4).build());

        assertThat(result.counts().batches()).isEqualTo(20);
        assertThat(timer("valmi.sync.write", tags("outcome", "answered")).count()).isEqualTo(20);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "added"))).isEqualTo(40);
    }

    @Test
    void aFailedRunIsTimedWithItsErrorTypeAndLeavesTheLastSuccessAsItWas() {
        SyncResult success = runner.run(incrementalUpsert());
        assertThat(gauge("valmi.sync.last.success.age")).isZero();
        assertThat(registry.get("valmi.sync.last.run.duration").tag("job.id", JOB).timeGauge()
            .value(TimeUnit.NANOSECONDS)).isCloseTo(success.duration().toNanos(), within(1.0));
        clock.add(Duration.ofSeconds(90));
        assertThat(gauge("valmi.sync.last.success.age")).isCloseTo(90.0, within(1e-9));

        source.table.put(1L, "changed@example.com");
        source.table.put(2L, "changed-too@example.com");
        destination.failures.add(new DestinationException("401 Unauthorized for customer1@example.com", null, false));
        SyncResult failure = runner.run(job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).isolateFailures(false)
            .build());

        assertThat(failure.status()).isEqualTo(RunStatus.FAILED);
        assertThat(timer("valmi.sync.run", tags("outcome", "failed", "error", "DestinationException")).count())
            .isEqualTo(1);
        assertThat(timer("valmi.sync.run", tags("outcome", "succeeded", "error", "none")).count()).isEqualTo(1);
        assertThat(count("valmi.sync.rows.in.doubt", tags())).isEqualTo(2);
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "changed"))).isZero();
        clock.add(Duration.ofSeconds(30));
        assertThat(gauge("valmi.sync.last.success.age")).as("a failure is no success").isCloseTo(120.0, within(1e-9));
        assertThat(registry.get("valmi.sync.last.run.duration").tag("job.id", JOB).timeGauge()
            .value(TimeUnit.NANOSECONDS)).isCloseTo(failure.duration().toNanos(), within(1.0));

        runner.run(incrementalUpsert());
        assertThat(gauge("valmi.sync.last.success.age")).isZero();
    }

    @Test
    void aJobThatNeverSucceededHasItsGaugesAtNaN() {
        source.busyElsewhere = true;

        SyncResult skipped = runner.run(incrementalUpsert());

        assertThat(skipped.status()).isEqualTo(RunStatus.SKIPPED);
        assertThat(gauge("valmi.sync.last.success.age")).isNaN();
        assertThat(gauge("valmi.sync.last.run.duration")).as("a skipped run did not run").isNaN();
        assertThat(timer("valmi.sync.run", tags("outcome", "skipped", "error", "none")).count()).isEqualTo(1);
        assertThat(registry.get("valmi.sync.run.active").tags(tags()).longTaskTimer().activeTasks()).isZero();
    }

    @Test
    void runsUnderWayAreActiveAndSkippedAndCancelledRunsAreTimedByOutcome() throws Exception {
        destination.gate = new CountDownLatch(1);
        RunHandle running = runner.start(job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).batchSize(2).build());
        assertThat(destination.writing.await(10, TimeUnit.SECONDS)).isTrue();
        LongTaskTimer active = registry.get("valmi.sync.run.active").tags(tags()).longTaskTimer();
        assertThat(active.activeTasks()).isEqualTo(1);

        SyncResult skipped = runner.run(incrementalUpsert());
        assertThat(skipped.status()).as("the job is running in this process").isEqualTo(RunStatus.SKIPPED);
        assertThat(timer("valmi.sync.run", tags("outcome", "skipped", "error", "none")).count()).isEqualTo(1);
        assertThat(active.activeTasks()).isEqualTo(1);

        running.cancel(Duration.ofSeconds(10));
        destination.gate.countDown();
        SyncResult cancelled = running.join();

        assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(timer("valmi.sync.run", tags("outcome", "cancelled", "error", "none")).count()).isEqualTo(1);
        assertThat(active.activeTasks()).isZero();
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "added"))).as("the batch under way").isEqualTo(2);
        assertThat(gauge("valmi.sync.last.success.age")).as("a cancelled run is no success").isNaN();
    }

    @Test
    void noTagHoldsARunIdAKeyARowValueOrAnErrorMessage() {
        destination.rejectKeys.add(2L);
        destination.poisonKeys.add(4L);
        destination.failures.add(new DestinationException("timeout writing customer3@example.com", null, true));
        List<SyncResult> results = new ArrayList<>();
        results.add(runner.run(job(SourceMode.INCREMENTAL, DestinationMode.UPSERT).batchSize(2).build()));
        destination.failures.add(new DestinationException("403 for customer5@example.com", null, false));
        source.table.put(5L, "changed@example.com");
        results.add(runner.run(job(SourceMode.FULL_TABLE, DestinationMode.MIRROR).isolateFailures(false).build()));
        assertThat(results).extracting(SyncResult::status).contains(RunStatus.FAILED);

        Set<String> keys = new HashSet<>();
        Set<String> values = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            for (Tag tag : meter.getId().getTags()) {
                keys.add(tag.getKey());
                values.add(tag.getValue());
            }
        }
        assertThat(keys).containsExactlyInAnyOrder("job.id", "source.mode", "destination.mode", "outcome", "error",
            "kind", "reason");
        assertThat(values).allMatch(v -> v.equals(JOB) || v.matches("[a-z_]+") || v.matches("[A-Z][A-Za-z]*"),
            "the job id, a lower-case constant or an exception's simple name");
        Set<String> runIds = results.stream().map(SyncResult::runId).collect(Collectors.toSet());
        assertThat(values).doesNotContainAnyElementsOf(runIds);
        assertThat(values).noneMatch(v -> v.contains("@") || v.matches(".*\\d.*"));
    }

    @Test
    void aJobHasOneSetOfMetersWhateverTheNumberOfItsRuns() {
        runner.run(incrementalUpsert());
        int afterOneRun = registry.getMeters().size();
        for (int i = 0; i < 10; i++) {
            source.table.put(1L, "address" + i + "@example.com");
            runner.run(incrementalUpsert());
        }
        assertThat(registry.getMeters()).hasSize(afterOneRun);

        runner.run(SyncJob.builder("orders").source(source).destination(destination)
            .mapping(incrementalUpsert().mapping()).build());
        int perJob = registry.getMeters().size() - afterOneRun;
        assertThat(perJob).isEqualTo(afterOneRun);

        listener.forgetJob(JOB);

        assertThat(registry.getMeters()).hasSize(perJob)
            .allSatisfy(m -> assertThat(m.getId().getTag("job.id")).isEqualTo("orders"));
        assertThat(registry.find("valmi.sync.last.success.age").tag("job.id", JOB).gauge()).isNull();
        source.table.put(1L, "once-more@example.com");
        runner.run(incrementalUpsert());
        assertThat(count("valmi.sync.rows.delivered", tags("kind", "changed")))
            .as("a forgotten job's meters start again from 0").isEqualTo(1);
        assertThat(registry.getMeters()).hasSize(2 * perJob);
    }

    @Test
    void extraTagsAreOnEveryMeter() {
        MicrometerSyncListener tagged = MicrometerSyncListener.builder(registry)
            .tag("application", "crm-sync").tags(List.of(Tag.of("region", "eu"))).build();
        try (SyncRunner taggedRunner = SyncRunner.builder().listener(tagged).build()) {
            taggedRunner.run(incrementalUpsert());
        }

        assertThat(registry.getMeters()).isNotEmpty().allSatisfy(m -> {
            assertThat(m.getId().getTag("application")).isEqualTo("crm-sync");
            assertThat(m.getId().getTag("region")).isEqualTo("eu");
        });
        assertThat(registry.get("valmi.sync.last.success.age").tags("application", "crm-sync", "job.id", JOB)
            .gauge().value()).isZero();
    }

    @Test
    void tagsValmiSetsItselfAreRefused() {
        assertThatThrownBy(() -> MicrometerSyncListener.builder(registry).tag("job.id", "x"))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Tag 'job.id' is set by valmi's meters themselves; choose another key for the tag of value"
                + " 'x'");
        assertThatThrownBy(() -> MicrometerSyncListener.builder(registry)
                .observationConvention(new DefaultSyncRunObservationConvention()).build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("needs an observation registry");
    }
}
