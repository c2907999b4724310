package io.valmi;

import org.jspecify.annotations.Nullable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The field names shared by every {@link Row} of a run, with a name-to-position index built once. Sources
 * create one per run and build rows with {@link #row(Object[])}, so no map is allocated per row.
 */
public final class RowLayout {
    private final List<String> names;
    private final Map<String, Integer> index;

    /**
     * Creates a layout.
     *
     * @param names the field names, in order, each unique
     * @throws IllegalArgumentException when a name repeats
     */
    public RowLayout(List<String> names) {
        this.names = List.copyOf(names);
        this.index = new HashMap<>(this.names.size() * 2);
        for (int i = 0; i < this.names.size(); i++) {
            if (index.put(this.names.get(i), i) != null) {
                throw new IllegalArgumentException("Field '" + this.names.get(i) + "' appears twice in " + names);
            }
        }
    }

    /**
     * The field names in order.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return names;
    }

    /**
     * The number of fields.
     *
     * @return the number of fields
     */
    public int size() {
        return names.size();
    }

    /**
     * The position of a field.
     *
     * @param name a field name
     * @return its zero-based position, or -1 when the layout has no such field
     */
    public int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    /**
     * Creates a row of this layout. The array is owned by the row from now on: do not change it.
     *
     * @param values one value per field, {@code null} for SQL NULL
     * @return the row
     * @throws IllegalArgumentException when the number of values does not match the layout
     */
    public Row row(@Nullable Object... values) {
        if (values.length != names.size()) {
            throw new IllegalArgumentException("Expected " + names.size() + " values for " + names + ", got "
                + values.length);
        }
        return new Row(this, values);
    }

    @Override
    public String toString() {
        return "RowLayout" + names;
    }
}
