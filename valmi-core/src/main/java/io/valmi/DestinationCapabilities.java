package io.valmi;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Destination} supports.
 *
 * @param modes the destination modes it implements
 * @param maxBatchSize the largest batch it accepts; the runner never sends more
 * @param maxConcurrency the most writes it takes at once: 1 (the default) means {@link Destination#write} is called
 *     from one thread at a time; above 1, up to that many calls may run at the same time on different threads, so
 *     {@code write} must be thread-safe. A job's {@link SyncOptions#concurrency()} is limited to it
 * @param rateLimit a limit of requests and rows per second that every run of this destination keeps (share one
 *     {@link RateLimit} between destinations that share a quota), or {@code null} for none; the job's own
 *     {@link SyncJob#rateLimit()} applies as well
 */
public record DestinationCapabilities(Set<DestinationMode> modes, int maxBatchSize, int maxConcurrency,
                                      @Nullable RateLimit rateLimit) {

    /** {@code UPSERT}, {@code UPDATE} and {@code INSERT}, batches of any size, one write at a time, no rate limit. */
    public static final DestinationCapabilities DEFAULT = new DestinationCapabilities(
        EnumSet.of(DestinationMode.UPSERT, DestinationMode.UPDATE, DestinationMode.INSERT), Integer.MAX_VALUE);

    /**
     * Validates: at least one mode, a positive batch size and concurrency.
     *
     * @param modes the destination modes it implements
     * @param maxBatchSize the largest batch it accepts; the runner never sends more
     * @param maxConcurrency the most writes it takes at once, from different threads
     * @param rateLimit a limit every run of this destination keeps, or {@code null}
     */
    public DestinationCapabilities {
        Objects.requireNonNull(modes, "modes");
        if (modes.isEmpty()) {
            throw new ConfigurationException("A destination must support at least one DestinationMode");
        }
        if (maxBatchSize < 1) {
            throw new ConfigurationException("maxBatchSize must be at least 1, got " + maxBatchSize);
        }
        if (maxConcurrency < 1) {
            throw new ConfigurationException("maxConcurrency must be at least 1, got " + maxConcurrency);
        }
        modes = Set.copyOf(modes);
    }

    /**
     * The given modes and batch size, one write at a time, no rate limit.
     *
     * @param modes the destination modes it implements
     * @param maxBatchSize the largest batch it accepts
     */
    public DestinationCapabilities(Set<DestinationMode> modes, int maxBatchSize) {
        this(modes, maxBatchSize, 1, null);
    }

    /**
     * Every mode, batches of any size, one write at a time.
     *
     * @return the capabilities
     */
    public static DestinationCapabilities all() {
        return new DestinationCapabilities(EnumSet.allOf(DestinationMode.class), Integer.MAX_VALUE);
    }

    /**
     * The given modes, batches of any size, one write at a time.
     *
     * @param first a supported mode
     * @param more further supported modes
     * @return the capabilities
     */
    public static DestinationCapabilities of(DestinationMode first, DestinationMode... more) {
        return new DestinationCapabilities(EnumSet.of(first, more), Integer.MAX_VALUE);
    }

    /**
     * A copy with a batch size limit.
     *
     * @param max the largest batch the destination accepts
     * @return new capabilities
     */
    public DestinationCapabilities withMaxBatchSize(int max) {
        return new DestinationCapabilities(modes, max, maxConcurrency, rateLimit);
    }

    /**
     * A copy that takes up to {@code max} writes at once, from different threads: declare it only when
     * {@link Destination#write} is thread-safe.
     *
     * @param max the most writes at once, at least 1
     * @return new capabilities
     */
    public DestinationCapabilities withMaxConcurrency(int max) {
        return new DestinationCapabilities(modes, maxBatchSize, max, rateLimit);
    }

    /**
     * A copy with a rate limit that every run of the destination keeps.
     *
     * @param limit the limit, shared by whatever shares this object
     * @return new capabilities
     */
    public DestinationCapabilities withRateLimit(RateLimit limit) {
        return new DestinationCapabilities(modes, maxBatchSize, maxConcurrency, Objects.requireNonNull(limit, "limit"));
    }

    /**
     * Whether a mode is supported.
     *
     * @param mode the mode
     * @return {@code true} when supported
     */
    public boolean supports(DestinationMode mode) {
        return modes.contains(mode);
    }
}
