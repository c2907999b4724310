package io.valmi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What a sync sends and how: the single key column, the mapped fields (a subset of the source's columns,
 * each renamed as the destination wants it), the source mode and the destination mode.
 *
 * <pre>{@code
 * Mapping mapping = Mapping.builder()
 *     .key("id")
 *     .map("email", "Email")
 *     .map("full_name", "Name")
 *     .sourceMode(SourceMode.INCREMENTAL)
 *     .destinationMode(DestinationMode.UPSERT)
 *     .build();
 * }</pre>
 *
 * <p>The key identifies a row at the destination. It is always sent as {@link Change#key()}, under the key
 * column's name where a destination names it (a table destination's key column, for example); map it as a field
 * too if the destination wants it among the fields. No other column may be mapped to the key column's name. Only the mapped columns are compared between runs:
 * a change to an unmapped column sends nothing.
 *
 * @param keyColumn the source column that identifies a row
 * @param fields the mapped fields in the order they are delivered; never empty
 * @param sourceMode which rows each run delivers
 * @param destinationMode what the destination is asked to do
 */
public record Mapping(String keyColumn, List<FieldMapping> fields, SourceMode sourceMode,
                      DestinationMode destinationMode) {

    /**
     * Validates the mapping: see {@link Builder#build()}.
     *
     * @param keyColumn the source column that identifies a row
     * @param fields the mapped fields in the order they are delivered; never empty
     * @param sourceMode which rows each run delivers
     * @param destinationMode what the destination is asked to do
     */
    public Mapping {
        requireName(keyColumn, "key column");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(sourceMode, "sourceMode");
        Objects.requireNonNull(destinationMode, "destinationMode");
        fields = List.copyOf(fields);
        if (fields.isEmpty()) {
            throw new ConfigurationException("The mapping of key column '" + keyColumn
                + "' maps no field: add at least one with Mapping.Builder.map(sourceColumn, destinationField)");
        }
        Set<String> seenDestination = new HashSet<>();
        Set<String> seenSource = new HashSet<>();
        for (FieldMapping field : fields) {
            if (!seenDestination.add(field.destinationField())) {
                throw new ConfigurationException("Destination field '" + field.destinationField()
                    + "' is mapped twice: give each mapped column its own destination field name");
            }
            if (!seenSource.add(field.sourceColumn())) {
                throw new ConfigurationException("Source column '" + field.sourceColumn()
                    + "' is mapped twice: map each column once");
            }
            if (field.destinationField().equals(keyColumn) && !field.sourceColumn().equals(keyColumn)) {
                throw new ConfigurationException("Destination field '" + field.destinationField()
                    + "' (from source column '" + field.sourceColumn() + "') has the name of the key column '"
                    + keyColumn + "', which destinations write from Change.key(): map column '"
                    + field.sourceColumn() + "' to another field name");
            }
        }
    }

    /**
     * Starts a mapping.
     *
     * @return a builder with {@link SourceMode#FULL_TABLE} and {@link DestinationMode#UPSERT} preset
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The source columns of the mapped fields, in mapping order.
     *
     * @return an unmodifiable list
     */
    public List<String> sourceColumns() {
        return fields.stream().map(FieldMapping::sourceColumn).collect(Collectors.toUnmodifiableList());
    }

    /**
     * The destination field names, in mapping order: the field names of every {@link Row} delivered.
     *
     * @return an unmodifiable list
     */
    public List<String> destinationFields() {
        return fields.stream().map(FieldMapping::destinationField).collect(Collectors.toUnmodifiableList());
    }

    /**
     * A copy with another source mode.
     *
     * @param mode the new source mode
     * @return a new mapping
     */
    public Mapping withSourceMode(SourceMode mode) {
        return new Mapping(keyColumn, fields, mode, destinationMode);
    }

    /**
     * A copy with another destination mode.
     *
     * @param mode the new destination mode
     * @return a new mapping
     */
    public Mapping withDestinationMode(DestinationMode mode) {
        return new Mapping(keyColumn, fields, sourceMode, mode);
    }

    static void requireName(@Nullable String name, String what) {
        if (name == null || name.isBlank()) {
            throw new ConfigurationException("The " + what + " is " + (name == null ? "missing" : "blank")
                + ": give the exact name");
        }
    }

    /** Builds a {@link Mapping}; not thread-safe; validated by {@link #build()}. */
    public static final class Builder {
        private @Nullable String key;
        private final List<FieldMapping> fields = new ArrayList<>();
        private SourceMode sourceMode = SourceMode.FULL_TABLE;
        private DestinationMode destinationMode = DestinationMode.UPSERT;

        private Builder() {
        }

        /**
         * Sets the key column. valmi syncs by exactly one key column.
         *
         * @param columns exactly one column name
         * @return this builder
         * @throws ConfigurationException when zero or several columns are given
         */
        public Builder key(String... columns) {
            if (columns.length != 1) {
                throw new ConfigurationException("A sync needs exactly one key column, got "
                    + Arrays.toString(columns) + ": pick a single column that identifies a row (the primary key "
                    + "or a unique column), or publish a view with one column that combines them");
            }
            this.key = columns[0];
            return this;
        }

        /**
         * Maps a column to a destination field of the same name.
         *
         * @param column the source column
         * @return this builder
         */
        public Builder map(String column) {
            return map(column, column);
        }

        /**
         * Maps a column to a destination field.
         *
         * @param sourceColumn the source column
         * @param destinationField the field name at the destination
         * @return this builder
         */
        public Builder map(String sourceColumn, String destinationField) {
            fields.add(new FieldMapping(sourceColumn, destinationField));
            return this;
        }

        /**
         * Sets the source mode (default {@link SourceMode#FULL_TABLE}).
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder sourceMode(SourceMode mode) {
            this.sourceMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets the destination mode (default {@link DestinationMode#UPSERT}).
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder destinationMode(DestinationMode mode) {
            this.destinationMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Validates and builds the mapping.
         *
         * @return the mapping
         * @throws ConfigurationException when the key is missing, no field is mapped, a name is blank, a
         *     destination field or source column is mapped twice, or a column other than the key is mapped to the
         *     key column's name
         */
        public Mapping build() {
            if (key == null) {
                throw new ConfigurationException("The mapping has no key column: call Mapping.Builder.key(column)");
            }
            return new Mapping(key, fields, sourceMode, destinationMode);
        }
    }
}
