package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Delivery to remote-API-like destinations: several batches at once, rate limits, throttling, one retry layer,
 * poison rows split out, write timeouts and cancel (issue 18).
 */
class DeliveryTest {

    /** A thread-safe destination with latency, poison keys and a record of every call. */
    static final class Api implements Destination {
        final Map<Object, Change> held = new ConcurrentHashMap<>();
        final List<List<Object>> calls = Collections.synchronizedList(new ArrayList<>());
        final List<Long> callStarts = Collections.synchronizedList(new ArrayList<>());
        /** The first key of each batch whose write ended, in the order they ended. */
        final List<Object> answered = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        volatile int maxConcurrency = 1;
        volatile Duration latency = Duration.ZERO;
        volatile boolean randomLatency;
        volatile Set<Object> poison = Set.of();
        volatile Predicate<List<Change>> throttle = b -> false;
        volatile Duration retryAfter = Duration.ofMillis(100);
        /** Writes of batches holding this key block until {@link #release} counts down, ignoring interrupts. */
        volatile Object blockOn = "none";
        final CountDownLatch release = new CountDownLatch(1);
        volatile RuntimeException poisonError = new IllegalArgumentException("invalid e-mail address");

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all().withMaxConcurrency(maxConcurrency);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            List<Object> keys = new ArrayList<>();
            for (Change c : batch) {
                keys.add(c.key());
            }
            calls.add(keys);
            callStarts.add(System.nanoTime());
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                if (keys.contains(blockOn)) {
                    while (true) {
                        try {
                            release.await();
                            break;
                        } catch (InterruptedException e) {
                            // (A stubborn write: it ignores the interrupt.)
                        }
                    }
                }
                long millis = latency.toMillis();
                if (randomLatency) {
                    millis = ThreadLocalRandom.current().nextLong(millis + 1);
                }
                if (millis > 0) {
                    Thread.sleep(millis);
                }
                if (throttle.test(batch)) {
                    throw new ThrottledException("429 Too Many Requests", retryAfter, null);
                }
                for (Object key : keys) {
                    if (poison.contains(key)) {
                        throw poisonError;
                    }
                }
                for (Change c : batch) {
                    if (c.kind() == ChangeKind.REMOVED) {
                        held.remove(c.key());
                    } else {
                        held.put(c.key(), c);
                    }
                }
                answered.add(keys.get(0));
                return WriteResult.ok();
            } finally {
                inFlight.decrementAndGet();
            }
        }

        Map<Object, Object> contents() {
            Map<Object, Object> m = new TreeMap<>();
            held.forEach((k, c) -> m.put(k, c.requireRow().toMap()));
            return m;
        }
    }

    private static InMemorySource table(int rows) {
        return new InMemorySource("id", "name").rows(rows);
    }

    private static SyncJob.Builder job(Source source, Destination destination, DestinationMode mode) {
        return SyncJob.builder("job-d").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("name").sourceMode(SourceMode.INCREMENTAL).destinationMode(mode)
                .build())
            .retryPolicy(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, 1.0));
    }

    @ParameterizedTest
    @EnumSource(DestinationMode.class)
    void concurrentDeliveryEndsWithWhatSerialDeliveryEndsWithInEveryMode(DestinationMode mode) {
        InMemorySource serialSource = table(120);
        InMemorySource concurrentSource = table(120);
        Api serial = new Api();
        Api concurrent = new Api();
        concurrent.maxConcurrency = 8;
        concurrent.latency = Duration.ofMillis(6);
        concurrent.randomLatency = true;
        SyncRunner runner = SyncRunner.create();
        for (int round = 0; round < 3; round++) {
            SyncResult a = runner.run(job(serialSource, serial, mode).batchSize(7).build());
            SyncResult b = runner.run(job(concurrentSource, concurrent, mode).batchSize(7).concurrency(6).build());
            assertThat(a.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(b.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(b.counts().delivered()).isEqualTo(a.counts().delivered());
            assertThat(concurrent.contents()).isEqualTo(serial.contents());
            assertThat(concurrentSource.snapshot).isEqualTo(serialSource.snapshot);
            if (round == 0) {
                // (A first sync: 18 batches handed out in key order, answered as their random latencies end.)
                List<Object> order = new ArrayList<>(concurrent.answered);
                List<Object> sorted = new ArrayList<>(order);
                sorted.sort(null);
                assertThat(order).as("answers arrive out of hand-out order").isNotEqualTo(sorted);
            }
            // Change the tables alike: some rows change, some go, some come.
            for (InMemorySource s : List.of(serialSource, concurrentSource)) {
                for (long k = 1 + round; k <= 120; k += 9) {
                    s.put(k, "changed-" + round + "-" + k);
                }
                for (long k = 5 + round; k <= 120; k += 17) {
                    s.table.remove(k);
                }
                s.put(200 + round, "new-" + round);
            }
        }
        assertThat(concurrent.maxInFlight.get()).as("batches out at once").isGreaterThan(1).isLessThanOrEqualTo(6);
        assertThat(concurrentSource.overlapped).as("source calls never overlap").isFalse();
        // Each key went once a run, as one at a time.
        assertThat(concurrent.calls.stream().mapToInt(List::size).sum())
            .isEqualTo(serial.calls.stream().mapToInt(List::size).sum());
    }

    @Test
    void aDestinationThatDoesNotDeclareConcurrencyIsWrittenFromOneThreadAtATime() {
        Api api = new Api();
        api.latency = Duration.ofMillis(5);
        SyncResult result = SyncRunner.create().run(job(table(40), api, DestinationMode.UPSERT).batchSize(4)
            .concurrency(8).build());

        assertThat(result.succeeded()).isTrue();
        assertThat(api.maxInFlight.get()).isEqualTo(1);
        assertThat(api.held).hasSize(40);
    }

    @Test
    void concurrencyMultipliesThroughputAgainstASlowDestination() {
        Api api = new Api();
        api.maxConcurrency = 16;
        api.latency = Duration.ofMillis(50);
        SyncResult result = SyncRunner.create().run(job(table(800), api, DestinationMode.UPSERT).batchSize(10)
            .concurrency(16).build());

        assertThat(result.succeeded()).isTrue();
        assertThat(api.held).hasSize(800);
        assertThat(api.maxInFlight.get()).isEqualTo(16);
        // 80 calls of 50 ms: 4 s one at a time; at 16 at once about 0.25 s. (A bound with a wide margin: not a timing
        // test, only proof that the writes did overlap.)
        assertThat(result.duration()).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void aPoisonRowIsIsolatedInAtMostTwoLogBatchExtraCallsAndTheRestArrives() {
        Api api = new Api();
        api.poison = Set.of(37L);
        InMemorySource source = table(64);
        List<SyncListener.Split> splits = Collections.synchronizedList(new ArrayList<>());
        SyncRunner runner = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void split(SyncContext context, Split split) {
                splits.add(split);
            }
        }).build();

        SyncResult result = runner.run(job(source, api, DestinationMode.UPSERT).batchSize(16).build());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.counts().delivered()).isEqualTo(63);
        assertThat(result.counts().rejected()).isEqualTo(1);
        assertThat(result.rejectionSamples()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(37L);
            assertThat(r.reason()).contains("IllegalArgumentException").contains("invalid e-mail address");
        });
        assertThat(api.held).hasSize(63).doesNotContainKey(37L);
        // 4 batches: 4 calls; the poison batch once (IllegalArgumentException is not retried), then 2 per level.
        int extra = api.calls.size() - 4;
        assertThat(extra).isLessThanOrEqualTo(2 * 4).isGreaterThan(0);
        assertThat(api.calls.stream().filter(c -> c.contains(37L)).count()).as("IllegalArgumentException not retried")
            .isEqualTo(1 + 4);
        assertThat(result.counts().splits()).isEqualTo(4);
        assertThat(splits).hasSize(4).first().satisfies(s -> assertThat(s.changes()).isEqualTo(16));
        assertThat(source.rejectedKeys).containsExactly(37L);

        // Offered again on the next run (a rejection), and delivered once the destination takes it.
        api.poison = Set.of();
        SyncResult next = runner.run(job(source, api, DestinationMode.UPSERT).batchSize(16).build());
        assertThat(next.counts().delivered()).isEqualTo(1);
        assertThat(api.held).hasSize(64);
    }

    @Test
    void withIsolationOffAPoisonRowFailsTheRunAndItsBatchStaysInDoubt() {
        Api api = new Api();
        api.poison = Set.of(5L);
        InMemorySource source = table(8);

        SyncResult result = SyncRunner.create().run(job(source, api, DestinationMode.UPSERT).batchSize(4)
            .isolateFailures(false).build());

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(DestinationException.class).hasMessageContaining("after 1 attempt:")
            .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(source.inDoubtKeys).containsExactly(5L, 6L, 7L, 8L);
        assertThat(api.calls).hasSize(2);
    }

    @Test
    void aDestinationFailingEveryWriteIsAnOutageNotPoisonRowsAndFailsTheRun() {
        Api api = new Api();
        api.poisonError = new IllegalStateException("503 Service Unavailable");
        api.poison = Set.of(1L, 2L, 3L, 4L);
        InMemorySource source = table(4);

        SyncResult result = SyncRunner.builder().sleeper(d -> { }).build()
            .run(job(source, api, DestinationMode.UPSERT).batchSize(4).build());

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.counts().rejected()).isZero();
        // 3 attempts, then one split whose halves both fail with a retriable error: no row is to blame.
        assertThat(api.calls).hasSize(5);
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aThrottledWriteWaitsTheRetryAfterAndUsesNoAttempt() {
        Api api = new Api();
        AtomicInteger throttles = new AtomicInteger(2);
        api.throttle = b -> throttles.getAndDecrement() > 0;
        api.retryAfter = Duration.ofMillis(150);
        List<SyncListener.Throttle> seen = Collections.synchronizedList(new ArrayList<>());
        List<SyncListener.Write> writes = Collections.synchronizedList(new ArrayList<>());
        SyncRunner runner = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void throttled(SyncContext context, Throttle throttle) {
                seen.add(throttle);
            }

            @Override
            public void written(SyncContext context, Write write) {
                writes.add(write);
            }
        }).build();
        long start = System.nanoTime();

        SyncResult result = runner.run(job(table(3), api, DestinationMode.UPSERT).retryPolicy(RetryPolicy.none())
            .build());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.counts().throttles()).isEqualTo(2);
        assertThat(result.counts().retries()).isZero();
        assertThat(writes).extracting(SyncListener.Write::outcome).containsExactly(SyncListener.WriteOutcome.THROTTLED,
            SyncListener.WriteOutcome.THROTTLED, SyncListener.WriteOutcome.ANSWERED);
        assertThat(writes).allSatisfy(w -> assertThat(w.changes()).isEqualTo(3));
        assertThat(seen).hasSize(2).allSatisfy(t -> assertThat(t.pause()).isEqualTo(Duration.ofMillis(150)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(api.calls).hasSize(3);
    }

    @Test
    void aThrottleBeyondTheBoundFailsTheBatch() {
        Api api = new Api();
        api.throttle = b -> true;
        api.retryAfter = Duration.ofMillis(60);
        InMemorySource source = table(2);

        SyncResult result = SyncRunner.create().run(job(source, api, DestinationMode.UPSERT)
            .retryPolicy(RetryPolicy.defaults().withMaxThrottledWait(Duration.ofMillis(200))).build());

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).hasMessageContaining("kept asking to slow down");
        assertThat(api.calls).hasSize(4);
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L);
    }

    @Test
    void aRateLimitIsHeldWithinTenPercentAcrossConcurrentWrites() {
        Api api = new Api();
        api.maxConcurrency = 8;
        RateLimit limit = RateLimit.perSecond(25);

        SyncResult result = SyncRunner.create().run(job(table(40), api, DestinationMode.UPSERT).batchSize(1)
            .concurrency(8).rateLimit(limit).build());

        assertThat(result.succeeded()).isTrue();
        List<Long> starts = new ArrayList<>(api.callStarts);
        Collections.sort(starts);
        double seconds = (starts.get(starts.size() - 1) - starts.get(0)) / 1e9;
        double rate = (starts.size() - 1) / seconds;
        assertThat(rate).as("requests per second").isBetween(25 * 0.9, 25 * 1.1);
    }

    @Test
    void aRateLimitIsSharedByTheRunsThatShareIt() throws Exception {
        Api a = new Api();
        Api b = new Api();
        RateLimit shared = RateLimit.perSecond(20);
        SyncRunner runner = SyncRunner.create();

        RunHandle first = runner.start(SyncJob.builder("job-a").source(table(15)).destination(a)
            .mapping(Mapping.builder().key("id").map("name").build()).batchSize(1).rateLimit(shared).build());
        RunHandle second = runner.start(SyncJob.builder("job-b").source(table(15)).destination(b)
            .mapping(Mapping.builder().key("id").map("name").build()).batchSize(1).rateLimit(shared).build());
        assertThat(first.join().succeeded()).isTrue();
        assertThat(second.join().succeeded()).isTrue();

        List<Long> starts = new ArrayList<>(a.callStarts);
        starts.addAll(b.callStarts);
        Collections.sort(starts);
        double rate = (starts.size() - 1) / ((starts.get(starts.size() - 1) - starts.get(0)) / 1e9);
        assertThat(rate).as("requests per second of both runs together").isBetween(20 * 0.9, 20 * 1.1);
    }

    @Test
    void aProgrammingErrorIsNotRetriedButAnIoErrorIs() {
        List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
        Api api = new Api();
        api.poison = Set.of(1L);
        api.poisonError = new NullPointerException("name");
        SyncRunner runner = SyncRunner.builder().sleeper(sleeps::add).build();

        SyncResult result = runner.run(job(table(1), api, DestinationMode.UPSERT).retryPolicy(RetryPolicy.defaults())
            .build());

        assertThat(api.calls).hasSize(1);
        assertThat(sleeps).isEmpty();
        // A single change that fails for good, with an error that is not retriable, is a rejection.
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.rejectionSamples()).singleElement()
            .satisfies(r -> assertThat(r.reason()).contains("NullPointerException"));
        assertThat(RetryPolicy.retriableByDefault(new java.io.IOException("reset"))).isTrue();
        assertThat(RetryPolicy.retriableByDefault(new ClassCastException())).isFalse();
        assertThat(RetryPolicy.retriableByDefault(new DestinationException("x", null, false))).isFalse();
        assertThat(RetryPolicy.defaults().withRetryOn(e -> true).isRetriable(new NullPointerException())).isTrue();
    }

    @Test
    void aDestinationsRetryAfterStretchesTheBackoff() {
        List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger(1);
        Destination destination = batch -> {
            if (failures.getAndDecrement() > 0) {
                throw new DestinationException("503", null, true, Duration.ofSeconds(7));
            }
            return WriteResult.ok();
        };
        SyncResult result = SyncRunner.builder().sleeper(sleeps::add).build().run(job(table(2), destination,
            DestinationMode.UPSERT).retryPolicy(RetryPolicy.defaults()).build());

        assertThat(result.succeeded()).isTrue();
        assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
        assertThat(result.counts().retries()).isEqualTo(1);
    }

    @Test
    void jitterSpreadsTheBackoffBelowItsBound() {
        RetryPolicy policy = RetryPolicy.defaults();
        Set<Duration> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            Duration d = policy.backoffAfter(2);
            assertThat(d).isBetween(Duration.ofMillis(800), Duration.ofMillis(1000));
            seen.add(d);
        }
        assertThat(seen).hasSizeGreaterThan(5);
        assertThat(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0).backoffAfter(2))
            .isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void aWriteThatIgnoresItsInterruptIsAbandonedAndTheRunFails() {
        Api api = new Api();
        api.blockOn = 2L;
        InMemorySource source = table(4);
        long start = System.nanoTime();
        try {
            SyncResult result = SyncRunner.create().run(job(source, api, DestinationMode.UPSERT).batchSize(2)
                .writeTimeout(Duration.ofMillis(300)).build());

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(result.status()).isEqualTo(RunStatus.FAILED);
            assertThat(result.error()).hasMessageContaining("abandoned");
            assertThat(result.counts().inDoubt()).isEqualTo(2);
            // Neither acknowledged nor put in doubt by the run: left as a crash leaves it, under the source's lease.
            assertThat(source.acknowledgedKeys).isEmpty();
            assertThat(source.inDoubtKeys).isEmpty();
            assertThat(source.calls).doesNotContain("markInDoubt").contains("finish", "close");
        } finally {
            api.release.countDown();
        }
    }

    @Test
    void cancelStopsTheHandOutWaitsForTheWritesUnderWayAndTheNextRunSendsTheRest() throws Exception {
        Api api = new Api();
        api.maxConcurrency = 2;
        api.latency = Duration.ofMillis(40);
        InMemorySource source = table(200);
        SyncRunner runner = SyncRunner.create();
        SyncJob job = job(source, api, DestinationMode.UPSERT).batchSize(5).concurrency(2).build();

        RunHandle handle = runner.start(job);
        while (api.held.size() < 20) {
            Thread.sleep(5);
        }
        long asked = System.nanoTime();
        handle.cancel(Duration.ofSeconds(5));
        SyncResult result = handle.result().get(10, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(result.error()).isNull();
        assertThat(result.counts().delivered()).isEqualTo(source.acknowledgedKeys.size()).isLessThan(200);
        assertThat(source.calls).contains("finish", "close");
        Set<Object> acknowledged = Set.copyOf(source.acknowledgedKeys);
        assertThat(api.held.keySet()).containsAll(acknowledged);

        // The next run sends exactly what the cancelled one did not acknowledge.
        int callsBefore = api.calls.size();
        SyncResult next = runner.run(job);
        assertThat(next.succeeded()).isTrue();
        List<Object> resent = new ArrayList<>();
        for (List<Object> call : api.calls.subList(callsBefore, api.calls.size())) {
            resent.addAll(call);
        }
        assertThat(resent).doesNotContainAnyElementsOf(acknowledged).hasSize(200 - acknowledged.size());
        assertThat(api.held).hasSize(200);
    }

    @Test
    void cancelReturnsWithinItsBoundWhileAWriteBlocks() throws Exception {
        Api api = new Api();
        api.blockOn = 3L;
        InMemorySource source = table(6);
        SyncRunner runner = SyncRunner.create();
        try {
            RunHandle handle = runner.start(job(source, api, DestinationMode.UPSERT).batchSize(3).build());
            while (api.calls.isEmpty()) {
                Thread.sleep(5);
            }
            long asked = System.nanoTime();
            handle.cancel(Duration.ofMillis(200));
            SyncResult result = handle.result().get(10, TimeUnit.SECONDS);

            // The wait (0.2 s), the interrupt, and the grace before the write is abandoned (1 s).
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofMillis(2500));
            assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(result.counts().inDoubt()).isEqualTo(3);
            assertThat(source.acknowledgedKeys).isEmpty();
        } finally {
            api.release.countDown();
        }
    }

    @Test
    void closingTheRunnerCancelsItsRunsAndRefusesNewOnes() throws Exception {
        Api api = new Api();
        api.latency = Duration.ofMillis(20);
        InMemorySource source = table(500);
        SyncRunner runner = SyncRunner.create();
        SyncJob job = job(source, api, DestinationMode.UPSERT).batchSize(5).build();
        RunHandle handle = runner.start(job);
        while (api.held.size() < 10) {
            Thread.sleep(5);
        }

        runner.close();

        assertThat(handle.isDone()).isTrue();
        assertThat(handle.join().status()).isEqualTo(RunStatus.CANCELLED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner.run(job))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void progressCarriesThroughputAndAnEstimate() {
        Api api = new Api();
        api.latency = Duration.ofMillis(10);
        List<SyncListener.Progress> seen = Collections.synchronizedList(new ArrayList<>());
        SyncRunner runner = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void batchDelivered(SyncContext context, Progress progress) {
                seen.add(progress);
            }
        }).build();

        runner.run(job(table(50), api, DestinationMode.UPSERT).batchSize(10).build());

        assertThat(seen).hasSize(5);
        SyncListener.Progress first = seen.get(0);
        assertThat(first.toSend()).isEqualTo(50);
        assertThat(first.rowsPerSecond()).isPositive();
        assertThat(first.eta()).isPresent();
        assertThat(seen.get(4).eta()).contains(Duration.ZERO);
        assertThat(seen.get(4).elapsed()).isGreaterThanOrEqualTo(first.elapsed());
    }

    @Test
    void aJobAlreadyRunningIsSkippedQuietlyNotFailed() throws Exception {
        Api api = new Api();
        api.blockOn = 1L;
        InMemorySource source = table(2);
        SyncRunner runner = SyncRunner.create();
        SyncJob job = job(source, api, DestinationMode.UPSERT).build();
        try {
            RunHandle first = runner.start(job);
            while (api.calls.isEmpty()) {
                Thread.sleep(5);
            }
            SyncResult second = runner.run(job);

            assertThat(second.status()).isEqualTo(RunStatus.SKIPPED);
            assertThat(second.succeeded()).isFalse();
            assertThat(second.error()).isInstanceOfSatisfying(JobBusyException.class,
                e -> assertThat(e.inThisProcess()).isTrue());
            api.release.countDown();
            assertThat(first.join().status()).isEqualTo(RunStatus.SUCCEEDED);
        } finally {
            api.release.countDown();
        }
    }
}
