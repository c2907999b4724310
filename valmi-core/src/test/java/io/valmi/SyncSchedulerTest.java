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

    @Test
    void cronTimesFollowTheZoneAndBadExpressionsSayWhy() {
        Schedule weekdays = Schedule.cron("0 2 * * 1-5", java.time.ZoneId.of("Europe/Berlin"));
        // Friday 2026-12-04 03:00 in Berlin: the next time is Monday 02:00 Berlin time.
        java.time.ZonedDateTime friday = java.time.ZonedDateTime.of(2026, 12, 4, 3, 0, 0, 0,
            java.time.ZoneId.of("Europe/Berlin"));
        assertThat(weekdays.nextTime(friday)).contains(java.time.ZonedDateTime.of(2026, 12, 7, 2, 0, 0, 0,
            java.time.ZoneId.of("Europe/Berlin")));
        // The same moment given in UTC: the zone of the schedule decides.
        assertThat(weekdays.nextTime(friday.withZoneSameInstant(java.time.ZoneOffset.UTC)).map(t -> t.toInstant()))
            .contains(java.time.Instant.parse("2026-12-07T01:00:00Z"));
        // Six fields: seconds first.
        Schedule halfHours = Schedule.cron("0 0,30 * * * *", java.time.ZoneOffset.UTC);
        assertThat(halfHours.nextTime(java.time.ZonedDateTime.parse("2026-12-07T10:10:00Z")).map(t -> t.toInstant()))
            .contains(java.time.Instant.parse("2026-12-07T10:30:00Z"));
        assertThat(halfHours.interval()).isEmpty();
        assertThat(halfHours.cronExpression()).contains("0 0,30 * * * *");

        assertThatThrownBy(() -> Schedule.cron("0 2 * *", java.time.ZoneOffset.UTC))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("has 4 fields");
        assertThatThrownBy(() -> Schedule.cron("61 2 * * *", java.time.ZoneOffset.UTC))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("is not valid");
        Schedule jittered = Schedule.every(Duration.ofMinutes(1)).withJitter(Duration.ofMillis(50));
        for (int i = 0; i < 20; i++) {
            assertThat(jittered.randomJitter()).isBetween(Duration.ZERO, Duration.ofMillis(50));
        }
    }

    @Test
    void aTriggerWhileTheJobRunsIsSkippedAndPauseHoldsTheSchedule() throws Exception {
        InMemorySource source = new InMemorySource("id", "name").rows(2);
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        Destination gated = batch -> {
            writes.incrementAndGet();
            inWrite.countDown();
            release.await(10, TimeUnit.SECONDS);
            return WriteResult.ok();
        };
        SyncJob job = SyncJob.builder("gated").source(source).destination(gated)
            .mapping(Mapping.builder().key("id").map("name").build()).build();
        try (SyncScheduler scheduler = SyncScheduler.create(SyncRunner.create(), 2)) {
            SyncScheduler.ScheduledSync handle = scheduler.schedule(job, Schedule.every(Duration.ofHours(1))
                .startingAfter(Duration.ofHours(1)));
            assertThat(handle.nextRunAt()).isPresent();
            assertThat(handle.triggerNow()).isTrue();
            assertThat(inWrite.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handle.isRunning()).isTrue();

            assertThat(handle.triggerNow()).as("the job is running").isFalse();
            assertThat(handle.skipped()).isEqualTo(1);
            release.countDown();
            while (handle.isRunning()) {
                Thread.sleep(5);
            }
            assertThat(handle.runs()).isEqualTo(1);
            assertThat(handle.lastResult().succeeded()).isTrue();
            handle.cancel();
            assertThat(handle.nextRunAt()).isEmpty();
        }

        AtomicInteger runs = new AtomicInteger();
        SyncJob quick = SyncJob.builder("quick").source(new InMemorySource("id", "name").rows(1))
            .destination(batch -> WriteResult.ok()).mapping(Mapping.builder().key("id").map("name").build()).build();
        SyncRunner counting = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                runs.incrementAndGet();
            }
        }).build();
        try (SyncScheduler scheduler = SyncScheduler.create(counting, 1)) {
            SyncScheduler.ScheduledSync handle = scheduler.schedule(quick, Schedule.every(Duration.ofMillis(10)));
            while (runs.get() < 2) {
                Thread.sleep(5);
            }
            handle.pause();
            assertThat(handle.isPaused()).isTrue();
            Thread.sleep(50);
            int paused = runs.get();
            Thread.sleep(150);
            assertThat(runs.get()).as("no run while paused").isEqualTo(paused);
            handle.resume();
            while (runs.get() < paused + 2) {
                Thread.sleep(5);
            }
            handle.cancel();
        }
    }
}
