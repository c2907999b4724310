package io.valmi.spring.boot;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Where the scheduled jobs run: valmi's SyncScheduler in this JVM, or db-scheduler across the instances. */
interface JobScheduling {

    /** Schedules the jobs that have a schedule; called once, when the application starts. */
    void start(List<ScheduledSyncJob> jobs);

    /** Stops scheduling, cancels the runs under way gracefully and waits for them; called once, on shutdown. */
    void stop();

    /**
     * Runs a scheduled job now, besides its schedule.
     *
     * @return {@code false} when it runs already
     */
    boolean triggerNow(ScheduledSyncJob job);

    /** What the scheduler knows of a scheduled job's times. */
    Times times(ScheduledSyncJob job, RunTracker runs);

    /**
     * @param nextRunAt when the job runs next, as far as this instance knows
     * @param dueAt the time by which its current or next run should have started: past it (and a grace), it is late
     * @param lastSucceededAt its last success anywhere (in the cluster), when the scheduler knows it
     */
    record Times(@Nullable Instant nextRunAt, @Nullable Instant dueAt, @Nullable Instant lastSucceededAt) {
    }
}
