package io.valmi;

/** What happened to a row since the destination last acknowledged it. */
public enum ChangeKind {
    /** The key is new to the destination (or was never acknowledged by it). */
    ADDED,
    /** The key is known to the destination and the mapped values differ from what it acknowledged. */
    CHANGED,
    /**
     * The row is exactly what the destination acknowledged; sent only in {@link SourceMode#FULL_TABLE}
     * mode. Destinations treat it like {@link #CHANGED}: write the values.
     */
    UNCHANGED,
    /** The key is gone from the source (deleted, its key became NULL, or it no longer passes the source). */
    REMOVED
}
