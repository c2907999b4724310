package io.valmi.postgres.internal;

import io.valmi.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The batches a run has handed out and not yet settled, in the order they were handed out (key order). The runner
 * names a batch by the list it was handed (the same change objects), so a batch is found by its first change. A
 * first sync keeps settled batches until every batch before them is settled too: its acknowledged key moves only
 * over that prefix. See {@code docs/internals.md#several-batches-out}.
 */
final class BatchesOut {
    /** What became of a batch handed out. */
    enum Fate {
        /** Handed out, not answered (or its answer could not be recorded): its keys are in doubt. */
        OUT,
        /** Acknowledged, and recorded. */
        ACKNOWLEDGED,
        /** Its write failed, and its keys were put in doubt in the snapshot. */
        IN_DOUBT
    }

    /** A batch handed out. */
    static final class Batch {
        /** Its number in the run, from 1. */
        final int number;
        /** The key before its first (exclusive), or {@code null} for the run's first batch. */
        final @Nullable String from;
        /** Its last key. */
        final String to;
        /** How many changes it has. */
        final int size;
        /** Its first change, by which the runner's answer is matched to it. */
        private final Change first;
        /** Its changes and their keys' text forms (same order), until it is settled. */
        private @Nullable List<Change> changes;
        private @Nullable List<String> keyTexts;
        private Fate fate = Fate.OUT;
        /**
         * The hashes of its snapshot rows (order of its changes), kept for its answer when they cannot be read back from
         * the snapshot by a key range (a first sync in physical order), else {@code null}.
         */
        long @Nullable [] hashes;
        /** The highest write attempt the runner announced for it ({@code beforeWrite}). */
        private int attempts;

        Batch(int number, @Nullable String from, String to, List<Change> changes, List<String> keyTexts) {
            this.number = number;
            this.from = from;
            this.to = to;
            this.size = changes.size();
            this.first = changes.get(0);
            this.changes = changes;
            this.keyTexts = keyTexts;
        }

        /** Its changes, as handed out ({@code null} once settled). */
        @Nullable List<Change> changes() {
            return changes;
        }

        /** Its keys' text forms, in the order of its changes ({@code null} once settled). */
        @Nullable List<String> keyTexts() {
            return keyTexts;
        }

        Fate fate() {
            return fate;
        }

        /** Notes a write attempt the runner is about to make (of the batch, or of a part it split off). */
        void attempt(int attempt) {
            attempts = Math.max(attempts, attempt);
        }

        /**
         * Whether it was written more than once: an earlier attempt failed, and may have been applied, in part or in
         * whole, so the changes its answer rejects may be at the destination all the same.
         */
        boolean writtenAgain() {
            return attempts > 1;
        }
    }

    /**
     * Where a first sync's acknowledged prefix would stand.
     *
     * @param acked the last key of the prefix of settled batches, or {@code null} when none is settled
     * @param moved whether it moves (compared with before)
     * @param settledAhead the ranges of the batches settled above it, as pairs (key before the first, last key)
     * @param aheadChanged whether those ranges change (compared with before)
     */
    record Prefix(@Nullable String acked, boolean moved, List<String> settledAhead, boolean aheadChanged) {
    }

    private final List<Batch> batches = new ArrayList<>();
    private final String jobId;
    private int handedOut;
    /** The last key of the settled prefix ({@code null}: nothing settled yet). */
    private @Nullable String acked;

    BatchesOut(String jobId) {
        this.jobId = jobId;
    }

    /**
     * Records a batch handed out.
     *
     * @param from the key before its first, or {@code null}
     * @param to its last key
     * @param changes its changes, not empty
     * @param keyTexts their keys' text forms
     * @return the batch
     */
    Batch add(@Nullable String from, String to, List<Change> changes, List<String> keyTexts) {
        Batch b = new Batch(++handedOut, from, to, changes, keyTexts);
        batches.add(b);
        return b;
    }

    /** The number the next batch handed out will get. */
    int nextNumber() {
        return handedOut + 1;
    }

    /**
     * The batch the runner names.
     *
     * @param batch the list as handed out (or a copy of it), not empty
     * @return the batch
     * @throws IllegalStateException when it is not a batch of this run that is out
     */
    Batch find(List<Change> batch) {
        Batch b = lookup(batch);
        if (b != null) {
            return b;
        }
        Change first = batch.get(0);
        throw new IllegalStateException("A batch of " + batch.size() + " changes (first key " + first.key()
            + ") is not out in this run of sync job '" + jobId + "': the runner answers each batch once, with the list"
            + " nextBatch returned");
    }

    /**
     * The batch the runner names, if it is out.
     *
     * @param batch the list as handed out (or a copy of it)
     * @return the batch, or {@code null}
     */
    @Nullable Batch lookup(List<Change> batch) {
        if (batch.isEmpty()) {
            return null;
        }
        Change first = batch.get(0);
        for (Batch b : batches) {
            if (b.first == first && b.fate == Fate.OUT) {
                return b;
            }
        }
        return null;
    }

    /**
     * Forgets a batch whose answer was recorded (a run from a plan table: each batch's marks are its own).
     *
     * @param b the batch
     * @param fate what became of it
     */
    void remove(Batch b, Fate fate) {
        b.fate = fate;
        batches.remove(b);
        b.changes = null;
        b.keyTexts = null;
        b.hashes = null;
    }

    /**
     * Where the settled prefix would stand if {@code b} were settled too (a first sync).
     *
     * @param b a batch out
     * @return the prefix
     */
    Prefix prefixWith(Batch b) {
        String end = acked;
        int i = 0;
        while (i < batches.size() && (batches.get(i) == b || batches.get(i).fate != Fate.OUT)) {
            end = batches.get(i).to;
            i++;
        }
        List<String> ahead = new ArrayList<>();
        for (int j = i; j < batches.size(); j++) {
            Batch a = batches.get(j);
            if (a == b || a.fate != Fate.OUT) {
                // (Never the run's first batch: a batch before it is out.)
                ahead.add(Objects.requireNonNull(a.from));
                ahead.add(a.to);
            }
        }
        boolean aheadBefore = false;
        for (Batch a : batches) {
            aheadBefore |= a.fate != Fate.OUT;
        }
        return new Prefix(end, i > 0, ahead, aheadBefore || !ahead.isEmpty());
    }

    /**
     * Records that {@code b} is settled, and drops the settled batches of the prefix (a first sync).
     *
     * @param b the batch
     * @param fate what became of it
     */
    void settle(Batch b, Fate fate) {
        b.fate = fate;
        b.changes = null;
        b.keyTexts = null;
        b.hashes = null;
        while (!batches.isEmpty() && batches.get(0).fate != Fate.OUT) {
            acked = batches.remove(0).to;
        }
    }

    /**
     * The batches handed out that are still out: neither answered nor put in doubt.
     *
     * @return them, in key order
     */
    List<Batch> unanswered() {
        List<Batch> out = new ArrayList<>();
        for (Batch b : batches) {
            if (b.fate == Fate.OUT) {
                out.add(b);
            }
        }
        return out;
    }
}
