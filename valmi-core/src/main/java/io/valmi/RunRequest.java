package io.valmi;

import java.util.Objects;
import java.util.Set;

/**
 * What the {@link SyncRunner} asks of a {@link Source} for one run.
 *
 * @param jobId the stable id of the job: the key of the job's state in the source
 * @param runId the id of this run
 * @param mapping the mapping
 * @param deliver the kinds of change the destination mode sends; only these are handed out by
 *     {@link SourceRun#nextBatch(int)}, the others are counted in the plan only. Empty for a dry run
 *     ({@link SyncRunner#plan(SyncJob)}), which hands nothing out and must leave the job's state as it was
 * @param maxSamples how many invalid rows to return as samples in the plan
 * @param batchSize the size every {@link SourceRun#nextBatch(int)} of the run will ask for, so that a source may
 *     start reading while it plans; 0 when not known (a dry run, or a caller that does not say)
 * @param writeTimeout how long one write of the run may take ({@link SyncOptions#writeTimeout()}): a write of a run
 *     that ended without its source knowing (a lost connection) may land this long after it started, so a later
 *     run keeps the keys such a write may hold in doubt for that long
 * @param quarantineAfter {@link SyncOptions#quarantineAfter()}: after how many consecutive runs that rejected a row
 *     with the same values the source leaves it out of its plans (counted in {@link Plan#quarantined()}) until the
 *     row changes or the job is told to retry it; 0 never. A source that keeps no rejection history may ignore it
 * @param onMappingChange {@link SyncOptions#onMappingChange()}: what to do when the job's key column, mapped columns or
 *     destination mode changed since its last run
 * @param syncLog {@link SyncOptions#syncLog()}: whether the source records, with each acknowledgement, every key the
 *     destination acknowledged or rejected (with its reason) and the kind of change. A source that keeps no log may
 *     ignore it
 */
public record RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples,
                         int batchSize, java.time.Duration writeTimeout, int quarantineAfter,
                         MappingChangePolicy onMappingChange, boolean syncLog) {
    /**
     * Validates and copies.
     *
     * @param jobId the stable id of the job: the key of the job's state in the source
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends; only these are handed out by {@link SourceRun#nextBatch(int)}, the others are counted in the plan only
     * @param maxSamples how many invalid rows to return as samples in the plan
     * @param batchSize the size every {@code nextBatch} of the run will ask for, or 0 when not known
     * @param writeTimeout how long one write of the run may take
     * @param quarantineAfter after how many consecutive rejections of the same values a row is left out; 0 never
     * @param onMappingChange what to do when the job changed since its last run
     * @param syncLog whether the source records the keys of each acknowledgement in its sync log
     */
    public RunRequest {
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(onMappingChange, "onMappingChange");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(mapping, "mapping");
        deliver = Set.copyOf(deliver);
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize must be 0 (not known) or positive, was " + batchSize);
        }
        if (quarantineAfter < 0) {
            throw new IllegalArgumentException("quarantineAfter must be 0 (never) or positive, was " + quarantineAfter);
        }
    }

    /**
     * A request without a sync log.
     *
     * @param jobId the stable id of the job: the key of the job's state in the source
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends
     * @param maxSamples how many invalid rows to return as samples in the plan
     * @param batchSize the size every {@code nextBatch} of the run will ask for, or 0 when not known
     * @param writeTimeout how long one write of the run may take
     * @param quarantineAfter after how many consecutive rejections of the same values a row is left out; 0 never
     * @param onMappingChange what to do when the job changed since its last run
     */
    public RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples,
                      int batchSize, java.time.Duration writeTimeout, int quarantineAfter,
                      MappingChangePolicy onMappingChange) {
        this(jobId, runId, mapping, deliver, maxSamples, batchSize, writeTimeout, quarantineAfter, onMappingChange,
            false);
    }

    /**
     * A request that resends everything after a change of the job ({@link MappingChangePolicy#RESEND_ALL}).
     *
     * @param jobId the stable id of the job
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends
     * @param maxSamples how many invalid rows to return as samples in the plan
     * @param batchSize the size every {@code nextBatch} of the run will ask for, or 0 when not known
     * @param writeTimeout how long one write of the run may take
     * @param quarantineAfter after how many consecutive rejections of the same values a row is left out; 0 never
     */
    public RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples,
                      int batchSize, java.time.Duration writeTimeout, int quarantineAfter) {
        this(jobId, runId, mapping, deliver, maxSamples, batchSize, writeTimeout, quarantineAfter,
            MappingChangePolicy.RESEND_ALL);
    }

    /**
     * A request that quarantines nothing ({@code quarantineAfter} 0).
     *
     * @param jobId the stable id of the job
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends
     * @param maxSamples how many invalid rows to return as samples in the plan
     * @param batchSize the size every {@code nextBatch} of the run will ask for, or 0 when not known
     * @param writeTimeout how long one write of the run may take
     */
    public RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples,
                      int batchSize, java.time.Duration writeTimeout) {
        this(jobId, runId, mapping, deliver, maxSamples, batchSize, writeTimeout, 0);
    }

    /**
     * A request without a known batch size.
     *
     * @param jobId the stable id of the job
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends
     * @param maxSamples how many invalid rows to return as samples in the plan
     */
    public RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples) {
        this(jobId, runId, mapping, deliver, maxSamples, 0);
    }

    /**
     * A request with the default write timeout ({@link SyncOptions#DEFAULT_WRITE_TIMEOUT}).
     *
     * @param jobId the stable id of the job
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends
     * @param maxSamples how many invalid rows to return as samples in the plan
     * @param batchSize the size every {@code nextBatch} of the run will ask for, or 0 when not known
     */
    public RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples,
                      int batchSize) {
        this(jobId, runId, mapping, deliver, maxSamples, batchSize, SyncOptions.DEFAULT_WRITE_TIMEOUT);
    }
}
