package io.valmi;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a run found when it compared the source with the job's state.
 *
 * @param counts planned changes by kind (all kinds, also those the destination mode does not send)
 * @param invalid invalid rows by reason
 * @param invalidSamples up to the requested number of invalid rows
 * @param knownKeys how many keys the job's state holds: keys the destination acknowledged (or may hold, when in
 *     doubt) before this run; the base of the removal guards ({@link SyncOptions#maxRemovedFraction()}), and of the
 *     invalid-row guard in incremental mode ({@link SyncOptions#maxInvalidFraction()}). Sources may leave it 0 when
 *     the destination mode sends no removals and the plan found no invalid row
 * @param quarantined valid rows left out of the run because the destination rejected them, with the same values, on
 *     {@link SyncOptions#quarantineAfter()} consecutive runs: not in {@link #counts()}, not sent, reported by the
 *     source until the row changes or the job is told to retry them
 */
public record Plan(Map<ChangeKind, Long> counts, Map<InvalidReason, Long> invalid, List<InvalidRow> invalidSamples,
                   long knownKeys, long quarantined) {

    /**
     * Copies the maps and fills in zeros for missing kinds and reasons.
     *
     * @param counts planned changes by kind (all kinds, also those the destination mode does not send)
     * @param invalid invalid rows by reason
     * @param invalidSamples up to the requested number of invalid rows
     * @param knownKeys how many keys the job's state holds before this run
     * @param quarantined valid rows left out because the destination kept rejecting them
     */
    public Plan {
        EnumMap<ChangeKind, Long> c = new EnumMap<>(ChangeKind.class);
        for (ChangeKind kind : ChangeKind.values()) {
            c.put(kind, counts.getOrDefault(kind, 0L));
        }
        EnumMap<InvalidReason, Long> i = new EnumMap<>(InvalidReason.class);
        for (InvalidReason reason : InvalidReason.values()) {
            i.put(reason, invalid.getOrDefault(reason, 0L));
        }
        counts = java.util.Collections.unmodifiableMap(c);
        invalid = java.util.Collections.unmodifiableMap(i);
        invalidSamples = List.copyOf(invalidSamples);
        if (knownKeys < 0) {
            throw new IllegalArgumentException("knownKeys must not be negative, got " + knownKeys);
        }
        if (quarantined < 0) {
            throw new IllegalArgumentException("quarantined must not be negative, got " + quarantined);
        }
    }

    /**
     * A plan that quarantined nothing.
     *
     * @param counts planned changes by kind (all kinds, also those the destination mode does not send)
     * @param invalid invalid rows by reason
     * @param invalidSamples up to the requested number of invalid rows
     * @param knownKeys how many keys the job's state holds before this run
     */
    public Plan(Map<ChangeKind, Long> counts, Map<InvalidReason, Long> invalid, List<InvalidRow> invalidSamples,
                long knownKeys) {
        this(counts, invalid, invalidSamples, knownKeys, 0L);
    }

    /**
     * The number of valid rows the source holds, when the plan knows it ({@code ADDED + CHANGED + UNCHANGED +}
     * {@link #quarantined()}; in incremental mode unchanged rows are not counted, so this is a lower bound there).
     *
     * @return valid rows seen by the plan
     */
    public long validRows() {
        return count(ChangeKind.ADDED) + count(ChangeKind.CHANGED) + count(ChangeKind.UNCHANGED) + quarantined;
    }

    /**
     * The number of planned changes of a kind.
     *
     * @param kind the kind
     * @return the count
     */
    public long count(ChangeKind kind) {
        return counts.getOrDefault(kind, 0L);
    }

    /**
     * The number of planned changes of all kinds.
     *
     * @return the sum of {@link #counts()}
     */
    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The number of invalid rows of all reasons.
     *
     * @return the sum of {@link #invalid()}
     */
    public long invalidTotal() {
        return invalid.values().stream().mapToLong(Long::longValue).sum();
    }
}
