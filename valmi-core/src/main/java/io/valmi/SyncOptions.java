package io.valmi;

import java.util.Objects;

/**
 * Settings of a run that are not part of the mapping.
 *
 * @param batchSize the most changes per {@link Destination#write(java.util.List)} (also limited by the
 *     destination's {@link DestinationCapabilities#maxBatchSize()})
 * @param retryPolicy how failed writes are retried
 * @param maxSamples how many invalid rows and rejections a {@link SyncResult} keeps as samples
 */
public record SyncOptions(int batchSize, RetryPolicy retryPolicy, int maxSamples) {

    /** The default batch size. */
    public static final int DEFAULT_BATCH_SIZE = 1000;

    /**
     * Validates the settings.
     *
     * @param batchSize the most changes per {@link Destination#write(java.util.List)} (also limited by the destination's {@link DestinationCapabilities#maxBatchSize()})
     * @param retryPolicy how failed writes are retried
     * @param maxSamples how many invalid rows and rejections a {@link SyncResult} keeps as samples
     */
    public SyncOptions {
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        if (batchSize < 1) {
            throw new ConfigurationException("batchSize must be at least 1, got " + batchSize);
        }
        if (maxSamples < 0) {
            throw new ConfigurationException("maxSamples must not be negative, got " + maxSamples);
        }
    }

    /**
     * Batches of 1000, {@link RetryPolicy#defaults()}, 10 samples.
     *
     * @return the defaults
     */
    public static SyncOptions defaults() {
        return new SyncOptions(DEFAULT_BATCH_SIZE, RetryPolicy.defaults(), 10);
    }

    /**
     * A copy with another batch size.
     *
     * @param size the batch size
     * @return new options
     */
    public SyncOptions withBatchSize(int size) {
        return new SyncOptions(size, retryPolicy, maxSamples);
    }

    /**
     * A copy with another retry policy.
     *
     * @param policy the policy
     * @return new options
     */
    public SyncOptions withRetryPolicy(RetryPolicy policy) {
        return new SyncOptions(batchSize, policy, maxSamples);
    }

    /**
     * A copy with another number of samples.
     *
     * @param samples the number of samples
     * @return new options
     */
    public SyncOptions withMaxSamples(int samples) {
        return new SyncOptions(batchSize, retryPolicy, samples);
    }
}
