package io.valmi;

/** How a run ended. */
public enum RunStatus {
    /** Every planned change that the mode sends was handed to the destination and answered. */
    SUCCEEDED,
    /** The run stopped early; batches acknowledged before the failure are kept. See {@link SyncResult#error()}. */
    FAILED,
    /**
     * The run was stopped on request ({@link RunHandle#cancel()}, {@link SyncRunner#close()}): no batch was handed out
     * after the request; batches acknowledged before it are kept, the others are sent again on the next run.
     */
    CANCELLED,
    /**
     * The run did not start: the job was already running, in this process or another (a
     * {@link JobBusyException} is its {@link SyncResult#error()}). Nothing was read or sent; a scheduler simply
     * runs the job again at its next time. Logged at INFO, without a stack trace.
     */
    SKIPPED
}
