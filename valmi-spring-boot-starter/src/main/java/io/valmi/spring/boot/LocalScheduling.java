package io.valmi.spring.boot;

import io.valmi.Schedule;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.SyncScheduler;
import io.valmi.SyncScheduler.ScheduledSync;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** The jobs on valmi's {@link SyncScheduler}, in this JVM. */
final class LocalScheduling implements JobScheduling {
    private final SyncScheduler scheduler;
    private final SyncRunner runner;
    private final Duration cancelWait;
    private final Clock clock;
    private final Map<String, ScheduledSync> handles = new ConcurrentHashMap<>();
    private volatile @Nullable Instant startedAt;

    LocalScheduling(SyncScheduler scheduler, SyncRunner runner, Duration cancelWait, Clock clock) {
        this.scheduler = scheduler;
        this.runner = runner;
        this.cancelWait = cancelWait;
        this.clock = clock;
    }

    @Override
    public void start(List<ScheduledSyncJob> jobs) {
        startedAt = clock.instant();
        for (ScheduledSyncJob job : jobs) {
            Schedule schedule = job.schedule();
            if (schedule != null) {
                handles.put(job.id(), scheduler.schedule(job.job(), schedule));
            }
        }
    }

    @Override
    public void stop() {
        handles.values().forEach(ScheduledSync::cancel);
        // Runs under way end CANCELLED (writes out get cancelWait), then the scheduler's threads are let go.
        runner.close();
        try {
            if (!scheduler.shutdown(cancelWait.plusSeconds(5))) {
                scheduler.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean triggerNow(ScheduledSyncJob job) {
        ScheduledSync handle = handles.get(job.id());
        return handle != null && handle.triggerNow();
    }

    @Override
    public Times times(ScheduledSyncJob job, RunTracker runs) {
        ScheduledSync handle = handles.get(job.id());
        Schedule schedule = job.schedule();
        Instant started = startedAt;
        if (handle == null || schedule == null || started == null) {
            return new Times(null, null, null);
        }
        SyncResult last = runs.last(job.id());
        Instant due;
        if (last == null) {
            Instant first = started.plus(schedule.initialDelay());
            due = schedule.interval().isPresent() ? first : next(schedule, first);
        } else {
            Duration interval = schedule.interval().orElse(null);
            due = interval != null ? last.finishedAt().plus(interval) : next(schedule, last.finishedAt());
        }
        return new Times(handle.nextRunAt().orElse(null), due == null ? null : due.plus(schedule.jitter()), null);
    }

    private static @Nullable Instant next(Schedule schedule, Instant after) {
        return schedule.nextTime(after.atZone(schedule.zone())).map(ZonedDateTime::toInstant).orElse(null);
    }
}
