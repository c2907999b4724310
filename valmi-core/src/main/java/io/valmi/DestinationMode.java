package io.valmi;

import java.util.EnumSet;
import java.util.Set;

/**
 * What the destination is asked to do with the changes. The runner filters the planned changes by this
 * mode in one place ({@link #sends(ChangeKind)}); a change the mode does not send is counted as skipped and
 * is not acknowledged, because the destination still holds the previous version of that row.
 */
public enum DestinationMode {
    /** Create or update records: sends {@code ADDED}, {@code CHANGED} (and {@code UNCHANGED} in full-table mode). */
    UPSERT(EnumSet.of(ChangeKind.ADDED, ChangeKind.CHANGED, ChangeKind.UNCHANGED)),
    /**
     * Update records the destination already has. Sends the same kinds as {@link #UPSERT}: a row that is
     * new to valmi may match a record the destination already holds; the destination skips or rejects keys
     * it cannot match.
     */
    UPDATE(EnumSet.of(ChangeKind.ADDED, ChangeKind.CHANGED, ChangeKind.UNCHANGED)),
    /**
     * Create records only: sends {@code ADDED}. A key the destination already holds (a repeat after a crash, or a
     * record created elsewhere) is left as it is: built-in destinations ignore it rather than fail.
     */
    INSERT(EnumSet.of(ChangeKind.ADDED)),
    /** Make the destination a mirror of the source: sends every kind, including {@code REMOVED}. */
    MIRROR(EnumSet.allOf(ChangeKind.class));

    private final Set<ChangeKind> kinds;

    DestinationMode(EnumSet<ChangeKind> kinds) {
        this.kinds = java.util.Collections.unmodifiableSet(kinds);
    }

    /**
     * The kinds of change this mode sends to the destination.
     *
     * @return an unmodifiable set
     */
    public Set<ChangeKind> kinds() {
        return kinds;
    }

    /**
     * Whether a change of this kind is sent in this mode.
     *
     * @param kind the kind of a planned change
     * @return {@code true} when the destination receives it
     */
    public boolean sends(ChangeKind kind) {
        return kinds.contains(kind);
    }
}
