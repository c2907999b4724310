package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SyncRunnerTest {
    private final List<Duration> sleeps = new ArrayList<>();
    private final SyncRunner runner = SyncRunner.builder().sleeper(sleeps::add).build();

    private static Mapping mapping(SourceMode sourceMode, DestinationMode destinationMode) {
        return Mapping.builder().key("id").map("name", "Name").sourceMode(sourceMode)
            .destinationMode(destinationMode).build();
    }

    private static SyncJob job(Source source, Destination destination, Mapping mapping, int batchSize) {
        return SyncJob.builder("job-1").source(source).destination(destination).mapping(mapping)
            .options(new SyncOptions(batchSize, new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0),
                10, 1.0, false))
            .build();
    }

    /** A source with one change of every kind: 1 unchanged, 2 changed, 3 removed, 4 added. */
    private static InMemorySource sourceWithEveryKind() {
        InMemorySource source = new InMemorySource("id", "name");
        source.snapshot.put(1L, new InMemorySource.State(List.of("one"), false, true));
        source.snapshot.put(2L, new InMemorySource.State(List.of("two"), false, true));
        source.snapshot.put(3L, new InMemorySource.State(List.of("three"), false, true));
        source.put(1, "one").put(2, "TWO").put(4, "four");
        return source;
    }

    @ParameterizedTest
    @EnumSource(DestinationMode.class)
    void eachDestinationModeDeliversExactlyItsKinds(DestinationMode mode) {
        InMemorySource source = sourceWithEveryKind();
        ScriptedDestination destination = new ScriptedDestination();

        SyncResult result = runner.run(job(source, destination, mapping(SourceMode.FULL_TABLE, mode), 10)).orThrow();

        EnumSet<ChangeKind> expected = switch (mode) {
            case INSERT -> EnumSet.of(ChangeKind.ADDED);
            case UPSERT, UPDATE -> EnumSet.of(ChangeKind.ADDED, ChangeKind.CHANGED, ChangeKind.UNCHANGED);
            case MIRROR -> EnumSet.allOf(ChangeKind.class);
        };
        List<ChangeKind> sent = destination.appliedChanges().stream().map(Change::kind).collect(Collectors.toList());
        assertThat(sent).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(result.counts().delivered()).isEqualTo(expected.size());
        assertThat(result.counts().skipped()).isEqualTo(4 - expected.size());
        assertThat(source.acknowledgedKeys).hasSize(expected.size());
        // Filtered changes are not acknowledged: the snapshot still holds the old state for them.
        if (mode == DestinationMode.INSERT) {
            assertThat(source.snapshot.get(2L).values()).containsExactly("two");
            assertThat(source.snapshot).containsKey(3L);
        }
        if (mode != DestinationMode.MIRROR) {
            assertThat(source.snapshot).containsKey(3L);
            assertThat(source.acknowledgedKeys).doesNotContain(3L);
        } else {
            assertThat(source.snapshot).doesNotContainKey(3L);
        }
    }

    @Test
    void incrementalModeSendsOnlyChangesAndCountsThem() {
        InMemorySource source = sourceWithEveryKind();
        ScriptedDestination destination = new ScriptedDestination();

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR), 10)).orThrow();

        assertThat(destination.appliedChanges()).extracting(Change::key).containsExactly(2L, 3L, 4L);
        assertThat(result.counts().added()).isEqualTo(1);
        assertThat(result.counts().changed()).isEqualTo(1);
        assertThat(result.counts().removed()).isEqualTo(1);
        assertThat(result.counts().unchanged()).isZero();
        assertThat(result.counts().planned()).isEqualTo(3);
    }

    @Test
    void aSourceThatDoesNotSayItsPathReportsUnknownAndTheRunnerTimesThePhases() {
        SyncResult result = runner.run(job(sourceWithEveryKind(), new ScriptedDestination(),
            mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR), 10)).orThrow();

        assertThat(result.path()).isEqualTo(RunPath.UNKNOWN);
        RunTimings t = result.timings();
        assertThat(List.of(t.prepare(), t.deliver(), t.finish())).allMatch(d -> !d.isNegative());
        assertThat(t.prepare().plus(t.deliver())).isLessThanOrEqualTo(result.duration());

        SyncResult refused = runner.run(job(sourceWithEveryKind(), new ScriptedDestination()
            .modes(EnumSet.of(DestinationMode.UPSERT)), mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR), 10));
        assertThat(refused.path()).as("refused before planning").isEqualTo(RunPath.UNKNOWN);
        assertThat(refused.timings()).isEqualTo(RunTimings.NONE);
    }

    @Test
    void unsupportedModeFailsBeforeAnyRowMoves() {
        InMemorySource source = sourceWithEveryKind();
        ScriptedDestination destination = new ScriptedDestination()
            .modes(EnumSet.of(DestinationMode.UPSERT, DestinationMode.INSERT));

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR), 10));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("does not support destination mode MIRROR")
            .hasMessageContaining("UPSERT");
        assertThat(source.calls).isEmpty();
        assertThat(destination.events).isEmpty();
        assertThat(destination.attempts).isEmpty();
    }

    @Test
    void defaultCapabilitiesDoNotIncludeMirror() {
        Destination plain = batch -> WriteResult.ok();
        assertThat(plain.capabilities().supports(DestinationMode.MIRROR)).isFalse();
        assertThat(plain.capabilities().supports(DestinationMode.UPSERT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 5, 6, 23})
    void batchBoundariesDeliverEveryChangeOnce(int rows) {
        InMemorySource source = new InMemorySource("id", "name").rows(rows);
        ScriptedDestination destination = new ScriptedDestination();

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 5)).orThrow();

        assertThat(destination.appliedChanges()).extracting(Change::key)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, rows).boxed().collect(Collectors.toList()));
        assertThat(destination.applied).allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 5));
        assertThat(destination.applied).hasSize((rows + 4) / 5);
        assertThat(result.counts().delivered()).isEqualTo(rows);
        assertThat(result.counts().batches()).isEqualTo((rows + 4) / 5);
        assertThat(source.acknowledgedKeys).hasSize(rows);
    }

    @Test
    void destinationBatchLimitIsHonoured() {
        InMemorySource source = new InMemorySource("id", "name").rows(10);
        ScriptedDestination destination = new ScriptedDestination();
        destination.capabilities = DestinationCapabilities.all().withMaxBatchSize(3);

        List<Integer> announced = new ArrayList<>();
        SyncListener listener = new SyncListener() {
            @Override
            public void runStarted(SyncContext context) {
                announced.add(context.batchSize());
            }
        };
        SyncRunner.builder().listener(listener).build()
            .run(job(source, destination, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 100)).orThrow();

        assertThat(destination.applied).extracting(List::size).containsExactly(3, 3, 3, 1);
        assertThat(announced).containsExactly(3);
    }

    @Test
    void transientFailureIsRetriedWithBackoffAndSucceeds() {
        InMemorySource source = new InMemorySource("id", "name").rows(10);
        ScriptedDestination destination = new ScriptedDestination().failBatch(2, 2);

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 4)).orThrow();

        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(result.counts().delivered()).isEqualTo(10);
        assertThat(result.counts().inDoubt()).isZero();
        assertThat(source.inDoubtKeys).isEmpty();
        assertThat(destination.attempts).hasSize(5);
    }

    @Test
    void batchThatKeepsFailingFailsTheRunAndStaysInDoubt() {
        InMemorySource source = new InMemorySource("id", "name").rows(10);
        ScriptedDestination destination = new ScriptedDestination().failBatch(2, 100);

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 4));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(DestinationException.class)
            .hasMessageContaining("after 3 attempts").hasMessageContaining("injected failure of batch 2");
        assertThat(sleeps).hasSize(2);
        // Batch 1 acknowledged, batch 2 in doubt (neither acknowledged nor rejected), batch 3 never sent.
        assertThat(source.acknowledgedKeys).containsExactly(1L, 2L, 3L, 4L);
        assertThat(source.inDoubtKeys).containsExactly(5L, 6L, 7L, 8L);
        assertThat(source.rejectedKeys).isEmpty();
        // Three attempts, then the failed batch is split once: both halves fail with a retriable error, so the
        // destination fails, not a row, and the batch fails.
        assertThat(destination.attempts).extracting(b -> b.get(0).key()).containsExactly(1L, 5L, 5L, 5L, 5L, 7L);
        assertThat(result.counts().splits()).isEqualTo(1);
        assertThat(result.counts().retries()).isEqualTo(2);
        // Counts match what the destination saw.
        assertThat(result.counts().delivered()).isEqualTo(4);
        assertThat(result.counts().inDoubt()).isEqualTo(4);
        assertThat(result.counts().batches()).isEqualTo(1);
        assertThat(destination.events).containsExactly("open", "close");
        assertThat(source.finished).singleElement().satisfies(r -> assertThat(r.succeeded()).isFalse());
        assertThat(source.calls).endsWith("finish", "close");
    }

    @Test
    void nextRunOffersInDoubtKeysAgain() {
        InMemorySource source = new InMemorySource("id", "name").rows(6);
        ScriptedDestination failing = new ScriptedDestination().failBatch(2, 100);
        runner.run(job(source, failing, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 3));

        ScriptedDestination healthy = new ScriptedDestination();
        runner.run(job(source, healthy, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 3)).orThrow();

        assertThat(healthy.appliedChanges()).extracting(Change::key).containsExactly(4L, 5L, 6L);
        assertThat(healthy.appliedChanges()).extracting(Change::kind).containsOnly(ChangeKind.ADDED);
    }

    @Test
    void fatalDestinationErrorIsNotRetried() {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        Destination destination = batch -> {
            throw new DestinationException("bad credentials for test destination", null, false);
        };

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 10));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(sleeps).isEmpty();
        assertThat(((ValmiException) result.error()).isRetriable()).isFalse();
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L, 3L);
    }

    @Test
    void rejectedChangesAreReportedNotAcknowledgedAndOfferedAgain() {
        InMemorySource source = new InMemorySource("id", "name").rows(5);
        ScriptedDestination destination = new ScriptedDestination();
        destination.rejector = c -> ((Long) c.key()) % 2 == 0 ? "even keys are refused" : null;

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2)).orThrow();

        assertThat(result.counts().rejected()).isEqualTo(2);
        assertThat(result.counts().delivered()).isEqualTo(3);
        assertThat(result.rejectionSamples()).containsExactly(new Rejection(2L, "even keys are refused"),
            new Rejection(4L, "even keys are refused"));
        assertThat(source.rejectedKeys).containsExactly(2L, 4L);
        assertThat(source.acknowledgedKeys).containsExactly(1L, 3L, 5L);

        ScriptedDestination second = new ScriptedDestination();
        runner.run(job(source, second, mapping(SourceMode.INCREMENTAL, DestinationMode.INSERT), 10)).orThrow();
        assertThat(second.appliedChanges()).extracting(Change::key).containsExactly(2L, 4L);
        assertThat(second.appliedChanges()).extracting(Change::kind).containsOnly(ChangeKind.ADDED);
    }

    @Test
    void rejectionsNamingKeysAsAnotherJavaTypeAreMatchedByValue() {
        InMemorySource source = new InMemorySource("id", "name").rows(5);
        // The source's keys are Longs; a destination parsing a remote answer names them as it parsed them.
        Destination destination = batch -> WriteResult.rejected(List.of(new Rejection(2, "as an Integer"),
            new Rejection("4", "as text"), new Rejection(new java.math.BigDecimal("4.0"), "the same key again")));

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 10)).orThrow();

        assertThat(result.counts().rejected()).isEqualTo(2);
        assertThat(result.counts().delivered()).isEqualTo(3);
        assertThat(result.rejectionSamples()).containsExactly(new Rejection(2L, "as an Integer"),
            new Rejection(4L, "as text"));
        assertThat(source.rejectedKeys).containsExactly(2L, 4L).allMatch(Long.class::isInstance);
        assertThat(source.acknowledgedKeys).containsExactly(1L, 3L, 5L);
    }

    @Test
    void rejectionOfAKeyNotInTheBatchFailsTheBatchAndKeepsItsKeysInDoubt() {
        InMemorySource source = new InMemorySource("id", "name").rows(4);
        List<Integer> writes = new ArrayList<>();
        Destination destination = batch -> {
            writes.add(batch.size());
            return writes.size() == 2 ? WriteResult.rejected(List.of(new Rejection(3L, "fine"),
                new Rejection(99L, "no such key"))) : WriteResult.ok();
        };

        SyncResult result = runner.run(job(source, destination,
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(DestinationException.class)
            .hasMessageContaining("rejected key 99 (java.lang.Long), which matches no change of batch 2")
            .hasMessageContaining("keys 3 to 4")
            .hasMessageContaining("must reject only keys of the batch it was given")
            .hasMessageContaining("kept in doubt and sent again on the next run");
        assertThat(((ValmiException) result.error()).isRetriable()).isFalse();
        assertThat(writes).as("not retried").containsExactly(2, 2);
        assertThat(sleeps).isEmpty();
        assertThat(result.counts().delivered()).isEqualTo(2);
        assertThat(result.counts().rejected()).isZero();
        assertThat(result.counts().inDoubt()).isEqualTo(2);
        assertThat(source.acknowledgedKeys).containsExactly(1L, 2L);
        assertThat(source.inDoubtKeys).containsExactly(3L, 4L);

        ScriptedDestination next = new ScriptedDestination();
        runner.run(job(source, next, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 10)).orThrow();
        assertThat(next.appliedChanges()).extracting(Change::key).containsExactly(3L, 4L);
    }

    @Test
    void sourceFailureFailsTheRunWithoutThrowing() {
        Source broken = new InMemorySource("id", "name") {
            @Override
            public SourceRun startRun(RunRequest request) {
                throw new SourceException("memory:test is unreachable", null, true);
            }
        };
        SyncResult result = runner.run(job(broken, new ScriptedDestination(),
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 10));
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).hasMessageContaining("unreachable");
        org.assertj.core.api.Assertions.assertThatThrownBy(result::orThrow).isInstanceOf(SourceException.class);
    }

    @Test
    void batchWhoseAcknowledgementFailsIsCountedInDoubt() {
        InMemorySource source = new InMemorySource("id", "name") {
            @Override
            public SourceRun startRun(RunRequest request) {
                SourceRun run = super.startRun(request);
                return new SourceRun() {
                    private int acks;

                    @Override
                    public Plan plan() {
                        return run.plan();
                    }

                    @Override
                    public java.util.List<Change> nextBatch(int maxSize) {
                        return run.nextBatch(maxSize);
                    }

                    @Override
                    public void acknowledge(Acknowledgement acknowledgement) {
                        if (++acks == 2) {
                            throw new SourceException("memory:test lost its connection", null, true);
                        }
                        run.acknowledge(acknowledgement);
                    }

                    @Override
                    public void markInDoubt(java.util.List<Change> batch) {
                        run.markInDoubt(batch);
                    }

                    @Override
                    public void finish(SyncResult result) {
                        run.finish(result);
                    }

                    @Override
                    public void close() {
                        run.close();
                    }
                };
            }
        }.rows(9);
        ScriptedDestination destination = new ScriptedDestination();

        SyncResult result = runner.run(job(source, destination, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 3));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).hasMessageContaining("lost its connection");
        assertThat(destination.applied).hasSize(2);
        assertThat(result.counts().delivered()).isEqualTo(3);
        assertThat(result.counts().inDoubt()).isEqualTo(3);
    }

    @Test
    void aRejectedChangeIsNotCountedAsDeliveredOfItsKind() {
        ScriptedDestination destination = new ScriptedDestination();
        destination.rejector = c -> c.kind() == ChangeKind.CHANGED ? "refused" : null;

        SyncResult result = runner.run(job(sourceWithEveryKind(), destination,
            mapping(SourceMode.FULL_TABLE, DestinationMode.MIRROR), 10));

        assertThat(result.counts().rejected()).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.CHANGED)).isZero();
        assertThat(result.counts().delivered(ChangeKind.ADDED)).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.UNCHANGED)).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.REMOVED)).isEqualTo(1);
        assertThat(result.counts().deliveredByKind().values().stream().mapToLong(Long::longValue).sum())
            .isEqualTo(result.counts().delivered()).isEqualTo(3);
    }

    @Test
    void deliveredCountsByKindAndAPlanWithoutADestination() {
        InMemorySource source = sourceWithEveryKind();
        Plan plan = runner.plan("job-1", source, mapping(SourceMode.FULL_TABLE, DestinationMode.MIRROR),
            SyncOptions.defaults());
        assertThat(plan.count(ChangeKind.REMOVED)).isEqualTo(1);
        assertThat(source.acknowledgedKeys).isEmpty();

        SyncResult result = runner.run(job(source, new ScriptedDestination(),
            mapping(SourceMode.FULL_TABLE, DestinationMode.MIRROR), 10));

        assertThat(result.counts().delivered(ChangeKind.ADDED)).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.CHANGED)).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.UNCHANGED)).isEqualTo(1);
        assertThat(result.counts().delivered(ChangeKind.REMOVED)).isEqualTo(1);
        assertThat(result.counts().deliveredByKind().values().stream().mapToLong(Long::longValue).sum())
            .isEqualTo(result.counts().delivered());
    }
}
