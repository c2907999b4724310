package io.valmi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A sync: a source, a destination, a mapping and options, under a stable id. The id keys the job's state in
 * the source (for PostgreSQL: its bookkeeping tables): keep it stable across runs and deployments, and give
 * each sync its own.
 *
 * @param id the stable job id: 1 to {@value #MAX_ID_LENGTH} characters, not blank, without control characters
 * @param source where rows come from
 * @param destination where changes go
 * @param mapping the key, the mapped fields and the modes
 * @param options batch size, retries, samples
 * @param rateLimit a limit of requests and rows per second the job's runs keep (share the object between jobs that
 *     share a quota), or {@code null} for none; a limit the destination declares
 *     ({@link DestinationCapabilities#rateLimit()}) applies as well
 */
public record SyncJob(String id, Source source, Destination destination, Mapping mapping, SyncOptions options,
                      @Nullable RateLimit rateLimit) {

    /**
     * Validates the job.
     *
     * @param id the stable job id: 1 to {@value #MAX_ID_LENGTH} characters, not blank, without control characters
     * @param source where rows come from
     * @param destination where changes go
     * @param mapping the key, the mapped fields and the modes
     * @param options batch size, retries, samples
     * @param rateLimit a limit the job's runs keep, or {@code null}
     * @throws ConfigurationException when the id is missing, blank, longer than {@value #MAX_ID_LENGTH} characters,
     *     or holds a control character (NUL, tab, a line break, ...) or an unpaired surrogate
     */
    public SyncJob {
        requireValidId(id);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(options, "options");
    }

    /**
     * A job without a rate limit of its own.
     *
     * @param id the stable job id
     * @param source where rows come from
     * @param destination where changes go
     * @param mapping the key, the mapped fields and the modes
     * @param options batch size, retries, samples
     */
    public SyncJob(String id, Source source, Destination destination, Mapping mapping, SyncOptions options) {
        this(id, source, destination, mapping, options, null);
    }

    /** The longest job id, in Java {@code char}s. */
    public static final int MAX_ID_LENGTH = 200;

    private static void requireValidId(@Nullable String id) {
        if (id == null) {
            throw new ConfigurationException("A SyncJob id is missing: give each sync a stable id of 1 to "
                + MAX_ID_LENGTH + " characters");
        }
        if (id.isBlank()) {
            throw new ConfigurationException("A SyncJob id must not be blank, got '" + printable(id) + "'");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new ConfigurationException("A SyncJob id must be at most " + MAX_ID_LENGTH + " characters, got "
                + id.length() + ": '" + printable(id.substring(0, 40)) + "...'; choose a shorter id");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR) {
                throw new ConfigurationException("A SyncJob id must not contain control characters (NUL, tab, line"
                    + " breaks, ...): it keys the job's state and appears in logs; got " + codePoint(c) + " at index "
                    + i + " in '" + printable(id) + "'");
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c)
                    ? i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))
                    : i > 0 && Character.isHighSurrogate(id.charAt(i - 1));
                if (!paired) {
                    throw new ConfigurationException("A SyncJob id must be valid Unicode text: got an unpaired"
                        + " surrogate " + codePoint(c) + " at index " + i + " in '" + printable(id) + "', which"
                        + " cannot be stored as UTF-8");
                }
            }
        }
    }

    /** The id with control characters and surrogates written as Java escapes, for messages. */
    private static String printable(String id) {
        StringBuilder out = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < id.length()
                && Character.isLowSurrogate(id.charAt(i + 1));
            if (paired) {
                out.append(c).append(id.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)
                || Character.getType(c) == Character.LINE_SEPARATOR
                || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
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

    /**
     * A builder holding this job's settings, to change some of them: {@code job.toBuilder().batchSize(500).build()}.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(id).source(source).destination(destination).mapping(mapping).options(options);
        if (rateLimit != null) {
            b.rateLimit(rateLimit);
        }
        return b;
    }

    /**
     * This job with other options: e.g. for one run that may remove more than the guard allows,
     * {@code runner.run(job.withOptions(job.options().withMaxRemovedFraction(1.0)))}.
     *
     * @param newOptions the options
     * @return a new job with the same id, source, destination, mapping and rate limit
     */
    public SyncJob withOptions(SyncOptions newOptions) {
        return new SyncJob(id, source, destination, mapping, newOptions, rateLimit);
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
        private @Nullable RateLimit rateLimit;
        /** Settings made one by one: applied over {@link #options} at build, whatever the order of the calls. */
        private final List<UnaryOperator<SyncOptions>> overrides = new ArrayList<>();

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
         * Sets the options (default {@link SyncOptions#defaults()}). Settings made one by one on this builder
         * ({@link #batchSize(int)}, {@link #retryPolicy(RetryPolicy)}, ...) apply over these, before or after this call.
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
            overrides.add(o -> o.withBatchSize(batchSize));
            return this;
        }

        /**
         * Sets the retry policy.
         *
         * @param policy the retry policy
         * @return this builder
         */
        public Builder retryPolicy(RetryPolicy policy) {
            overrides.add(o -> o.withRetryPolicy(policy));
            return this;
        }

        /**
         * Sets how long one write may take (default {@link SyncOptions#DEFAULT_WRITE_TIMEOUT}): see
         * {@link SyncOptions#writeTimeout()}.
         *
         * @param timeout the limit, positive
         * @return this builder
         */
        public Builder writeTimeout(java.time.Duration timeout) {
            overrides.add(o -> o.withWriteTimeout(timeout));
            return this;
        }

        /**
         * Sets the removal guard: the largest share of the destination's keys one run may remove.
         *
         * @param fraction 0.0 to 1.0 (1.0 turns the guard off)
         * @return this builder
         */
        public Builder maxRemovedFraction(double fraction) {
            overrides.add(o -> o.withMaxRemovedFraction(fraction));
            return this;
        }

        /**
         * Sets the invalid-row guard: the largest share of the source's rows that may be invalid (a NULL or duplicated
         * key) before a run fails instead of sending the rest (default
         * {@value SyncOptions#DEFAULT_MAX_INVALID_FRACTION}; see {@link SyncOptions#maxInvalidFraction()}).
         *
         * @param fraction 0.0 to 1.0 (1.0 turns the guard off)
         * @return this builder
         */
        public Builder maxInvalidFraction(double fraction) {
            overrides.add(o -> o.withMaxInvalidFraction(fraction));
            return this;
        }

        /**
         * Sets how many batches may be out at once (default 1; see {@link SyncOptions#concurrency()}).
         *
         * @param batches at least 1; the destination's {@link DestinationCapabilities#maxConcurrency()} limits it
         * @return this builder
         */
        public Builder concurrency(int batches) {
            overrides.add(o -> o.withConcurrency(batches));
            return this;
        }

        /**
         * Sets whether a batch that failed for good is split to isolate the changes it failed on (default
         * {@code true}; see {@link SyncOptions#isolateFailures()}).
         *
         * @param isolate {@code false} to fail the run with the batch instead
         * @return this builder
         */
        public Builder isolateFailures(boolean isolate) {
            overrides.add(o -> o.withIsolateFailures(isolate));
            return this;
        }

        /**
         * Sets after how many consecutive rejections a row is quarantined (default 0: never; see
         * {@link SyncOptions#quarantineAfter()}).
         *
         * @param runs consecutive runs, 0 for never
         * @return this builder
         */
        public Builder quarantineAfter(int runs) {
            overrides.add(o -> o.withQuarantineAfter(runs));
            return this;
        }

        /**
         * Sets what a run does when the job's key column, mapped columns or destination mode changed since its last
         * run (default {@link MappingChangePolicy#RESEND_ALL}).
         *
         * @param policy resend everything, go on, or fail
         * @return this builder
         */
        public Builder onMappingChange(MappingChangePolicy policy) {
            Objects.requireNonNull(policy, "policy");
            overrides.add(o -> o.withOnMappingChange(policy));
            return this;
        }

        /**
         * Sets whether the source keeps a sync log of the job's keys (default {@code false}; see
         * {@link SyncOptions#syncLog()}).
         *
         * @param keep {@code true} to keep it
         * @return this builder
         */
        public Builder syncLog(boolean keep) {
            overrides.add(o -> o.withSyncLog(keep));
            return this;
        }

        /**
         * Sets a rate limit the job's runs keep (see {@link SyncJob#rateLimit()}).
         *
         * @param limit the limit, shared with whatever else holds it
         * @return this builder
         */
        public Builder rateLimit(RateLimit limit) {
            this.rateLimit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /**
         * Validates and builds the job.
         *
         * @return the job
         * @throws ConfigurationException when the id is not valid (see {@link SyncJob#SyncJob}), or source,
         *     destination or mapping is missing
         */
        public SyncJob build() {
            requireValidId(id);
            if (source == null || destination == null || mapping == null) {
                throw new ConfigurationException("SyncJob '" + id + "' needs a source, a destination and a mapping;"
                    + " missing: " + (source == null ? "source " : "") + (destination == null ? "destination " : "")
                    + (mapping == null ? "mapping" : ""));
            }
            SyncOptions built = options;
            for (UnaryOperator<SyncOptions> override : overrides) {
                built = override.apply(built);
            }
            return new SyncJob(id, source, destination, mapping, built, rateLimit);
        }
    }
}
