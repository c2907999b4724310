package io.valmi.spring.boot;

import io.valmi.RunStatus;
import io.valmi.Schedule;
import io.valmi.SyncResult;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the application knows of one job: its schedule, its last run in this process, and whether it is failing or
 * late.
 *
 * @param id the job's id
 * @param source the source's description
 * @param destination the destination's class name
 * @param schedule when it runs; {@code null} for a job that runs only when triggered
 * @param running whether a run of it is under way in this process
 * @param nextRunAt when it runs next, when the scheduler knows
 * @param dueAt the time by which its current or next run should have started, when it has a schedule
 * @param late whether {@code dueAt} is further in the past than {@code valmi.health.late-after}
 * @param lastRun the last run that ended in this process (runs skipped because the job ran elsewhere left out)
 * @param lastSucceededAt when its last successful run ended (in the cluster, with the cluster scheduler)
 */
public record SyncJobState(String id, String source, String destination, @Nullable Schedule schedule, boolean running,
                           @Nullable Instant nextRunAt, @Nullable Instant dueAt, boolean late,
                           @Nullable SyncResult lastRun, @Nullable Instant lastSucceededAt) {

    /**
     * Whether the job is failing: its last run failed, and no run succeeded after it.
     *
     * @return {@code true} when failing
     */
    public boolean failing() {
        SyncResult last = lastRun;
        Instant succeeded = lastSucceededAt;
        return last != null && last.status() == RunStatus.FAILED
            && (succeeded == null || succeeded.isBefore(last.finishedAt()));
    }
}
