package io.valmi;

import java.util.List;

/**
 * What a run tells a {@link Destination} and a {@link SyncListener} about itself.
 *
 * @param jobId the stable id of the sync job
 * @param runId the id of this run, unique across runs
 * @param source a description of the source (no secrets)
 * @param mapping the job's mapping
 * @param batchSize the largest batch this run sends
 */
public record SyncContext(String jobId, String runId, String source, Mapping mapping, int batchSize) {

    /**
     * The destination field names, in the order of every row's values.
     *
     * @return an unmodifiable list
     */
    public List<String> fields() {
        return mapping.destinationFields();
    }

    /**
     * The destination mode of the run.
     *
     * @return the mode
     */
    public DestinationMode destinationMode() {
        return mapping.destinationMode();
    }
}
