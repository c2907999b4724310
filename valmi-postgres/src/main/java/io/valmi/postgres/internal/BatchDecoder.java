package io.valmi.postgres.internal;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.RowLayout;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns the rows of a batch into changes, as both delivery modes select them: column 1 the plan kind, 2 the key, 3 its
 * text form, 4 onwards the mapped values (a first sync adds the row hash and version after them). Readers are chosen
 * once, from the catalog's types ({@link ColumnType}), never from the result's metadata.
 */
final class BatchDecoder {
    /** The column of the plan kind. */
    static final int KIND = 1;
    /** The column of the key. */
    static final int KEY = 2;
    /** The column of the key's text form. */
    static final int KEY_TEXT = 3;
    /** The column of the first mapped value. */
    static final int FIRST_VALUE = 4;

    private final RowLayout layout;
    private final ValueReaders.Reader keyReader;
    private final ValueReaders.Reader[] readers;

    BatchDecoder(RunShape shape, RowLayout layout) {
        this.layout = layout;
        this.keyReader = shape.keyType().reader();
        this.readers = shape.valueReaders();
    }

    /** How many mapped values a row has. */
    int width() {
        return readers.length;
    }

    /**
     * The current row's key.
     *
     * @param rs the result, on a row
     * @return the key as its Java type
     * @throws SQLException on failure
     */
    Object key(ResultSet rs) throws SQLException {
        return Objects.requireNonNull(keyReader.read(rs, KEY), "a batch's key is never NULL");
    }

    /**
     * The current row's mapped values.
     *
     * @param rs the result, on a row
     * @return one value per mapped column
     * @throws SQLException on failure
     */
    @Nullable Object[] values(ResultSet rs) throws SQLException {
        @Nullable Object[] values = new Object[readers.length];
        for (int i = 0; i < readers.length; i++) {
            values[i] = readers[i].read(rs, FIRST_VALUE + i);
        }
        return values;
    }

    /**
     * A change of the row.
     *
     * @param kind its kind
     * @param key its key
     * @param values its mapped values ({@code null} for a removal)
     * @return the change
     */
    Change change(ChangeKind kind, Object key, @Nullable Object @Nullable [] values) {
        return kind == ChangeKind.REMOVED || values == null ? Change.removed(key)
            : new Change(kind, key, layout.row(values));
    }
}
