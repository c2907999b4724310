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
 *     {@link SourceRun#nextBatch(int)}, the others are counted in the plan only
 * @param maxSamples how many invalid rows to return as samples in the plan
 */
public record RunRequest(String jobId, String runId, Mapping mapping, Set<ChangeKind> deliver, int maxSamples) {
    /**
     * Validates and copies.
     *
     * @param jobId the stable id of the job: the key of the job's state in the source
     * @param runId the id of this run
     * @param mapping the mapping
     * @param deliver the kinds of change the destination mode sends; only these are handed out by {@link SourceRun#nextBatch(int)}, the others are counted in the plan only
     * @param maxSamples how many invalid rows to return as samples in the plan
     */
    public RunRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(mapping, "mapping");
        deliver = Set.copyOf(deliver);
    }
}
