package io.valmi;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link Destination} supports.
 *
 * @param modes the destination modes it implements
 * @param maxBatchSize the largest batch it accepts; the runner never sends more
 */
public record DestinationCapabilities(Set<DestinationMode> modes, int maxBatchSize) {

    /** {@code UPSERT}, {@code UPDATE} and {@code INSERT}, batches of any size. */
    public static final DestinationCapabilities DEFAULT = new DestinationCapabilities(
        EnumSet.of(DestinationMode.UPSERT, DestinationMode.UPDATE, DestinationMode.INSERT), Integer.MAX_VALUE);

    /**
     * Validates: at least one mode, a positive batch size.
     *
     * @param modes the destination modes it implements
     * @param maxBatchSize the largest batch it accepts; the runner never sends more
     */
    public DestinationCapabilities {
        Objects.requireNonNull(modes, "modes");
        if (modes.isEmpty()) {
            throw new ConfigurationException("A destination must support at least one DestinationMode");
        }
        if (maxBatchSize < 1) {
            throw new ConfigurationException("maxBatchSize must be at least 1, got " + maxBatchSize);
        }
        modes = Set.copyOf(modes);
    }

    /**
     * Every mode, batches of any size.
     *
     * @return the capabilities
     */
    public static DestinationCapabilities all() {
        return new DestinationCapabilities(EnumSet.allOf(DestinationMode.class), Integer.MAX_VALUE);
    }

    /**
     * The given modes, batches of any size.
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
        return new DestinationCapabilities(modes, max);
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
