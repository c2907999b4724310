package io.valmi.testing;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One scenario of the destination contract kit: which behaviour is checked, in which mode, and where it happens.
 * Every scenario gets a destination of its own that must start empty; {@link #id()} is a name fit for a table
 * or a file ({@code [a-z0-9_]}, unique among the scenarios of a kit).
 *
 * <p>Every scenario writes rows with the same fields, named and typed as {@link #FIELD_TYPES} says, under keys of
 * type {@code Long} (key column {@value #KEY}, which is not among the fields).
 *
 * @param id a unique name of the scenario, for example {@code mirror_removes}
 * @param title what is checked, for example {@code removes}
 * @param mode the destination mode the scenario checks
 * @param mapping the mapping of every run of the scenario (its destination mode is {@code mode})
 */
public record ContractScenario(String id, String title, DestinationMode mode, Mapping mapping) {

    /** The key column of the mapping; keys are {@code Long}. */
    public static final String KEY = "id";

    /**
     * The fields of every row and the Java type of their values, in mapping order. A PostgreSQL table that holds
     * them: {@code id bigint primary key, name text, amount numeric, quantity bigint, ratio double precision,
     * active boolean, day date, local_at timestamp, updated_at timestamptz}.
     */
    public static final Map<String, Class<?>> FIELD_TYPES = fieldTypes();

    /**
     * Validates the fields.
     *
     * @param id a unique name of the scenario, for example {@code mirror_removes}
     * @param title what is checked, for example {@code removes}
     * @param mode the destination mode the scenario checks
     * @param mapping the mapping of every run of the scenario (its destination mode is {@code mode})
     */
    public ContractScenario {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(mapping, "mapping");
    }

    /**
     * The scenario of a given mode and title, with the kit's mapping.
     *
     * @param mode the mode
     * @param title what is checked
     * @return the scenario
     */
    public static ContractScenario of(DestinationMode mode, String title) {
        String id = (mode.name() + "_" + title).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        return new ContractScenario(id, title, mode, mapping(mode));
    }

    /**
     * The mapping every scenario uses, in a given mode.
     *
     * @param mode the destination mode
     * @return the mapping: key {@value #KEY}, the fields of {@link #FIELD_TYPES}
     */
    public static Mapping mapping(DestinationMode mode) {
        Mapping.Builder builder = Mapping.builder().key(KEY).destinationMode(mode);
        FIELD_TYPES.keySet().forEach(builder::map);
        return builder.build();
    }

    /**
     * The field names, in order.
     *
     * @return the destination field names of {@link #mapping()}
     */
    public List<String> fields() {
        return mapping.destinationFields();
    }

    @Override
    public String toString() {
        return "[" + mode + "] " + title;
    }

    private static Map<String, Class<?>> fieldTypes() {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        types.put("name", String.class);
        types.put("amount", BigDecimal.class);
        types.put("quantity", Long.class);
        types.put("ratio", Double.class);
        types.put("active", Boolean.class);
        types.put("day", LocalDate.class);
        types.put("local_at", LocalDateTime.class);
        types.put("updated_at", OffsetDateTime.class);
        return java.util.Collections.unmodifiableMap(types);
    }
}
