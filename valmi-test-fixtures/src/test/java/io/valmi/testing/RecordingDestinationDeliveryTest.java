package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.RetryPolicy;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.ThrottledException;
import io.valmi.testing.RecordingDestination.Batch;
import io.valmi.testing.RecordingDestination.Outcome;
import io.valmi.testing.RecordingDestination.Poison;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The faults of a remote API that {@link RecordingDestination} plays, and its bookkeeping of concurrent calls. */
class RecordingDestinationDeliveryTest {
    private static final List<String> FIELDS = List.of("name");
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<RecordingDestination> toRelease = new ArrayList<>();

    @AfterEach
    void releaseAndStop() throws InterruptedException {
        toRelease.forEach(RecordingDestination::releaseWrites);
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private RecordingDestination destination() {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT);
        toRelease.add(d);
        return d;
    }

    private static List<Change> batch(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(k -> Change.added(k, Row.of(FIELDS, "n" + k)))
            .collect(Collectors.toList());
    }

    private Future<?> writeInBackground(RecordingDestination d, List<Change> changes) {
        return threads.submit(() -> d.write(changes));
    }

    @Test
    void waitsAFixedLatencyOrOneThatDependsOnTheBatch() throws Exception {
        RecordingDestination fixed = destination().slowWrites(Duration.ofMillis(40));
        fixed.write(batch(1, 3));
        assertThat(fixed.batches().get(0).duration()).isGreaterThanOrEqualTo(Duration.ofMillis(40));

        RecordingDestination perRow = destination().slowWrites(b -> Duration.ofMillis(10L * b.size()));
        perRow.write(batch(1, 1));
        perRow.write(batch(2, 8));
        List<Batch> calls = perRow.batches();
        assertThat(calls.get(0).duration()).isGreaterThanOrEqualTo(Duration.ofMillis(10));
        assertThat(calls.get(1).duration()).isGreaterThanOrEqualTo(Duration.ofMillis(70));
        assertThat(calls.get(1).startNanos()).isGreaterThanOrEqualTo(calls.get(0).endNanos());
        assertThat(calls).extracting(Batch::outcome).containsOnly(Outcome.ANSWERED);

        RecordingDestination broken = destination().slowWrites(b -> Duration.ofMillis(-1));
        assertThatThrownBy(() -> broken.write(batch(1, 1))).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("returned PT-0.001S for batch 1, attempt 1 of 1 changes; return zero or more");
        assertThat(broken.writesInProgress()).isZero();
        assertThatThrownBy(() -> destination().slowWrites(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void throttlesTheNextWritesWithoutApplyingThem() throws Exception {
        RecordingDestination d = destination().throttleNext(2, Duration.ofMillis(1500));
        List<Change> changes = batch(1, 2);
        for (int attempt = 1; attempt <= 2; attempt++) {
            assertThatThrownBy(() -> d.write(changes)).isInstanceOf(ThrottledException.class)
                .hasMessageContaining("throttling of batch 1, attempt " + attempt)
                .satisfies(e -> assertThat(((ThrottledException) e).retryAfter()).isEqualTo(Duration.ofMillis(1500)));
            assertThat(d.state()).isEmpty();
        }
        d.write(changes);

        assertThat(d.state()).containsOnlyKeys(1L, 2L);
        assertThat(d.batches()).extracting(b -> b.number() + "/" + b.attempt() + " " + b.outcome())
            .containsExactly("1/1 THROTTLED", "1/2 THROTTLED", "1/3 ANSWERED");
    }

    @Test
    void throttlesEveryNthWrite() throws Exception {
        RecordingDestination d = destination().throttleEvery(3, Duration.ZERO);
        List<Outcome> outcomes = new ArrayList<>();
        for (long key = 1; key <= 7; key++) {
            try {
                d.write(batch(key, key));
                outcomes.add(Outcome.ANSWERED);
            } catch (ThrottledException e) {
                outcomes.add(Outcome.THROTTLED);
                assertThat(e.retryAfter()).isZero();
            }
        }
        assertThat(outcomes).containsExactly(Outcome.ANSWERED, Outcome.ANSWERED, Outcome.THROTTLED, Outcome.ANSWERED,
            Outcome.ANSWERED, Outcome.THROTTLED, Outcome.ANSWERED);
        assertThat(d.state()).containsOnlyKeys(1L, 2L, 4L, 5L, 7L);
    }

    @Test
    void aPoisonKeyFailsEveryBatchThatHoldsItAsAWhole() throws Exception {
        RecordingDestination d = destination().poisonKey(5L).poisonKey(6L, Poison.RETRIABLE)
            .poisonKey(7L, Poison.ILLEGAL_ARGUMENT);

        assertThatThrownBy(() -> d.write(batch(1, 8))).isInstanceOf(DestinationException.class)
            .hasMessage("RecordingDestination: batch 1, attempt 1 of 8 changes refused as a whole: it holds poison "
                + "key 5")
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
        assertThatThrownBy(() -> d.write(batch(6, 6))).isInstanceOf(DestinationException.class)
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isTrue());
        assertThatThrownBy(() -> d.write(batch(7, 8))).isExactlyInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("poison key 7")
            .satisfies(e -> assertThat(RetryPolicy.defaults().isRetriable(e)).isFalse());
        assertThat(d.state()).isEmpty();

        d.write(batch(1, 4));
        assertThat(d.state()).containsOnlyKeys(1L, 2L, 3L, 4L);
        assertThat(d.batches()).extracting(Batch::outcome).containsExactly(Outcome.POISONED, Outcome.POISONED,
            Outcome.POISONED, Outcome.ANSWERED);
    }

    /** What a runner's test checks with the call log: the extra calls that isolate one poison row of a batch. */
    @Test
    void theCallLogCountsTheCallsThatIsolateAPoisonRow() {
        int size = 100;
        RecordingDestination d = destination().poisonKey(37L);
        List<Change> rejected = bisect(d, batch(1, size));

        assertThat(rejected).extracting(Change::key).containsExactly(37L);
        assertThat(d.state()).hasSize(size - 1).doesNotContainKey(37L);
        List<Batch> calls = d.batches();
        int extra = calls.size() - 1;
        assertThat(extra).isLessThanOrEqualTo(2 * (int) Math.ceil(Math.log(size) / Math.log(2)));
        // Every part is a batch of its own: numbers are never shared, and each part is tried once.
        assertThat(calls).extracting(Batch::number).doesNotHaveDuplicates();
        assertThat(calls).extracting(Batch::attempt).containsOnly(1);
        assertThat(calls.stream().filter(b -> b.outcome() == Outcome.POISONED).map(Batch::keys))
            .allSatisfy(keys -> assertThat(keys).contains(37L));
    }

    /** Halves a failing batch down to single changes, as a runner isolating failures does. */
    private static List<Change> bisect(RecordingDestination d, List<Change> changes) {
        try {
            d.write(changes);
            return List.of();
        } catch (Exception e) {
            if (changes.size() == 1) {
                return changes;
            }
            List<Change> rejected = new ArrayList<>(bisect(d, changes.subList(0, changes.size() / 2)));
            rejected.addAll(bisect(d, changes.subList(changes.size() / 2, changes.size())));
            return rejected;
        }
    }

    @Test
    void aCallWithTheKeysOfAnUnansweredBatchIsAnotherAttemptAtIt() throws Exception {
        RecordingDestination d = destination().failBatch(1, 1);
        assertThatThrownBy(() -> d.write(batch(1, 4))).hasMessageContaining("batch 1, attempt 1");
        d.write(batch(1, 2));                        // another batch: a half
        d.write(batch(1, 4));                        // the first again, still unanswered
        d.write(batch(1, 4));                        // answered before: a new batch
        d.open(new SyncContext("job", "run", "test", ContractScenario.mapping(DestinationMode.UPSERT), 100));
        assertThatThrownBy(() -> d.write(List.of())).isInstanceOf(DestinationException.class);

        assertThat(d.batches()).extracting(b -> b.number() + "/" + b.attempt() + " " + b.outcome())
            .containsExactly("1/1 FAILED", "2/1 ANSWERED", "1/2 ANSWERED", "3/1 ANSWERED", "4/1 BROKEN_PROMISE");
        assertThat(d.violations()).containsExactly("batch 4 is empty");
    }

    @Test
    void aBlockedWriteWaitsUntilReleased() throws Exception {
        RecordingDestination d = destination().blockWrites(1);
        Future<?> blocked = writeInBackground(d, batch(1, 1));
        assertThat(d.awaitBlockedWrites(1, PATIENCE)).isTrue();
        d.write(batch(2, 2)); // only the next write was blocked

        assertThat(d.state()).containsOnlyKeys(2L);
        assertThat(d.writesInProgress()).isEqualTo(1);
        d.releaseWrites();
        blocked.get(10, TimeUnit.SECONDS);
        assertThat(d.state()).containsOnlyKeys(1L, 2L);
        assertThat(d.blockedWrites()).isZero();
        assertThat(d.batches()).extracting(Batch::number).containsExactly(2, 1);
    }

    @Test
    void aBlockedWriteGivesUpWhenInterrupted() throws Exception {
        RecordingDestination d = destination().blockWrites(Integer.MAX_VALUE);
        Future<?> first = writeInBackground(d, batch(1, 1));
        Future<?> second = writeInBackground(d, batch(2, 2));
        assertThat(d.awaitBlockedWrites(2, PATIENCE)).isTrue();
        first.cancel(true);

        await(() -> d.batches().size() == 1);
        assertThat(d.batches()).singleElement().satisfies(b -> {
            assertThat(b.outcome()).isEqualTo(Outcome.INTERRUPTED);
            assertThat(b.keys()).containsExactly(1L);
        });
        assertThat(d.blockedWrites()).isEqualTo(1);
        d.releaseWrites();
        second.get(10, TimeUnit.SECONDS);
        assertThat(d.state()).containsOnlyKeys(2L);
        assertThat(d.ignoredInterrupts()).isZero();
    }

    @Test
    void aStubbornWriteIgnoresInterruptsAndLandsLateWhenReleased() throws Exception {
        RecordingDestination d = destination().blockWritesIgnoringInterrupts(1).slowWrites(Duration.ofMillis(20));
        AtomicReference<Thread> writer = new AtomicReference<>();
        Future<?> stuck = threads.submit(() -> {
            writer.set(Thread.currentThread());
            return d.write(batch(1, 1));
        });
        assertThat(d.awaitBlockedWrites(1, PATIENCE)).isTrue();
        writer.get().interrupt();
        await(() -> d.ignoredInterrupts() == 1);
        writer.get().interrupt();
        await(() -> d.ignoredInterrupts() == 2);
        Thread.sleep(50);

        assertThat(stuck).isNotDone();
        assertThat(d.blockedWrites()).isEqualTo(1);
        d.write(batch(1, 1)); // the runner's next attempt, while the first is still stuck
        assertThat(d.maxConcurrentWrites()).isEqualTo(2);

        d.releaseWrites();
        stuck.get(10, TimeUnit.SECONDS);
        assertThat(d.batches()).extracting(b -> b.number() + "/" + b.attempt() + " " + b.outcome())
            .containsExactly("1/2 ANSWERED", "1/1 ANSWERED");
        assertThat(d.state()).containsOnlyKeys(1L);
    }

    @Test
    void declaresConcurrencyAndRecordsHowManyWritesRanAtOnce() throws Exception {
        RecordingDestination d = destination().capabilities(DestinationCapabilities.all().withMaxBatchSize(10))
            .maxConcurrency(4);
        assertThat(d.capabilities().maxConcurrency()).isEqualTo(4);
        assertThat(d.capabilities().maxBatchSize()).isEqualTo(10);

        d.blockWrites(4);
        List<Future<?>> writes = new ArrayList<>();
        for (long k = 1; k <= 4; k++) {
            writes.add(writeInBackground(d, batch(k, k)));
        }
        assertThat(d.awaitBlockedWrites(4, PATIENCE)).isTrue();
        assertThat(d.writesInProgress()).isEqualTo(4);
        d.releaseWrites();
        for (Future<?> w : writes) {
            w.get(10, TimeUnit.SECONDS);
        }

        assertThat(d.maxConcurrentWrites()).isEqualTo(4);
        assertThat(d.writesInProgress()).isZero();
        assertThat(d.batches()).extracting(Batch::thread).doesNotHaveDuplicates();
        assertThat(d.batches()).allSatisfy(b -> assertThat(b.endNanos()).isGreaterThanOrEqualTo(b.startNanos()));
    }

    @Test
    void losesNothingWhenManyThreadsWriteAtOnce() throws Exception {
        int writers = 16;
        int batchesEach = 100;
        RecordingDestination d = destination().maxConcurrency(writers).throttleEvery(7, Duration.ZERO)
            .slowWrites(b -> Duration.ofNanos(50_000));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            long base = (long) w * batchesEach * 10;
            results.add(threads.submit(() -> {
                start.await();
                int throttled = 0;
                for (int i = 0; i < batchesEach; i++) {
                    List<Change> changes = batch(base + i * 10L + 1, base + i * 10L + 10);
                    while (true) {
                        try {
                            d.write(changes);
                            break;
                        } catch (ThrottledException e) {
                            throttled++;
                        }
                    }
                }
                return throttled;
            }));
        }
        start.countDown();
        int throttled = 0;
        for (Future<Integer> r : results) {
            throttled += r.get(60, TimeUnit.SECONDS);
        }

        int answered = writers * batchesEach;
        assertThat(d.state()).hasSize(answered * 10);
        assertThat(d.receivedChanges()).hasSize(answered * 10);
        assertThat(d.batches()).hasSize(answered + throttled);
        assertThat(throttled).isEqualTo((answered + throttled) / 7);
        assertThat(d.batches()).extracting(Batch::number).filteredOn(n -> n > answered).isEmpty();
        assertThat(d.maxConcurrentWrites()).isBetween(2, writers);
        assertThat(d.violations()).isEmpty();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s for a condition", PATIENCE).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
