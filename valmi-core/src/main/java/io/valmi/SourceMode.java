package io.valmi;

/** Which rows of the source a run delivers. */
public enum SourceMode {
    /** Every valid row, every run (the default); rows unchanged since the last run are sent as {@link ChangeKind#UNCHANGED}. */
    FULL_TABLE,
    /** Only rows added, changed or removed since the state the destination last acknowledged. */
    INCREMENTAL
}
