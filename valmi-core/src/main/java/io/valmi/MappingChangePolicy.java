package io.valmi;

/**
 * What a run does when the job changed since its last run: its key column, its mapped columns (or their types), or its
 * destination mode. The job's state records what the destination holds under the old job; the choice is what that
 * means for the new one. Set with {@link SyncJob.Builder#onMappingChange(MappingChangePolicy)}; README, "When a job's
 * mapping changes", has a table.
 */
public enum MappingChangePolicy {
    /**
     * Send every row again (the default): after a change of the mapped columns or of the destination mode, as
     * {@link ChangeKind#CHANGED}; after a change of the key column, as {@link ChangeKind#ADDED} (the job starts over,
     * as after a reset), which is refused in {@link DestinationMode#MIRROR} mode: keys of the old column that the
     * destination holds could never be removed.
     */
    RESEND_ALL,
    /**
     * Go on as if the job had always been this way: a row that did not change since the last run is not sent again
     * (its new fields reach the destination the next time it changes); a row that changed is sent. Knowing which rows
     * did not change needs row versions (a table; for a view every row is sent, as with {@link #RESEND_ALL}). A new
     * key column cannot go on: the run fails.
     */
    CONTINUE,
    /** Fail before anything is sent, naming the change and these choices, so that someone decides. */
    FAIL
}
