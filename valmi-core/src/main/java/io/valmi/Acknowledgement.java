package io.valmi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the destination made of one batch: the batch as it was handed out, and the changes it rejected.
 * Every change of the batch that is not rejected was delivered.
 *
 * @param batch the batch as handed out by {@link SourceRun#nextBatch(int)}
 * @param rejections the rejected changes with reasons, each carrying the batch's own key object (the runner matches a
 *     destination's rejections to the batch by key value), each key once
 */
public record Acknowledgement(List<Change> batch, List<Rejection> rejections) {

    /**
     * Copies the lists.
     *
     * @param batch the batch as handed out by {@link SourceRun#nextBatch(int)}
     * @param rejections the rejected changes with reasons, each carrying the batch's own key object, each key once
     */
    public Acknowledgement {
        Objects.requireNonNull(batch, "batch");
        batch = List.copyOf(batch);
        rejections = List.copyOf(rejections);
    }

    /**
     * The delivered changes: the batch without the rejected keys, in batch order.
     *
     * @return a new list
     */
    public List<Change> delivered() {
        if (rejections.isEmpty()) {
            return batch;
        }
        Set<Object> rejected = rejectedKeys();
        List<Change> delivered = new ArrayList<>(batch.size());
        for (Change change : batch) {
            if (!rejected.contains(change.key())) {
                delivered.add(change);
            }
        }
        return delivered;
    }

    /**
     * The keys of the rejected changes.
     *
     * @return a new set
     */
    public Set<Object> rejectedKeys() {
        Set<Object> keys = new HashSet<>(rejections.size() * 2);
        for (Rejection r : rejections) {
            keys.add(r.key());
        }
        return keys;
    }
}
