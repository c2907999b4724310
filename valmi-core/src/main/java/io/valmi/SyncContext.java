package io.valmi;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a run tells a {@link Destination} and a {@link SyncListener} about itself.
 *
 * @param jobId the stable id of the sync job
 * @param runId the id of this run, unique across runs
 * @param source a description of the source (no secrets)
 * @param mapping the job's mapping
 * @param batchSize the largest batch this run sends
 * @param sourceColumns the source column of each destination field, with its type (for PostgreSQL, as
 *     {@code format_type} prints it: {@code jsonb}, {@code numeric(12,2)}, ...), and of the key under the mapping's
 *     key column name when no field has that name; empty when the source does not tell, and before the run is planned
 *     ({@link SyncListener#runStarted})
 * @param keyOrder the order in which the source hands out keys, as a comparator of {@link Change#key()} values, when
 *     Java can reproduce it exactly ({@link SourceRun#keyOrder()}): batches come in key order (but for a first sync
 *     that the source reads in physical order, {@link SourceRun}), so a destination or a test can sort keys as the
 *     source does (a PostgreSQL {@code uuid} key is not in {@link java.util.UUID#compareTo}
 *     order, for one); empty when the source does not tell, and before the run is planned
 */
public record SyncContext(String jobId, String runId, String source, Mapping mapping, int batchSize,
                          Map<String, SourceColumn> sourceColumns, Optional<Comparator<Object>> keyOrder) {

    /**
     * Copies the map.
     *
     * @param jobId the stable id of the sync job
     * @param runId the id of this run, unique across runs
     * @param source a description of the source (no secrets)
     * @param mapping the job's mapping
     * @param batchSize the largest batch this run sends
     * @param sourceColumns the source column of each destination field (and of the key), with its type
     * @param keyOrder the source's key order, when Java can reproduce it
     */
    public SyncContext {
        sourceColumns = Map.copyOf(sourceColumns);
        Objects.requireNonNull(keyOrder, "keyOrder");
    }

    /**
     * A context without a key order.
     *
     * @param jobId the stable id of the sync job
     * @param runId the id of this run, unique across runs
     * @param source a description of the source (no secrets)
     * @param mapping the job's mapping
     * @param batchSize the largest batch this run sends
     * @param sourceColumns the source column of each destination field (and of the key), with its type
     */
    public SyncContext(String jobId, String runId, String source, Mapping mapping, int batchSize,
                       Map<String, SourceColumn> sourceColumns) {
        this(jobId, runId, source, mapping, batchSize, sourceColumns, Optional.empty());
    }

    /**
     * A context without source columns.
     *
     * @param jobId the stable id of the sync job
     * @param runId the id of this run, unique across runs
     * @param source a description of the source (no secrets)
     * @param mapping the job's mapping
     * @param batchSize the largest batch this run sends
     */
    public SyncContext(String jobId, String runId, String source, Mapping mapping, int batchSize) {
        this(jobId, runId, source, mapping, batchSize, Map.of());
    }

    /**
     * The source's type of a destination field (or of the key column, by its name).
     *
     * @param field a destination field name
     * @return the type name, or empty when the source did not tell
     */
    public Optional<String> sourceType(String field) {
        SourceColumn column = sourceColumns.get(field);
        return column == null ? Optional.empty() : Optional.of(column.typeName());
    }

    /**
     * Whether a field holds JSON ({@code json} or {@code jsonb} at the source): its values arrive as JSON text, which
     * a destination may embed as JSON rather than as a string.
     *
     * @param field a destination field name
     * @return {@code true} for a JSON column
     */
    public boolean isJson(String field) {
        String type = sourceType(field).orElse("");
        return type.equals("json") || type.equals("jsonb");
    }

    /**
     * A copy with the source columns a planned run knows.
     *
     * @param columns the source column of each destination field (and of the key)
     * @return the new context
     */
    public SyncContext withSourceColumns(Map<String, SourceColumn> columns) {
        return new SyncContext(jobId, runId, source, mapping, batchSize, columns, keyOrder);
    }

    /**
     * A copy with the key order a planned run knows.
     *
     * @param order the source's key order, or empty
     * @return the new context
     */
    public SyncContext withKeyOrder(Optional<Comparator<Object>> order) {
        return new SyncContext(jobId, runId, source, mapping, batchSize, sourceColumns, order);
    }

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
