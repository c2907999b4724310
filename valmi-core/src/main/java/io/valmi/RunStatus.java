package io.valmi;

/** How a run ended. */
public enum RunStatus {
    /** Every planned change that the mode sends was handed to the destination and answered. */
    SUCCEEDED,
    /** The run stopped early; batches acknowledged before the failure are kept. See {@link SyncResult#error()}. */
    FAILED
}
