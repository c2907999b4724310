package io.valmi.postgres;

import io.valmi.RunStatus;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A job's state in the bookkeeping schema now ({@link JobHistory#state()}).
 *
 * @param jobId the job
 * @param lastRunAt when its last recorded run ended, or {@code null} (none is recorded; see {@link RunRecord} for
 *     which runs are)
 * @param lastStatus how that run ended, or {@code null}
 * @param lastSuccessAt when its last successful run ended, or {@code null} (none is known: after
 *     {@link PostgresSource#resetJob(String)} or {@link PostgresSource#dropJob(String)}, only the run history, which
 *     is pruned, knows it)
 * @param lastSuccessRunId that run's id, or {@code null}
 * @param rowsKnown the rows of the job's snapshot: the keys the destination holds, or may hold (keys in doubt
 *     included); 0 before the first run, after a reset or a drop
 * @param firstSyncInProgress whether a first sync was started and has not completed: it is running now, or it was
 *     interrupted and the next run completes it
 * @param invalidRows the rows the last plan found invalid (a NULL or duplicated key): {@link JobHistory#invalidRows}
 * @param rejectedKeys the keys whose change the destination rejected and has not taken since:
 *     {@link JobHistory#rejectedKeys}
 * @param quarantinedKeys the keys the last plan left out as quarantined: {@link JobHistory#quarantinedKeys}
 */
public record JobState(String jobId, @Nullable Instant lastRunAt, @Nullable RunStatus lastStatus,
                       @Nullable Instant lastSuccessAt, @Nullable String lastSuccessRunId, long rowsKnown,
                       boolean firstSyncInProgress, long invalidRows, long rejectedKeys, long quarantinedKeys) {
    /**
     * Checks the values.
     *
     * @param jobId the job
     * @param lastRunAt when its last recorded run ended, or {@code null}
     * @param lastStatus how that run ended, or {@code null}
     * @param lastSuccessAt when its last successful run ended, or {@code null}
     * @param lastSuccessRunId that run's id, or {@code null}
     * @param rowsKnown the rows of the job's snapshot
     * @param firstSyncInProgress whether a first sync was started and has not completed
     * @param invalidRows the rows the last plan found invalid
     * @param rejectedKeys the keys the destination rejected and has not taken since
     * @param quarantinedKeys the keys the last plan left out as quarantined
     */
    public JobState {
        Objects.requireNonNull(jobId, "jobId");
    }
}
