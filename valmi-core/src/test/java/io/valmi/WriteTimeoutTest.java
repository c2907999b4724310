package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A write that takes longer than the job's write timeout is interrupted and counts as failed, its keys in doubt; the
 * source is asked before each attempt whether the run still holds the job, and no write starts when it does not.
 */
class WriteTimeoutTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").build();

    private static SyncJob job(Source source, Destination destination, RetryPolicy retries, Duration timeout) {
        return SyncJob.builder("timeouts").source(source).destination(destination).mapping(MAPPING).batchSize(10)
            .retryPolicy(retries).writeTimeout(timeout).build();
    }

    /** Blocks in write until interrupted (or for a minute). */
    static final class BlockingDestination implements Destination {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public WriteResult write(List<Change> batch) throws InterruptedException {
            calls.incrementAndGet();
            Thread.sleep(60_000);
            return WriteResult.ok();
        }
    }

    @Test
    void aWriteThatBlocksIsInterruptedAtItsTimeoutAndItsKeysStayInDoubt() {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        BlockingDestination destination = new BlockingDestination();
        long started = System.nanoTime();

        SyncResult result = SyncRunner.builder().sleeper(d -> { }).build().run(job(source, destination,
            new RetryPolicy(2, Duration.ZERO, Duration.ZERO, 1.0), Duration.ofMillis(300)));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(DestinationException.class)
            .hasMessageContaining("after 2 attempts")
            .hasMessageContaining("took longer than the write timeout of 300 ms");
        // Two attempts, then the two halves of the split (which time out too: the destination fails, not a row).
        assertThat(destination.calls).hasValue(4);
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L, 3L);
        assertThat(source.acknowledgedKeys).isEmpty();
        assertThat(source.lastRequest.writeTimeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(Thread.currentThread().isInterrupted()).as("the alarm's interrupt is not left behind").isFalse();
    }

    @Test
    void aWriteThatIgnoresTheInterruptAndReturnsLateStillCountsAsTimedOut() {
        InMemorySource source = new InMemorySource("id", "name").rows(2);
        Destination stubborn = batch -> {
            long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            return WriteResult.ok();
        };

        SyncResult result = SyncRunner.create().run(job(source, stubborn, RetryPolicy.none(), Duration.ofMillis(100)));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).hasMessageContaining("took longer than the write timeout of 100 ms");
        assertThat(source.acknowledgedKeys).isEmpty();
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aWriteWithinItsTimeoutIsNotDisturbed() {
        InMemorySource source = new InMemorySource("id", "name").rows(25);
        Destination quick = batch -> {
            Thread.sleep(20);
            return WriteResult.ok();
        };

        SyncResult result = SyncRunner.create().run(job(source, quick, RetryPolicy.none(), Duration.ofSeconds(5)))
            .orThrow();

        assertThat(result.counts().delivered()).isEqualTo(25);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void noWriteStartsOnceTheSourceSaysTheRunLostItsHoldOnTheJob() {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        source.loseHoldAtAttempt = 2;
        AtomicInteger writes = new AtomicInteger();
        Destination failing = batch -> {
            writes.incrementAndGet();
            throw new java.io.IOException("connection reset");
        };

        SyncResult result = SyncRunner.builder().sleeper(d -> { }).build().run(job(source, failing,
            new RetryPolicy(5, Duration.ZERO, Duration.ZERO, 1.0), Duration.ofSeconds(5)));

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(SourceException.class).hasMessageContaining("lock is gone");
        assertThat(writes).as("attempt 1 only: attempt 2 found the hold lost").hasValue(1);
        assertThat(source.calls).contains("beforeWrite 1", "beforeWrite 2").doesNotContain("beforeWrite 3");
        assertThat(source.inDoubtKeys).containsExactly(1L, 2L, 3L);
    }

    @Test
    void theWriteTimeoutMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SyncOptions.defaults().withWriteTimeout(Duration.ZERO))
            .isInstanceOf(ConfigurationException.class).hasMessage("writeTimeout must be positive, got PT0S");
        assertThat(SyncOptions.defaults().writeTimeout()).isEqualTo(Duration.ofMinutes(5));
    }
}
