package io.valmi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one run. A failed run returns a result too (with the counts of what happened before the
 * failure); call {@link #orThrow()} to turn it into an exception.
 *
 * @param jobId the job's id
 * @param runId the run's id
 * @param status how the run ended
 * @param startedAt when it started
 * @param finishedAt when it ended
 * @param counts the numbers
 * @param invalidSamples some of the invalid rows
 * @param rejectionSamples some of the rejected changes
 * @param error why the run failed; {@code null} when it succeeded
 * @param path which way the source's run went about its work ({@link SourceRun#path()}); {@link RunPath#UNKNOWN} when
 *     the source does not say or the run failed before it was planned
 * @param timings how long each phase of the run took
 */
public record SyncResult(String jobId, String runId, RunStatus status, Instant startedAt, Instant finishedAt,
                         SyncCounts counts, List<InvalidRow> invalidSamples, List<Rejection> rejectionSamples,
                         @Nullable Throwable error, RunPath path, RunTimings timings) {

    /**
     * Copies the lists.
     *
     * @param jobId the job's id
     * @param runId the run's id
     * @param status how the run ended
     * @param startedAt when it started
     * @param finishedAt when it ended
     * @param counts the numbers
     * @param invalidSamples some of the invalid rows
     * @param rejectionSamples some of the rejected changes
     * @param error why the run failed; {@code null} when it succeeded
     * @param path which way the source's run went about its work
     * @param timings how long each phase of the run took
     */
    public SyncResult {
        invalidSamples = List.copyOf(invalidSamples);
        rejectionSamples = List.copyOf(rejectionSamples);
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(timings, "timings");
    }

    /**
     * A result without a path or timings ({@link RunPath#UNKNOWN}, {@link RunTimings#NONE}).
     *
     * @param jobId the job's id
     * @param runId the run's id
     * @param status how the run ended
     * @param startedAt when it started
     * @param finishedAt when it ended
     * @param counts the numbers
     * @param invalidSamples some of the invalid rows
     * @param rejectionSamples some of the rejected changes
     * @param error why the run failed; {@code null} when it succeeded
     */
    public SyncResult(String jobId, String runId, RunStatus status, Instant startedAt, Instant finishedAt,
                      SyncCounts counts, List<InvalidRow> invalidSamples, List<Rejection> rejectionSamples,
                      @Nullable Throwable error) {
        this(jobId, runId, status, startedAt, finishedAt, counts, invalidSamples, rejectionSamples, error,
            RunPath.UNKNOWN, RunTimings.NONE);
    }

    /**
     * Whether the run succeeded.
     *
     * @return {@code true} when {@link #status()} is {@link RunStatus#SUCCEEDED}
     */
    public boolean succeeded() {
        return status == RunStatus.SUCCEEDED;
    }

    /**
     * How long the run took.
     *
     * @return the time from start to end
     */
    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /**
     * This result when the run succeeded or was cancelled.
     *
     * @return this result
     * @throws ValmiException the run's error (wrapped when it is not a {@link ValmiException}): for a failed run, and
     *     for a skipped one ({@link RunStatus#SKIPPED}: a {@link JobBusyException})
     */
    public SyncResult orThrow() {
        if (error == null) {
            return this;
        }
        if (error instanceof ValmiException) {
            throw (ValmiException) error;
        }
        throw new ValmiException("Sync job '" + jobId + "' run " + runId + " failed: " + error, error, false);
    }
}
