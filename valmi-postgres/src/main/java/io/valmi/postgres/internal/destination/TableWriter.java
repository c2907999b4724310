package io.valmi.postgres.internal.destination;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConnectionProvider;
import org.jspecify.annotations.Nullable;
import io.valmi.postgres.internal.Errors;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of changes into one PostgreSQL table, one transaction per batch. All SQL is rendered by jOOQ with
 * quoted names and bind values (catalog queries are constant templates with bind values). jOOQ's execute logging is
 * off, so that no row value reaches a log line.
 */
public final class TableWriter {
    private static final Logger log = LoggerFactory.getLogger("io.valmi.postgres.PostgresTableDestination");
    /** PostgreSQL accepts at most 65535 bind values per statement; stay well below. */
    private static final int MAX_BINDS = 30_000;
    /** Quoted names always; no execute logging (it would log bind values, i.e. row data, at DEBUG). */
    private static final org.jooq.conf.Settings SETTINGS = new org.jooq.conf.Settings()
        .withRenderQuotedNames(org.jooq.conf.RenderQuotedNames.ALWAYS)
        .withExecuteLogging(false);

    private final DataSource dataSource;
    private final String schema;
    private final String table;
    private final @Nullable String configuredKey;
    private final boolean createTable;
    private final Map<String, DataType<?>> columnTypes;

    private @Nullable String keyColumn;
    private List<String> fields = List.of();
    private DestinationMode mode = DestinationMode.UPSERT;
    private boolean tableMissing;

    /**
     * Creates a writer.
     *
     * @param dataSource connections to the target database
     * @param schema the target schema
     * @param table the target table
     * @param keyColumn the key column in the target, or {@code null} for the mapping's key column name
     * @param createTable whether to create a missing table (and schema)
     * @param columnTypes column types for a created table, by field name; other types follow the first batch
     */
    public TableWriter(DataSource dataSource, String schema, String table, @Nullable String keyColumn,
                       boolean createTable, Map<String, DataType<?>> columnTypes) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.table = table;
        this.configuredKey = keyColumn;
        this.createTable = createTable;
        this.columnTypes = Map.copyOf(columnTypes);
    }

    /**
     * Checks the target table against the mapping: it exists (or may be created), has a column for the key and
     * every field, and has a unique index on the key where the mode needs {@code ON CONFLICT}.
     *
     * @param context the run
     * @throws ConfigurationException naming what is missing and how to fix it
     * @throws DestinationException when the database cannot be reached
     */
    public void open(SyncContext context) {
        String key = configuredKey != null ? configuredKey : context.mapping().keyColumn();
        this.keyColumn = key;
        this.mode = context.destinationMode();
        this.fields = context.fields();
        try (Connection c = dataSource.getConnection()) {
            DSLContext ctx = dsl(c);
            Set<String> columns = new HashSet<>(ctx.fetch("select a.attname from pg_catalog.pg_attribute a"
                + " join pg_catalog.pg_class c on c.oid = a.attrelid"
                + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = ? and c.relname = ? and c.relkind in ('r', 'p')"
                + " and a.attnum > 0 and not a.attisdropped", schema, table).getValues(0, String.class));
            tableMissing = columns.isEmpty();
            if (tableMissing) {
                if (!createTable) {
                    throw new ConfigurationException("Target table " + qualified() + " does not exist (or the user of "
                        + "the DataSource cannot see it): create it, or set PostgresTableDestination.Builder"
                        + ".createTable(true)");
                }
                return;
            }
            Set<String> missing = new TreeSet<>();
            if (!columns.contains(key)) {
                missing.add(key);
            }
            for (String field : fields) {
                if (!columns.contains(field)) {
                    missing.add(field);
                }
            }
            if (!missing.isEmpty()) {
                throw new ConfigurationException("Target table " + qualified() + " has no column " + missing
                    + " for the mapped fields: add the columns, or map to the names the table has");
            }
            if (mode != DestinationMode.UPDATE && !hasUniqueIndex(ctx, key)) {
                throw new ConfigurationException("Target table " + qualified() + " has no primary key or unique index "
                    + "on exactly column \"" + key + "\", which " + mode + " mode needs (INSERT ... ON CONFLICT): add "
                    + "one, for example ALTER TABLE ... ADD PRIMARY KEY (\"" + key + "\")");
            }
        } catch (SQLException | DataAccessException e) {
            throw failure("check the target table", e);
        }
    }

    private boolean hasUniqueIndex(DSLContext ctx, String key) {
        return ctx.fetchSingle("select count(*) from pg_catalog.pg_index i"
            + " join pg_catalog.pg_class c on c.oid = i.indrelid"
            + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
            + " join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]"
            + " where n.nspname = ? and c.relname = ? and a.attname = ? and i.indisunique and i.indnkeyatts = 1"
            + " and i.indpred is null and i.indexprs is null", schema, table, key).get(0, Long.class) > 0;
    }

    /**
     * Writes one batch in one transaction. When PostgreSQL refuses the data of some rows (SQLSTATE classes 22 and
     * 23: a value too long, a violated constraint), the batch is written again row by row and those rows are
     * rejected with PostgreSQL's message; the others are applied.
     *
     * @param batch the changes
     * @return ok, or the rejected rows
     */
    public WriteResult write(List<Change> batch) {
        String key = keyColumn;
        if (key == null) {
            throw new IllegalStateException("PostgresTableDestination.write was called before open(SyncContext)");
        }
        try {
            WriteResult result = inTransaction((ctx, c) -> {
                createIfMissing(ctx, key, batch);
                return apply(ctx, key, batch);
            });
            tableMissing = false; // committed: the table (created now or before) exists
            return result;
        } catch (DataAccessException e) {
            if (!isDataError(e)) {
                throw failure("write a batch of " + batch.size() + " changes", e);
            }
            log.debug("Batch of {} changes refused by PostgreSQL ({}), writing it row by row", batch.size(),
                e.sqlState());
            try {
                WriteResult result = inTransaction((ctx, c) -> {
                    createIfMissing(ctx, key, batch);
                    return rowByRow(ctx, c, key, batch);
                });
                tableMissing = false;
                return result;
            } catch (SQLException | DataAccessException again) {
                throw failure("write a batch of " + batch.size() + " changes row by row", again);
            }
        } catch (SQLException e) {
            throw failure("write a batch of " + batch.size() + " changes", e);
        }
    }

    @FunctionalInterface
    private interface Work {
        WriteResult run(DSLContext ctx, Connection c) throws SQLException;
    }

    private WriteResult inTransaction(Work work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                WriteResult result = work.run(dsl(c), c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /**
     * Creates the missing table in the batch's transaction, with column types from the whole batch. The flag
     * {@code tableMissing} is cleared only after that transaction commits: a batch that rolls back also rolls back
     * the CREATE TABLE, and the next attempt creates it again.
     */
    private void createIfMissing(DSLContext ctx, String key, List<Change> batch) {
        if (tableMissing) {
            create(ctx, key, batch);
        }
    }

    private WriteResult apply(DSLContext ctx, String key, List<Change> batch) {
        WriteResult.Builder result = WriteResult.builder();
        List<Change> writes = new ArrayList<>(batch.size());
        List<Object> removals = new ArrayList<>();
        for (Change change : batch) {
            if (change.kind() == ChangeKind.REMOVED) {
                removals.add(change.key());
            } else {
                writes.add(change);
            }
        }
        if (!removals.isEmpty()) {
            if (mode != DestinationMode.MIRROR) {
                throw new IllegalStateException("A REMOVED change reached PostgresTableDestination in " + mode + " mode");
            }
            for (List<Object> part : parts(removals, MAX_BINDS)) {
                ctx.deleteFrom(target()).where(keyField(key).in(part.stream().map(Values::bind).toArray(Field[]::new)))
                    .execute();
            }
        }
        if (writes.isEmpty()) {
            return result.build();
        }
        if (mode == DestinationMode.UPDATE) {
            for (Change change : writes) {
                int updated = ctx.update(target()).set(assignments(change.requireRow(), key))
                    .where(keyField(key).eq(Values.bind(change.key()))).execute();
                if (updated == 0) {
                    result.reject(change, "no row with " + key + " = " + change.key() + " in " + qualified()
                        + " to update (UPDATE mode changes existing rows only)");
                }
            }
            return result.build();
        }
        List<Field<?>> columns = columns(key);
        for (List<Change> part : parts(writes, Math.max(1, MAX_BINDS / columns.size()))) {
            InsertValuesStepN<Record> insert = ctx.insertInto(target(), columns);
            for (Change change : part) {
                insert = insert.values(values(change, key));
            }
            Query query;
            Map<Field<?>, Field<?>> updates = new LinkedHashMap<>();
            for (Field<?> column : columns.subList(1, columns.size())) {
                updates.put(column, DSL.excluded(column));
            }
            if (mode == DestinationMode.INSERT || updates.isEmpty()) {
                query = insert.onConflict(keyField(key)).doNothing();
            } else {
                query = insert.onConflict(keyField(key)).doUpdate().set(updates);
            }
            query.execute();
        }
        return result.build();
    }

    private WriteResult rowByRow(DSLContext ctx, Connection c, String key, List<Change> batch) throws SQLException {
        List<Rejection> rejections = new ArrayList<>();
        for (Change change : batch) {
            Savepoint savepoint = c.setSavepoint();
            try {
                WriteResult one = apply(ctx, key, List.of(change));
                rejections.addAll(one.rejections());
                c.releaseSavepoint(savepoint);
            } catch (DataAccessException e) {
                if (!isDataError(e)) {
                    throw e;
                }
                c.rollback(savepoint);
                rejections.add(new Rejection(change.key(), "PostgreSQL refused the row for " + qualified()
                    + " (SQLSTATE " + e.sqlState() + "): " + serverMessage(e)));
            }
        }
        return WriteResult.rejected(rejections);
    }

    private void create(DSLContext ctx, String key, List<Change> batch) {
        Object keySample = batch.get(0).key();
        Map<String, @Nullable Object> samples = new LinkedHashMap<>();
        for (String field : fields) {
            samples.put(field, null);
        }
        for (Change change : batch) {
            Row row = change.row();
            if (row == null) {
                continue;
            }
            for (int i = 0; i < row.size(); i++) {
                if (samples.get(row.fieldNames().get(i)) == null && row.get(i) != null) {
                    samples.put(row.fieldNames().get(i), row.get(i));
                }
            }
        }
        if (ctx.fetchSingle("select count(*) from pg_catalog.pg_namespace where nspname = ?", schema)
            .get(0, Long.class) == 0) {
            ctx.createSchemaIfNotExists(DSL.quotedName(schema)).execute();
        }
        var create = ctx.createTableIfNotExists(DSL.quotedName(schema, table))
            .column(DSL.quotedName(key), columnTypes.getOrDefault(key, Values.columnType(keySample)).notNull());
        for (Map.Entry<String, @Nullable Object> e : samples.entrySet()) {
            if (!e.getKey().equals(key)) {
                create = create.column(DSL.quotedName(e.getKey()),
                    columnTypes.getOrDefault(e.getKey(), Values.columnType(e.getValue())));
            }
        }
        create.primaryKey(DSL.quotedName(key)).execute();
        log.info("Created target table {} with key column \"{}\"", qualified(), key);
    }

    /** A jOOQ context on a connection; the dialect is fixed, never detected. */
    private static DSLContext dsl(Connection c) {
        return DSL.using(new DefaultConnectionProvider(c), SQLDialect.POSTGRES, SETTINGS);
    }

    private Table<Record> target() {
        return DSL.table(DSL.quotedName(schema, table));
    }

    private static Field<Object> keyField(String key) {
        return DSL.field(DSL.quotedName(key));
    }

    /** The key column first, then every mapped field except one named like the key column. */
    private List<Field<?>> columns(String key) {
        List<Field<?>> columns = new ArrayList<>(fields.size() + 1);
        columns.add(keyField(key));
        for (String field : fields) {
            if (!field.equals(key)) {
                columns.add(DSL.field(DSL.quotedName(field)));
            }
        }
        return columns;
    }

    private Field<?>[] values(Change change, String key) {
        Row row = change.requireRow();
        List<Field<?>> values = new ArrayList<>(row.size() + 1);
        values.add(Values.bind(change.key()));
        for (int i = 0; i < row.size(); i++) {
            if (!row.fieldNames().get(i).equals(key)) {
                values.add(Values.bind(row.get(i)));
            }
        }
        return values.toArray(Field[]::new);
    }

    private static Map<Field<?>, Field<?>> assignments(Row row, String key) {
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        for (int i = 0; i < row.size(); i++) {
            String name = row.fieldNames().get(i);
            if (!name.equals(key)) {
                set.put(DSL.field(DSL.quotedName(name)), Values.bind(row.get(i)));
            }
        }
        if (set.isEmpty()) {
            set.put(keyField(key), keyField(key));
        }
        return set;
    }

    private static <T> List<List<T>> parts(List<T> all, int size) {
        List<List<T>> parts = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            parts.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return parts;
    }

    private static boolean isDataError(DataAccessException e) {
        String state = e.sqlState();
        return state.startsWith("22") || state.startsWith("23");
    }

    /**
     * Classifies a failure with the same allow-list as the source ({@link Errors#isRetriable(String)}): connection
     * trouble, serialization failures, deadlocks, lock timeouts and shutdowns are retriable; everything else
     * (missing privileges, unknown objects, a trigger's exception, ...) is not, so the same batch is not retried in
     * vain.
     */
    private DestinationException failure(String what, Exception e) {
        String state = e instanceof DataAccessException ? ((DataAccessException) e).sqlState()
            : e instanceof SQLException && ((SQLException) e).getSQLState() != null ? ((SQLException) e).getSQLState()
            : "";
        return new DestinationException("PostgresTableDestination could not " + what + " in " + qualified()
            + " (SQLSTATE " + (state.isEmpty() ? "unknown" : state) + "): " + serverMessage(e)
            + (state.equals("42501") ? ". Grant the user of the DataSource the privileges it needs on the table" : ""),
            e, Errors.isRetriable(state));
    }

    /**
     * PostgreSQL's primary message, with the column and constraint it names, but never its DETAIL, which quotes row
     * values ("Failing row contains (...)"): rejection reasons and exception messages reach log lines.
     */
    private static String serverMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PSQLException && ((PSQLException) t).getServerErrorMessage() != null) {
                ServerErrorMessage m = ((PSQLException) t).getServerErrorMessage();
                return m.getMessage() + (m.getColumn() == null ? "" : " (column " + m.getColumn() + ")")
                    + (m.getConstraint() == null ? "" : " (constraint " + m.getConstraint() + ")");
            }
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    /**
     * The quoted, qualified table name for messages.
     *
     * @return for example {@code "public"."customers"}
     */
    public String qualified() {
        Name name = DSL.quotedName(schema, table);
        return DSL.using(SQLDialect.POSTGRES).render(name);
    }
}
