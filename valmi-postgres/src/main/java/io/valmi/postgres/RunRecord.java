package io.valmi.postgres;

import io.valmi.RunStatus;
import io.valmi.SyncCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One run of a job as the bookkeeping schema's run history ({@code valmi_runs}) recorded it when the run ended
 * ({@link JobHistory#runs(int)}).
 *
 * <p>Which runs are recorded: every run that got as far as planning, whether it then succeeded, failed (a destination
 * that kept failing, a lost connection) or was cancelled. Not recorded: a run that ended {@link RunStatus#SKIPPED}
 * (its job was running elsewhere: it never started), and a run that failed before it had a plan (a missing grant, a
 * mapping that does not fit the table, an error while planning) or on a guard
 * ({@link io.valmi.SyncOptions#maxInvalidFraction()}, {@link io.valmi.SyncOptions#maxRemovedFraction()}, an empty
 * source): the {@link io.valmi.SyncResult} and the log report those.
 *
 * @param runId the run's id ({@link io.valmi.SyncResult#runId()})
 * @param jobId the job's id
 * @param status how the run ended: {@link RunStatus#SUCCEEDED}, {@link RunStatus#FAILED} or
 *     {@link RunStatus#CANCELLED}
 * @param startedAt when it started
 * @param finishedAt when it ended
 * @param counts its counts, as its {@link io.valmi.SyncResult#counts()} had them (runs recorded by versions before the
 *     run history API have only {@code planned}, {@code delivered}, {@code rejected}, {@code skipped} and
 *     {@code inDoubt}; their other counts read as 0)
 * @param error the failure's message, with the destination's secrets masked as in the result, or {@code null}
 */
public record RunRecord(String runId, String jobId, RunStatus status, Instant startedAt, Instant finishedAt,
                        SyncCounts counts, @Nullable String error) {
    /**
     * Checks the values.
     *
     * @param runId the run's id
     * @param jobId the job's id
     * @param status how the run ended
     * @param startedAt when it started
     * @param finishedAt when it ended
     * @param counts its counts
     * @param error the failure's message, or {@code null}
     */
    public RunRecord {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(counts, "counts");
    }

    /**
     * How long the run took.
     *
     * @return from start to end
     */
    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }
}
