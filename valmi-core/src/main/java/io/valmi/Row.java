package io.valmi;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The mapped field values of one source row, in mapping order, named by their destination field names.
 * Immutable (values are not copied defensively: byte arrays must not be changed by readers).
 *
 * <p>Values arrive as the Java types the source documents; for PostgreSQL: {@code Integer}, {@code Long},
 * {@code BigDecimal}, {@code String}, {@code Boolean}, {@code java.time} types, {@code UUID},
 * {@code byte[]}, {@code List} for arrays, JSON as {@code String}.
 */
public final class Row {
    private final RowLayout layout;
    private final @Nullable Object[] values;

    Row(RowLayout layout, @Nullable Object[] values) {
        this.layout = layout;
        this.values = values;
    }

    /**
     * Creates a row with its own layout; convenient in tests. Sources use {@link RowLayout#row(Object[])}.
     *
     * @param names the field names
     * @param values one value per name
     * @return the row
     */
    public static Row of(List<String> names, @Nullable Object... values) {
        return new RowLayout(names).row(values);
    }

    /**
     * The layout: field names and their positions.
     *
     * @return the layout shared by the rows of a run
     */
    public RowLayout layout() {
        return layout;
    }

    /**
     * The field names in order.
     *
     * @return an unmodifiable list
     */
    public List<String> fieldNames() {
        return layout.names();
    }

    /**
     * The number of fields.
     *
     * @return the number of fields
     */
    public int size() {
        return values.length;
    }

    /**
     * The value at a position.
     *
     * @param index zero-based position
     * @return the value, {@code null} for SQL NULL
     */
    public @Nullable Object get(int index) {
        return values[index];
    }

    /**
     * The value of a field.
     *
     * @param field the destination field name
     * @return the value, {@code null} for SQL NULL
     * @throws IllegalArgumentException when the row has no such field
     */
    public @Nullable Object get(String field) {
        return values[position(field)];
    }

    /**
     * The value of a field as a given type.
     *
     * @param field the destination field name
     * @param type the expected type
     * @param <T> the expected type
     * @return the value, {@code null} for SQL NULL
     * @throws ClassCastException when the value has another type; the message names the field and both types
     */
    public <T> @Nullable T get(String field, Class<T> type) {
        Object value = get(field);
        if (value == null || type.isInstance(value)) {
            return type.cast(value);
        }
        throw new ClassCastException("Field '" + field + "' holds a " + value.getClass().getName() + ", not a "
            + type.getName());
    }

    /**
     * The value of a field as text: strings as they are, other values by {@code toString()}.
     *
     * @param field the destination field name
     * @return the text, {@code null} for SQL NULL
     */
    public @Nullable String getString(String field) {
        Object value = get(field);
        return value == null ? null : value.toString();
    }

    /**
     * The value of an integral numeric field as a {@code Long}.
     *
     * @param field the destination field name
     * @return the value, {@code null} for SQL NULL
     * @throws ClassCastException when the field is not an integral number
     */
    public @Nullable Long getLong(String field) {
        Object value = get(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        throw new ClassCastException("Field '" + field + "' holds a " + value.getClass().getName()
            + ", not an integral number");
    }

    /**
     * The value of a numeric field as a {@code BigDecimal}, exactly.
     *
     * @param field the destination field name
     * @return the value, {@code null} for SQL NULL
     * @throws ClassCastException when the field is not a number
     */
    public @Nullable BigDecimal getBigDecimal(String field) {
        Object value = get(field);
        if (value == null || value instanceof BigDecimal) {
            return (BigDecimal) value;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            return new BigDecimal(value.toString());
        }
        throw new ClassCastException("Field '" + field + "' holds a " + value.getClass().getName() + ", not a number");
    }

    /**
     * The value of a boolean field.
     *
     * @param field the destination field name
     * @return the value, {@code null} for SQL NULL
     */
    public @Nullable Boolean getBoolean(String field) {
        return get(field, Boolean.class);
    }

    /**
     * The fields as an ordered map (a new map on each call).
     *
     * @return field name to value, in mapping order; values may be {@code null}
     */
    public Map<String, @Nullable Object> toMap() {
        Map<String, @Nullable Object> map = new LinkedHashMap<>(values.length * 2);
        for (int i = 0; i < values.length; i++) {
            map.put(layout.names().get(i), values[i]);
        }
        return map;
    }

    private int position(String field) {
        int i = layout.indexOf(field);
        if (i < 0) {
            throw new IllegalArgumentException("No field '" + field + "' in this row; its fields are "
                + layout.names());
        }
        return i;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Row)) {
            return false;
        }
        Row other = (Row) o;
        return layout.names().equals(other.layout.names()) && Arrays.deepEquals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layout.names(), Arrays.deepHashCode(values));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Object v = values[i];
            sb.append(layout.names().get(i)).append('=');
            sb.append(v instanceof byte[] ? "<" + ((byte[]) v).length + " bytes>" : String.valueOf(v));
        }
        return sb.append('}').toString();
    }
}
