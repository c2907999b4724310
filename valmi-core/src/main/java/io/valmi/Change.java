package io.valmi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One planned change of one row, as handed to a {@link Destination}.
 *
 * @param kind what happened to the row
 * @param key the value of the key column (never {@code null}: rows with a NULL key are never sent)
 * @param row the mapped field values, in mapping order; {@code null} exactly when {@code kind} is
 *     {@link ChangeKind#REMOVED}
 */
public record Change(ChangeKind kind, Object key, @Nullable Row row) {

    /**
     * Validates that a removal carries no row and every other change does.
     *
     * @param kind what happened to the row
     * @param key the value of the key column (never {@code null}: rows with a NULL key are never sent)
     * @param row the mapped field values, in mapping order; {@code null} exactly when {@code kind} is {@link ChangeKind#REMOVED}
     */
    public Change {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == ChangeKind.REMOVED) != (row == null)) {
            throw new IllegalArgumentException(kind == ChangeKind.REMOVED
                ? "A REMOVED change carries the key only, not a row"
                : "A " + kind + " change needs the row's values");
        }
    }

    /**
     * A row new to the destination.
     *
     * @param key the key value
     * @param row the mapped values
     * @return the change
     */
    public static Change added(Object key, Row row) {
        return new Change(ChangeKind.ADDED, key, row);
    }

    /**
     * A row whose mapped values changed.
     *
     * @param key the key value
     * @param row the new mapped values
     * @return the change
     */
    public static Change changed(Object key, Row row) {
        return new Change(ChangeKind.CHANGED, key, row);
    }

    /**
     * A row sent again unchanged (full-table mode).
     *
     * @param key the key value
     * @param row the mapped values
     * @return the change
     */
    public static Change unchanged(Object key, Row row) {
        return new Change(ChangeKind.UNCHANGED, key, row);
    }

    /**
     * A row gone from the source.
     *
     * @param key the key value
     * @return the change
     */
    public static Change removed(Object key) {
        return new Change(ChangeKind.REMOVED, key, null);
    }

    /**
     * The row, for changes that carry one.
     *
     * @return the row
     * @throws IllegalStateException for a {@link ChangeKind#REMOVED} change
     */
    public Row requireRow() {
        if (row == null) {
            throw new IllegalStateException("A REMOVED change of key " + key + " carries no row");
        }
        return row;
    }
}
