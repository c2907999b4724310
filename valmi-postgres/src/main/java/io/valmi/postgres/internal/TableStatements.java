package io.valmi.postgres.internal;

import io.valmi.Change;
import io.valmi.Row;
import io.valmi.RowLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.CreateTableElementListStep;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.RowN;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The statements that write batches into one target table for one run: everything that depends only on the table,
 * the key column and the mapped fields is built once, when the run opens the destination; a batch adds its values.
 *
 * <p>The written columns are the key column first, then every mapped field except one named like the key column (the
 * key comes from {@link Change#key()}). A row's values are found by name, through positions computed once per
 * {@link RowLayout}, so the rows' field order does not matter.
 */
final class TableStatements {
    /** The target table's alias in UPDATE mode's statement. */
    private static final Name TARGET_ALIAS = DSL.quotedName("t");
    /** The alias of UPDATE mode's {@code VALUES} list. */
    private static final Name VALUES_ALIAS = DSL.quotedName("v");

    private final Name tableName;
    private final Table<Record> target;
    private final String key;
    /** The mapped fields written besides the key, in mapping order. */
    private final List<String> fields;
    private final Field<Object> keyField;
    /** The key column, then the fields' columns. */
    private final List<Field<?>> columns;
    /** UPSERT's {@code SET column = excluded.column}, one per field. */
    private final Map<Field<?>, Field<?>> fromExcluded;
    /** The columns of the {@code VALUES} list: {@code c0} (the key), {@code c1} ... (the fields), {@code n}. */
    private final Name[] valuesColumns;
    /** {@code (CAST(NULL AS table)).column} for each written column: NULL of exactly the column's type. */
    private final Field<?>[] columnTyped;
    /** UPDATE's {@code SET column = v.c1, ...}. */
    private final Map<Field<?>, Field<?>> fromValues;
    private final Condition sameKey;
    private final Field<Integer> ordinal;

    /**
     * Builds what the run's statements share.
     *
     * @param schema the target schema
     * @param table the target table
     * @param key the key column
     * @param mappedFields the mapped fields, in mapping order
     */
    TableStatements(String schema, String table, String key, List<String> mappedFields) {
        this.tableName = Sql.name(schema, table);
        this.target = DSL.table(tableName);
        this.key = key;
        this.fields = mappedFields.stream().filter(f -> !f.equals(key)).toList();
        this.keyField = DSL.field(Sql.name(key));
        this.columns = new ArrayList<>(fields.size() + 1);
        this.valuesColumns = new Name[fields.size() + 2];
        this.columnTyped = new Field<?>[fields.size() + 1];
        this.fromExcluded = new LinkedHashMap<>();
        this.fromValues = new LinkedHashMap<>();
        for (int i = 0; i <= fields.size(); i++) {
            String name = i == 0 ? key : fields.get(i - 1);
            Field<Object> column = DSL.field(Sql.name(name));
            columns.add(column);
            valuesColumns[i] = DSL.quotedName("c" + i);
            columnTyped[i] = PgTemplates.nullOfColumnType(tableName, Sql.name(name));
            if (i > 0) {
                fromExcluded.put(column, DSL.excluded(column));
                fromValues.put(column, DSL.field(VALUES_ALIAS.append(valuesColumns[i])));
            }
        }
        valuesColumns[fields.size() + 1] = DSL.quotedName("n");
        if (fromValues.isEmpty()) {
            fromValues.put(keyField, DSL.field(TARGET_ALIAS.append(Sql.name(key)))); // SET key = key: a no-op
        }
        this.sameKey = DSL.field(TARGET_ALIAS.append(Sql.name(key)))
            .eq(DSL.field(VALUES_ALIAS.append(valuesColumns[0])));
        this.ordinal = DSL.field(VALUES_ALIAS.append(valuesColumns[fields.size() + 1]), SQLDataType.INTEGER);
    }

    /**
     * The key column.
     *
     * @return its name
     */
    String key() {
        return key;
    }

    /**
     * The number of columns a row binds.
     *
     * @return the key column and the fields
     */
    int width() {
        return columns.size();
    }

    /**
     * {@code INSERT ... VALUES (...), ... ON CONFLICT (key) DO UPDATE SET} every field (UPSERT and MIRROR modes; with
     * no field besides the key, {@code DO NOTHING}).
     *
     * @param part the changes, none {@code REMOVED}
     * @return the statement
     */
    Query upsert(List<Change> part) {
        InsertValuesStepN<Record> insert = insertValues(part);
        return fromExcluded.isEmpty() ? insert.onConflict(keyField).doNothing()
            : insert.onConflict(keyField).doUpdate().set(fromExcluded);
    }

    /**
     * {@code INSERT ... VALUES (...), ... ON CONFLICT (key) DO NOTHING}: rows already there stay as they are (INSERT
     * mode).
     *
     * @param part the changes, none {@code REMOVED}
     * @return the statement
     */
    Query insertNew(List<Change> part) {
        return insertValues(part).onConflict(keyField).doNothing();
    }

    /** {@code INSERT ... VALUES} of the changes' keys and fields. */
    private InsertValuesStepN<Record> insertValues(List<Change> part) {
        Positions positions = new Positions();
        InsertValuesStepN<Record> insert = DSL.insertInto(target, columns);
        for (Change change : part) {
            Row row = change.requireRow();
            int[] at = positions.of(row);
            Field<?>[] values = new Field<?>[columns.size()];
            values[0] = ValueBinders.bind(change.key());
            for (int i = 0; i < at.length; i++) {
                values[i + 1] = ValueBinders.bind(row.get(at[i]));
            }
            insert = insert.values(values);
        }
        return insert;
    }

    /**
     * One {@code UPDATE} for many changes, returning the positions (in {@code part}) of the changes whose key it
     * found:
     * <pre>{@code
     * UPDATE table AS t SET f = v.c1, ... FROM (VALUES (<typing row>), (?, ?, ..., 0), ...) AS v (c0, c1, ..., n)
     * WHERE t.key = v.c0 RETURNING v.n
     * }</pre>
     * Each value keeps the typing a one-row {@code UPDATE ... SET f = ?} would give it: a column whose values are all
     * bound with the same Java type ({@code Long}, {@code BigDecimal}, ...) keeps that type, and PostgreSQL casts it
     * on assignment; any other column is sent as untyped text that PostgreSQL reads as the target column's type, which
     * the first row of {@code VALUES} fixes with a {@code NULL} of exactly that type (a row that matches no key).
     *
     * @param part the changes, none {@code REMOVED}
     * @return the statement, a query of one {@code integer} column
     */
    Query update(List<Change> part) {
        Positions positions = new Positions();
        int width = columns.size();
        boolean[] asText = new boolean[width];
        Class<?>[] typed = new Class<?>[width];
        for (Change change : part) {
            Row row = change.requireRow();
            int[] at = positions.of(row);
            for (int j = 0; j < width; j++) {
                Object value = j == 0 ? change.key() : row.get(at[j - 1]);
                Class<?> type = ValueBinders.typedClass(value);
                if (value != null && (type == null || typed[j] != null && typed[j] != type)) {
                    asText[j] = true;
                } else if (type != null) {
                    typed[j] = type;
                }
            }
        }
        RowN[] rows = new RowN[part.size() + 1];
        Field<?>[] typing = new Field<?>[width + 1];
        for (int j = 0; j < width; j++) {
            typing[j] = asText[j] || typed[j] == null ? columnTyped[j] : DSL.inline((Object) null);
        }
        typing[width] = DSL.inline((Object) null);
        rows[0] = DSL.row(typing);
        for (int i = 0; i < part.size(); i++) {
            Change change = part.get(i);
            Row row = change.requireRow();
            int[] at = positions.of(row);
            Field<?>[] values = new Field<?>[width + 1];
            for (int j = 0; j < width; j++) {
                Object value = j == 0 ? change.key() : row.get(at[j - 1]);
                values[j] = asText[j] ? ValueBinders.bindText(value) : ValueBinders.bind(value);
            }
            values[width] = DSL.val(i);
            rows[i + 1] = DSL.row(values);
        }
        Table<Record> values = DSL.values(rows).as(VALUES_ALIAS, valuesColumns);
        return DSL.update(target.as(TARGET_ALIAS)).set(fromValues).from(values).where(sameKey).returning(ordinal);
    }

    /**
     * {@code DELETE FROM table WHERE key = ANY(?)}, the keys bound as one untyped array of their text forms: the same
     * SQL text and one bind value for any number of keys.
     *
     * @param keys the keys
     * @return the statement
     */
    Query delete(List<Object> keys) {
        List<String> texts = new ArrayList<>(keys.size());
        for (Object k : keys) {
            texts.add(ValueBinders.text(k));
        }
        return DSL.deleteFrom(target).where(Sql.inTexts(keyField, texts));
    }

    /**
     * {@code CREATE TABLE IF NOT EXISTS} with the key column as primary key, each column of a declared type or else
     * of the type of its first non-null value in the batch ({@code text} when there is none).
     *
     * @param batch the first batch
     * @param declared declared types by column name
     * @return the statement
     */
    Query createTable(List<Change> batch, Map<String, DataType<?>> declared) {
        @Nullable Object[] samples = new Object[fields.size()];
        Positions positions = new Positions();
        for (Change change : batch) {
            Row row = change.row();
            if (row == null) {
                continue;
            }
            int[] at = positions.of(row);
            for (int i = 0; i < at.length; i++) {
                if (samples[i] == null) {
                    samples[i] = row.get(at[i]);
                }
            }
        }
        CreateTableElementListStep create = DSL.createTableIfNotExists(tableName).column(Sql.name(key),
            declared.getOrDefault(key, ValueBinders.columnType(batch.get(0).key())).notNull());
        for (int i = 0; i < fields.size(); i++) {
            create = create.column(Sql.name(fields.get(i)),
                declared.getOrDefault(fields.get(i), ValueBinders.columnType(samples[i])));
        }
        return create.primaryKey(Sql.name(key));
    }

    /** The positions of the written fields in rows of one layout, computed again only when the layout changes. */
    private final class Positions {
        private @Nullable RowLayout layout;
        private int[] at = new int[0];

        int[] of(Row row) {
            if (row.layout() != layout) {
                RowLayout l = row.layout();
                int[] positions = new int[fields.size()];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = l.indexOf(fields.get(i));
                    if (positions[i] < 0) {
                        throw new IllegalArgumentException("A row has no field '" + fields.get(i) + "' (its fields are "
                            + l.names() + "): PostgresTableDestination writes every field of SyncContext.fields()");
                    }
                }
                layout = l;
                at = positions;
            }
            return at;
        }
    }
}
