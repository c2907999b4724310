package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SyncSchedulerTest {

    @Test
    void runsAJobRepeatedlyWithoutOverlapUntilCancelled() throws Exception {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        CountDownLatch threeRuns = new CountDownLatch(3);
        SyncListener counting = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                threeRuns.countDown();
            }
        };
        Destination slow = new Destination() {
            @Override
            public WriteResult write(List<Change> batch) throws Exception {
                maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                Thread.sleep(30);
                concurrent.decrementAndGet();
                return WriteResult.ok();
            }
        };
        SyncJob job = SyncJob.builder("scheduled").source(source).destination(slow)
            .mapping(Mapping.builder().key("id").map("name").build()).build();

        try (SyncScheduler scheduler = SyncScheduler.create(SyncRunner.builder().listener(counting).build(), 2)) {
            SyncScheduler.ScheduledSync handle = scheduler.schedule(job, Schedule.every(Duration.ofMillis(10)));
            assertThat(threeRuns.await(10, TimeUnit.SECONDS)).isTrue();
            handle.cancel();
            long runs = handle.runs();
            Thread.sleep(100);
            assertThat(handle.runs()).isBetween(runs, runs + 1);
            assertThat(handle.lastResult()).isNotNull();
            assertThat(handle.lastResult().succeeded()).isTrue();
        }
        assertThat(maxConcurrent).hasValue(1);
        // FULL_TABLE: every run sent all three rows (the first as ADDED, later ones as UNCHANGED).
        assertThat(source.acknowledgedKeys.size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void scheduleIsValidated() {
        assertThatThrownBy(() -> Schedule.every(Duration.ZERO)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> SyncScheduler.create(SyncRunner.create(), 0)).isInstanceOf(ConfigurationException.class);
        assertThat(Schedule.every(Duration.ofMinutes(5)).startingAfter(Duration.ofSeconds(3)).initialDelay())
            .isEqualTo(Duration.ofSeconds(3));
    }
}
