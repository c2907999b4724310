package io.valmi;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer of {@link Destination#write(List)}: every change applied, or some rejected with a reason.
 */
public final class WriteResult {
    private static final WriteResult OK = new WriteResult(List.of());

    private final List<Rejection> rejections;

    private WriteResult(List<Rejection> rejections) {
        this.rejections = List.copyOf(rejections);
    }

    /**
     * Every change of the batch was applied.
     *
     * @return the result
     */
    public static WriteResult ok() {
        return OK;
    }

    /**
     * Some changes were not applied; every other change of the batch was.
     *
     * @param rejections the rejected changes, by key (matched to the batch by value), with reasons; only keys of the
     *     batch, or the runner fails the batch
     * @return the result
     */
    public static WriteResult rejected(List<Rejection> rejections) {
        return rejections.isEmpty() ? OK : new WriteResult(rejections);
    }

    /**
     * Starts a result to which rejections are added one by one.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The rejected changes.
     *
     * @return an unmodifiable list, empty when all were applied
     */
    public List<Rejection> rejections() {
        return rejections;
    }

    /**
     * Whether every change was applied.
     *
     * @return {@code true} when nothing was rejected
     */
    public boolean allApplied() {
        return rejections.isEmpty();
    }

    @Override
    public String toString() {
        return rejections.isEmpty() ? "WriteResult[ok]" : "WriteResult[rejected=" + rejections + "]";
    }

    /** Collects rejections while a batch is written. */
    public static final class Builder {
        private final List<Rejection> rejections = new ArrayList<>();

        private Builder() {
        }

        /**
         * Rejects one change.
         *
         * @param change the change that was not applied
         * @param reason why
         * @return this builder
         */
        public Builder reject(Change change, String reason) {
            rejections.add(new Rejection(change.key(), reason));
            return this;
        }

        /**
         * Builds the result.
         *
         * @return {@link WriteResult#ok()} when nothing was rejected
         */
        public WriteResult build() {
            return rejected(rejections);
        }
    }
}
