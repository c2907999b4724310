package io.valmi;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a run that are not part of the mapping: batching, retries, samples, and the guards that stop a
 * run before it removes what it should not, or when most of the source's rows cannot be sent.
 *
 * @param batchSize the most changes per {@link Destination#write(java.util.List)} (also limited by the
 *     destination's {@link DestinationCapabilities#maxBatchSize()})
 * @param retryPolicy how failed writes are retried
 * @param maxSamples how many invalid rows and rejections a {@link SyncResult} keeps as samples
 * @param maxRemovedFraction guard: when the destination mode sends removals, a run that would remove more than
 *     this share of the keys the destination holds fails before any row moves (1.0, the default, turns it off)
 * @param allowEmptySource guard: when {@code false} (the default) and the mode sends removals, a run whose source
 *     has no valid row at all while the destination holds keys fails before any row moves (a broken view or a
 *     truncated table would otherwise empty the destination)
 * @param maxInvalidFraction guard: a run in which more than this share of the source's rows is invalid (a NULL or
 *     duplicated key: never sent) fails before any row moves, whatever the mode. Such a run is almost always a key
 *     column that is not unique, or a view whose join repeats rows, and would otherwise succeed while sending little
 *     or nothing. The share is {@code invalid / (valid + invalid)}; in incremental mode, whose plans leave unchanged
 *     rows out, the valid rows are estimated from the keys the job's state holds. Default
 *     {@value #DEFAULT_MAX_INVALID_FRACTION}; 1.0 turns it off, 0.0 refuses any invalid row
 * @param writeTimeout how long one {@link Destination#write(java.util.List)} may take (default
 *     {@link #DEFAULT_WRITE_TIMEOUT}): the runner interrupts a write still running then and counts the attempt as
 *     failed, its keys in doubt. It is also the lease of a batch's keys: a run that lost its job lock (its database
 *     connection died) while a write was on may still see that write land for this long, so a later run keeps those
 *     keys in doubt, and sends them again, until the lease has passed. A destination must give up within it (set
 *     its HTTP or JDBC timeouts below it, or stop when interrupted)
 * @param concurrency how many batches may be out at once (default 1: one write at a time). Limited further by the
 *     destination's {@link DestinationCapabilities#maxConcurrency()}; above 1, batches are written from several
 *     threads and answered in any order, with every guarantee of a run kept (see {@link Destination})
 * @param isolateFailures whether a batch that failed for good (a failure that is not retriable, or out of attempts) is
 *     split into halves, down to single changes, so that the changes the destination takes are delivered and the ones
 *     it fails on become rejections carrying the error (offered again next run) while the run goes on (default
 *     {@code true}); {@code false} fails the run with the batch, as before
 * @param quarantineAfter after how many consecutive runs that rejected a row (with the same values) it is quarantined:
 *     reported and counted, but no longer sent until the row changes or the job is told to retry it; 0 (the default)
 *     never quarantines
 * @param onMappingChange what a run does when the job's key column, mapped columns or destination mode changed since
 *     its last run (default {@link MappingChangePolicy#RESEND_ALL})
 * @param syncLog whether the source keeps a sync log of the job (default {@code false}): for each run, every key the
 *     destination acknowledged or rejected (with its reason), with the kind of change, recorded with the
 *     acknowledgement, so that "when was this key last sent, and what happened" can be answered later. A source that
 *     keeps no log ignores it. It costs a row per change sent (in FULL_TABLE mode, one per source row and run)
 */
public record SyncOptions(int batchSize, RetryPolicy retryPolicy, int maxSamples, double maxRemovedFraction,
                          boolean allowEmptySource, double maxInvalidFraction, Duration writeTimeout,
                          int concurrency, boolean isolateFailures, int quarantineAfter,
                          MappingChangePolicy onMappingChange, boolean syncLog) {

    /** The default batch size. */
    public static final int DEFAULT_BATCH_SIZE = 1000;

    /** The default {@link #maxInvalidFraction()}: a run fails when more than half of the source's rows are invalid. */
    public static final double DEFAULT_MAX_INVALID_FRACTION = 0.5;

    /** The highest {@link #concurrency()}: batches out at once. */
    public static final int MAX_CONCURRENCY = 1024;

    /** The default {@link #writeTimeout()}: 5 minutes. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofMinutes(5);

    /**
     * Validates the settings.
     *
     * @param batchSize the most changes per write
     * @param retryPolicy how failed writes are retried
     * @param maxSamples how many samples a result keeps
     * @param maxRemovedFraction the largest share of known keys a run may remove, 0.0 to 1.0
     * @param allowEmptySource whether a source without valid rows may empty the destination
     * @param maxInvalidFraction the largest share of the source's rows that may be invalid, 0.0 to 1.0
     * @param writeTimeout how long one write may take, positive
     * @param concurrency how many batches may be out at once, at least 1
     * @param isolateFailures whether a batch that failed for good is split to isolate the changes it failed on
     * @param quarantineAfter after how many consecutive rejections a row is no longer sent; 0 never
     * @param onMappingChange what a run does when the job changed since its last run
     * @param syncLog whether the source keeps a sync log of the job's keys
     */
    public SyncOptions {
        Objects.requireNonNull(onMappingChange, "onMappingChange");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        if (writeTimeout.isZero() || writeTimeout.isNegative()) {
            throw new ConfigurationException("writeTimeout must be positive, got " + writeTimeout);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new ConfigurationException("concurrency must be from 1 to " + MAX_CONCURRENCY + ", got "
                + concurrency);
        }
        if (quarantineAfter < 0) {
            throw new ConfigurationException("quarantineAfter must be 0 (never) or positive, got " + quarantineAfter);
        }
        if (batchSize < 1) {
            throw new ConfigurationException("batchSize must be at least 1, got " + batchSize);
        }
        if (maxSamples < 0) {
            throw new ConfigurationException("maxSamples must not be negative, got " + maxSamples);
        }
        if (!(maxRemovedFraction >= 0.0 && maxRemovedFraction <= 1.0)) {
            throw new ConfigurationException("maxRemovedFraction must be from 0.0 to 1.0, got " + maxRemovedFraction);
        }
        if (!(maxInvalidFraction >= 0.0 && maxInvalidFraction <= 1.0)) {
            throw new ConfigurationException("maxInvalidFraction must be from 0.0 to 1.0, got " + maxInvalidFraction);
        }
    }

    /**
     * Settings without a sync log.
     *
     * @param batchSize the most changes per write
     * @param retryPolicy how failed writes are retried
     * @param maxSamples how many samples a result keeps
     * @param maxRemovedFraction the largest share of known keys a run may remove, 0.0 to 1.0
     * @param allowEmptySource whether a source without valid rows may empty the destination
     * @param maxInvalidFraction the largest share of the source's rows that may be invalid, 0.0 to 1.0
     * @param writeTimeout how long one write may take, positive
     * @param concurrency how many batches may be out at once, at least 1
     * @param isolateFailures whether a batch that failed for good is split to isolate the changes it failed on
     * @param quarantineAfter after how many consecutive rejections a row is no longer sent; 0 never
     * @param onMappingChange what a run does when the job changed since its last run
     */
    public SyncOptions(int batchSize, RetryPolicy retryPolicy, int maxSamples, double maxRemovedFraction,
                       boolean allowEmptySource, double maxInvalidFraction, Duration writeTimeout, int concurrency,
                       boolean isolateFailures, int quarantineAfter, MappingChangePolicy onMappingChange) {
        this(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource, maxInvalidFraction,
            writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, false);
    }

    /**
     * Settings with the default {@link #maxInvalidFraction()} and {@link #writeTimeout()}.
     *
     * @param batchSize the most changes per write
     * @param retryPolicy how failed writes are retried
     * @param maxSamples how many samples a result keeps
     * @param maxRemovedFraction the largest share of known keys a run may remove, 0.0 to 1.0
     * @param allowEmptySource whether a source without valid rows may empty the destination
     */
    public SyncOptions(int batchSize, RetryPolicy retryPolicy, int maxSamples, double maxRemovedFraction,
                       boolean allowEmptySource) {
        this(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource, DEFAULT_MAX_INVALID_FRACTION,
            DEFAULT_WRITE_TIMEOUT, 1, true, 0,
            MappingChangePolicy.RESEND_ALL);
    }

    /**
     * Batches of 1000, {@link RetryPolicy#defaults()}, 10 samples, no removal limit, empty sources refused, runs with
     * more than half of the rows invalid refused, writes of at most 5 minutes, one batch out at a time, failed batches
     * split to isolate the changes they failed on, no quarantine, no sync log.
     *
     * @return the defaults
     */
    public static SyncOptions defaults() {
        return new SyncOptions(DEFAULT_BATCH_SIZE, RetryPolicy.defaults(), 10, 1.0, false,
            DEFAULT_MAX_INVALID_FRACTION, DEFAULT_WRITE_TIMEOUT, 1, true, 0,
            MappingChangePolicy.RESEND_ALL);
    }

    /**
     * A copy with another batch size.
     *
     * @param size the batch size
     * @return new options
     */
    public SyncOptions withBatchSize(int size) {
        return new SyncOptions(size, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another retry policy.
     *
     * @param policy the policy
     * @return new options
     */
    public SyncOptions withRetryPolicy(RetryPolicy policy) {
        return new SyncOptions(batchSize, policy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another number of samples.
     *
     * @param samples the number of samples
     * @return new options
     */
    public SyncOptions withMaxSamples(int samples) {
        return new SyncOptions(batchSize, retryPolicy, samples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with a removal guard.
     *
     * @param fraction the largest share of the destination's keys one run may remove, e.g. 0.1 for 10 %
     * @return new options
     */
    public SyncOptions withMaxRemovedFraction(double fraction) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, fraction, allowEmptySource, maxInvalidFraction,
            writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy that allows (or refuses) a source without valid rows to empty the destination.
     *
     * @param allow {@code true} to allow it
     * @return new options
     */
    public SyncOptions withAllowEmptySource(boolean allow) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allow, maxInvalidFraction,
            writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another invalid-row guard.
     *
     * @param fraction the largest share of the source's rows that may be invalid, e.g. 0.1 for 10 % (1.0 turns the
     *     guard off)
     * @return new options
     */
    public SyncOptions withMaxInvalidFraction(double fraction) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource, fraction,
            writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another write timeout.
     *
     * @param timeout how long one write may take
     * @return new options
     */
    public SyncOptions withWriteTimeout(Duration timeout) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, timeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another concurrency.
     *
     * @param batches how many batches may be out at once, at least 1
     * @return new options
     */
    public SyncOptions withConcurrency(int batches) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, batches, isolateFailures, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy that splits (or does not split) a batch that failed for good to isolate the changes it failed on.
     *
     * @param isolate {@code false} to fail the run with the batch instead
     * @return new options
     */
    public SyncOptions withIsolateFailures(boolean isolate) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolate, quarantineAfter, onMappingChange, syncLog);
    }

    /**
     * A copy with another quarantine threshold.
     *
     * @param runs after how many consecutive runs that rejected a row it is no longer sent; 0 never
     * @return new options
     */
    public SyncOptions withQuarantineAfter(int runs) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, runs, onMappingChange, syncLog);
    }

    /**
     * A copy with another policy for a job that changed since its last run.
     *
     * @param policy resend everything, go on, or fail
     * @return new options
     */
    public SyncOptions withOnMappingChange(MappingChangePolicy policy) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, quarantineAfter, policy, syncLog);
    }

    /**
     * A copy that keeps (or does not keep) a sync log of the job's keys ({@link #syncLog()}).
     *
     * @param keep {@code true} to keep it
     * @return new options
     */
    public SyncOptions withSyncLog(boolean keep) {
        return new SyncOptions(batchSize, retryPolicy, maxSamples, maxRemovedFraction, allowEmptySource,
            maxInvalidFraction, writeTimeout, concurrency, isolateFailures, quarantineAfter, onMappingChange, keep);
    }
}
