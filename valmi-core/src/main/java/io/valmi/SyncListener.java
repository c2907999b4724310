package io.valmi;

/**
 * Follows runs: progress bars, metrics, alerts. Called from the run's threads (with several batches out at once,
 * events of a batch come from the thread writing it), one call at a time; keep it quick. An exception thrown by a
 * listener is logged and otherwise ignored: a listener cannot break a run.
 */
public interface SyncListener {

    /**
     * A run started.
     *
     * @param context the job and the run
     */
    default void runStarted(SyncContext context) {
    }

    /**
     * The run is planned.
     *
     * @param context the job and the run
     * @param plan counts by kind, invalid rows
     */
    default void planned(SyncContext context, Plan plan) {
    }

    /**
     * The destination answered a batch.
     *
     * @param context the job and the run
     * @param progress the totals so far
     */
    default void batchDelivered(SyncContext context, Progress progress) {
    }

    /**
     * One call of {@link Destination#write} returned or threw (every attempt, and every part of a split batch): for
     * latency metrics. Called on the writer's thread.
     *
     * @param context the job and the run
     * @param write which batch, how many changes, how long, and how it ended
     */
    default void written(SyncContext context, Write write) {
    }

    /**
     * A write of a batch failed and is tried again after a wait.
     *
     * @param context the job and the run
     * @param retry which batch, which attempt failed, the wait, the error
     */
    default void retrying(SyncContext context, Retry retry) {
    }

    /**
     * The destination asked to slow down ({@link ThrottledException}): writes pause.
     *
     * @param context the job and the run
     * @param throttle which batch, and how long writes pause
     */
    default void throttled(SyncContext context, Throttle throttle) {
    }

    /**
     * A batch failed for good and is split to isolate the changes it fails on
     * ({@link SyncOptions#isolateFailures()}).
     *
     * @param context the job and the run
     * @param split which batch, how many changes, the error
     */
    default void split(SyncContext context, Split split) {
    }

    /**
     * The run ended, successfully or not. Override this or {@link #runFinished(SyncContext, SyncResult)}.
     *
     * @param result the result
     */
    default void runFinished(SyncResult result) {
    }

    /**
     * The run ended, successfully or not, with its context (for a run refused before it started, e.g. because the job
     * was already running, a context made from the job). The default calls {@link #runFinished(SyncResult)}.
     *
     * @param context the job and the run
     * @param result the result
     */
    default void runFinished(SyncContext context, SyncResult result) {
        runFinished(result);
    }

    /**
     * One call of {@link Destination#write}.
     *
     * @param batch the batch's number in the run, from 1
     * @param changes the changes the call carried (fewer than the batch's for a part of a split batch)
     * @param duration how long the call took
     * @param outcome how it ended
     */
    record Write(long batch, int changes, java.time.Duration duration, WriteOutcome outcome) {
    }

    /** How one call of {@link Destination#write} ended. */
    enum WriteOutcome {
        /** It returned a result (all applied, or some rejected). */
        ANSWERED,
        /** It threw: a failure (retried or not). */
        FAILED,
        /** It threw {@link ThrottledException}. */
        THROTTLED,
        /** It ran into the write timeout. */
        TIMED_OUT
    }

    /**
     * A retry of a batch.
     *
     * @param batch the batch's number in the run, from 1
     * @param failedAttempt the attempt that failed, from 1
     * @param backoff the wait before the next attempt
     * @param error what the attempt threw, as text (secrets masked)
     */
    record Retry(long batch, int failedAttempt, java.time.Duration backoff, String error) {
    }

    /**
     * A "slow down" from the destination.
     *
     * @param batch the batch's number in the run, from 1
     * @param pause how long writes pause
     * @param error what the destination answered, as text (secrets masked)
     */
    record Throttle(long batch, java.time.Duration pause, String error) {
    }

    /**
     * A failed batch (or part of one) split in two.
     *
     * @param batch the batch's number in the run, from 1
     * @param changes the changes of the part that failed
     * @param error what its write threw, as text (secrets masked)
     */
    record Split(long batch, int changes, String error) {
    }

    /**
     * Totals of a run so far.
     *
     * @param batches batches answered
     * @param delivered changes applied
     * @param rejected changes rejected
     * @param toSend changes the run will send in all (planned changes of the kinds the mode sends)
     * @param elapsed the time since delivery started
     */
    record Progress(long batches, long delivered, long rejected, long toSend, java.time.Duration elapsed) {

        /**
         * Changes answered per second since delivery started.
         *
         * @return the throughput, 0 before the first second's worth of time has any answer
         */
        public double rowsPerSecond() {
            long nanos = elapsed.toNanos();
            return nanos <= 0 ? 0.0 : (delivered + rejected) * 1e9 / nanos;
        }

        /**
         * The time until every change is answered at the throughput so far.
         *
         * @return the estimate, or empty before any change is answered
         */
        public java.util.Optional<java.time.Duration> eta() {
            double rate = rowsPerSecond();
            long left = Math.max(0, toSend - delivered - rejected);
            if (left == 0) {
                return java.util.Optional.of(java.time.Duration.ZERO);
            }
            return rate <= 0 ? java.util.Optional.empty()
                : java.util.Optional.of(java.time.Duration.ofMillis((long) (left * 1000 / rate)));
        }

        /**
         * The share of the changes answered.
         *
         * @return 0.0 to 1.0 (1.0 when there is nothing to send)
         */
        public double fraction() {
            return toSend == 0 ? 1.0 : Math.min(1.0, (double) (delivered + rejected) / toSend);
        }
    }
}
