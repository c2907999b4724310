package io.valmi;

/**
 * Follows runs: progress bars, metrics, alerts. Called on the thread that runs the sync; keep it quick.
 * An exception thrown by a listener is logged and otherwise ignored: a listener cannot break a run.
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
     * The run ended, successfully or not.
     *
     * @param result the result
     */
    default void runFinished(SyncResult result) {
    }

    /**
     * Totals of a run so far.
     *
     * @param batches batches answered
     * @param delivered changes applied
     * @param rejected changes rejected
     * @param toSend changes the run will send in all (planned changes of the kinds the mode sends)
     */
    record Progress(long batches, long delivered, long rejected, long toSend) {
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
