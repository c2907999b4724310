package io.valmi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A sync: a source, a destination, a mapping and options, under a stable id. The id keys the job's state in
 * the source (for PostgreSQL: its bookkeeping tables): keep it stable across runs and deployments, and give
 * each sync its own.
 *
 * @param id the stable job id; 1 to 200 characters
 * @param source where rows come from
 * @param destination where changes go
 * @param mapping the key, the mapped fields and the modes
 * @param options batch size, retries, samples
 */
public record SyncJob(String id, Source source, Destination destination, Mapping mapping, SyncOptions options) {

    /**
     * Validates the job.
     *
     * @param id the stable job id; 1 to 200 characters
     * @param source where rows come from
     * @param destination where changes go
     * @param mapping the key, the mapped fields and the modes
     * @param options batch size, retries, samples
     */
    public SyncJob {
        if (id == null || id.isBlank() || id.length() > 200) {
            throw new ConfigurationException("A SyncJob id must be 1 to 200 characters and not blank, got "
                + (id == null ? "null" : "'" + id + "'"));
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(options, "options");
    }

    /**
     * Starts a job.
     *
     * @param id the stable job id
     * @return a builder
     */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    @Override
    public String toString() {
        return "SyncJob[id=" + id + ", source=" + source.description() + ", destination="
            + destination.getClass().getSimpleName() + ", mapping=" + mapping + ", options=" + options + "]";
    }

    /** Builds a {@link SyncJob}. */
    public static final class Builder {
        private final String id;
        private @Nullable Source source;
        private @Nullable Destination destination;
        private @Nullable Mapping mapping;
        private SyncOptions options = SyncOptions.defaults();

        private Builder(String id) {
            this.id = id;
        }

        /**
         * Sets the source.
         *
         * @param source the source
         * @return this builder
         */
        public Builder source(Source source) {
            this.source = source;
            return this;
        }

        /**
         * Sets the destination.
         *
         * @param destination the destination
         * @return this builder
         */
        public Builder destination(Destination destination) {
            this.destination = destination;
            return this;
        }

        /**
         * Sets the mapping.
         *
         * @param mapping the mapping
         * @return this builder
         */
        public Builder mapping(Mapping mapping) {
            this.mapping = mapping;
            return this;
        }

        /**
         * Sets the options (default {@link SyncOptions#defaults()}).
         *
         * @param options the options
         * @return this builder
         */
        public Builder options(SyncOptions options) {
            this.options = options;
            return this;
        }

        /**
         * Sets the batch size.
         *
         * @param batchSize the batch size
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.options = options.withBatchSize(batchSize);
            return this;
        }

        /**
         * Sets the retry policy.
         *
         * @param policy the retry policy
         * @return this builder
         */
        public Builder retryPolicy(RetryPolicy policy) {
            this.options = options.withRetryPolicy(policy);
            return this;
        }

        /**
         * Sets the removal guard: the largest share of the destination's keys one run may remove.
         *
         * @param fraction 0.0 to 1.0 (1.0 turns the guard off)
         * @return this builder
         */
        public Builder maxRemovedFraction(double fraction) {
            this.options = options.withMaxRemovedFraction(fraction);
            return this;
        }

        /**
         * Validates and builds the job.
         *
         * @return the job
         * @throws ConfigurationException when source, destination or mapping is missing
         */
        public SyncJob build() {
            if (source == null || destination == null || mapping == null) {
                throw new ConfigurationException("SyncJob '" + id + "' needs a source, a destination and a mapping;"
                    + " missing: " + (source == null ? "source " : "") + (destination == null ? "destination " : "")
                    + (mapping == null ? "mapping" : ""));
            }
            return new SyncJob(id, source, destination, mapping, options);
        }
    }
}
