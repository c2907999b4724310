package io.valmi.postgres.internal;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.FieldMapping;
import io.valmi.Rejection;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jooq.DataType;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;

/**
 * Writes batches of changes into one PostgreSQL table, one transaction per batch. All SQL is rendered by jOOQ with
 * quoted names and bind values and executed through {@link Sql}, which never logs a statement's values.
 */
public final class TableWriter {
    private static final Logger log = Logs.TABLE_DESTINATION;
    /** PostgreSQL accepts at most 65535 bind values per statement (and jOOQ inlines past 32767); stay well below. */
    private static final int MAX_BINDS = 30_000;

    private final DataSource dataSource;
    private final String schema;
    private final String table;
    private final String qualified;
    private final @Nullable String configuredKey;
    private final boolean createTable;
    private final Map<String, DeclaredType> columnTypes;
    /** The types of a table created by this run: {@link #columnTypes}, then the source's, by field. */
    private Map<String, DataType<?>> createTypes = Map.of();

    private @Nullable TableStatements statements;
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
     * @param columnTypes PostgreSQL type names for the columns of a created table, by field name (e.g.
     *     {@code numeric(12,2)}); other types follow the source or the first batch
     * @throws ConfigurationException when a type is not a PostgreSQL type name ({@link DeclaredType})
     */
    public TableWriter(DataSource dataSource, String schema, String table, @Nullable String keyColumn,
                       boolean createTable, Map<String, String> columnTypes) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.table = table;
        this.qualified = Sql.JOOQ.render(Sql.name(schema, table));
        this.configuredKey = keyColumn;
        this.createTable = createTable;
        Map<String, DeclaredType> declared = new HashMap<>();
        columnTypes.forEach((column, type) -> declared.put(column, DeclaredType.parse(column, type)));
        this.columnTypes = Map.copyOf(declared);
    }

    /**
     * Checks the target table against the mapping: it exists (or may be created), has a column for the key and
     * every field, and, where the mode needs {@code ON CONFLICT}, a unique index on the key that is not deferrable.
     *
     * @param context the run
     * @throws ConfigurationException naming what is missing and how to fix it
     * @throws DestinationException when the database cannot be reached
     */
    public void open(SyncContext context) {
        this.statements = null;
        String key = configuredKey != null ? configuredKey : context.mapping().keyColumn();
        DestinationMode runMode = context.destinationMode();
        List<String> fields = context.fields();
        for (FieldMapping field : context.mapping().fields()) {
            // The key column is written from Change.key(): a field of that name from another column would be lost.
            if (field.destinationField().equals(key) && !field.sourceColumn().equals(context.mapping().keyColumn())) {
                throw new ConfigurationException("Field '" + field.destinationField() + "' (from source column '"
                    + field.sourceColumn() + "') is named like the key column \"" + key + "\" of target table "
                    + qualified + ", which is written from the key (source column '" + context.mapping().keyColumn()
                    + "'): map column '" + field.sourceColumn() + "' to another field name, or set another "
                    + "PostgresTableDestination.Builder.keyColumn(name)");
            }
        }
        try (Connection c = dataSource.getConnection()) {
            Optional<CatalogQueries.RelationRef> relation = CatalogQueries.relation(c, schema, table);
            tableMissing = relation.isEmpty();
            if (tableMissing && !createTable) {
                throw new ConfigurationException("Target table " + qualified + " does not exist (or the user of "
                    + "the DataSource cannot see it): create it, or set PostgresTableDestination.Builder"
                    + ".createTable(true)");
            }
            if (!tableMissing) {
                checkTable(c, relation.get().oid(), relation.get().relkind(), key, fields, runMode);
            } else {
                refuseUnknownColumnTypes(key, fields);
                checkDeclaredTypes(c);
            }
        } catch (SQLException e) {
            throw failure("check the target table", e);
        }
        this.mode = runMode;
        this.statements = new TableStatements(schema, table, key, fields);
        // Types for a table created here: the user's, else the source's (a built-in type), else the first batch's.
        Map<String, DataType<?>> types = new HashMap<>();
        for (String field : fields) {
            context.sourceType(field).flatMap(SourceTypes::ddlType).ifPresent(t -> types.put(field, t));
        }
        context.sourceType(context.mapping().keyColumn()).flatMap(SourceTypes::ddlType)
            .ifPresent(t -> types.put(key, t));
        columnTypes.forEach((column, type) -> types.put(column, type.dataType()));
        this.createTypes = types;
    }

    /** A declared type for a column the created table would not have is a typo (or a source column's name). */
    private void refuseUnknownColumnTypes(String key, List<String> fields) {
        Set<String> unknown = new TreeSet<>(columnTypes.keySet());
        unknown.remove(key);
        fields.forEach(unknown::remove);
        if (!unknown.isEmpty()) {
            throw new ConfigurationException("Target table " + qualified + " would be created without column"
                + (unknown.size() == 1 ? " " : "s ") + unknown.stream().map(u -> "\"" + u + "\"")
                .collect(Collectors.joining(", ")) + " that PostgresTableDestination.Builder.columnType declares a"
                + " type for: its columns are the key \"" + key + "\" and the mapped fields " + fields + ". Declare"
                + " the type of a destination field (the name the Mapping gives it, not the source column's), or"
                + " remove the declaration");
        }
    }

    /**
     * Asks the target database whether each declared type exists and takes its modifiers ({@code SELECT CAST(NULL
     * AS type)}), so that a wrong one fails here, naming its column, rather than the first batch's {@code CREATE
     * TABLE}.
     */
    private void checkDeclaredTypes(Connection c) throws SQLException {
        for (DeclaredType type : columnTypes.values()) {
            @Nullable Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
            try {
                Sql.fetch(c, DSL.select(DSL.castNull(type.dataType())), rs -> rs.getObject(1));
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (!state.startsWith("42") && !state.startsWith("22")) {
                    throw e;
                }
                if (savepoint != null) {
                    c.rollback(savepoint);
                }
                throw new ConfigurationException("Target table " + qualified + " would be created with column \""
                    + type.column() + "\" of type " + type.sql() + ", which PostgreSQL refuses (SQLSTATE " + state
                    + "): " + serverMessage(e) + ". Fix PostgresTableDestination.Builder.columnType(\""
                    + type.column() + "\", type), for example numeric(12,2), varchar(20), timestamptz or text[]");
            }
            if (savepoint != null) {
                c.releaseSavepoint(savepoint);
            }
        }
    }

    private void checkTable(Connection c, long oid, String relkind, String key, List<String> fields,
                            DestinationMode runMode) throws SQLException {
        if (!relkind.equals("r") && !relkind.equals("p")) {
            throw new ConfigurationException("Target table " + qualified + " is " + (relkind.equals("v") ? "a view"
                : relkind.equals("m") ? "a materialized view" : relkind.equals("f") ? "a foreign table"
                : "a relation of kind " + relkind) + ", not a table: write into a table, or set another "
                + "PostgresTableDestination.Builder.table(name)");
        }
        Set<String> columns = CatalogQueries.columns(c, oid).stream().map(CatalogQueries.ColumnRow::name)
            .collect(Collectors.toSet());
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
            throw new ConfigurationException("Target table " + qualified + " has no column " + missing
                + " for the mapped fields: add the columns, or map to the names the table has");
        }
        if (runMode == DestinationMode.UPDATE) {
            return;
        }
        List<CatalogQueries.KeyRow> keys = CatalogQueries.uniqueColumns(c, oid).stream()
            .filter(k -> k.column().equals(key)).toList();
        if (keys.isEmpty()) {
            throw new ConfigurationException("Target table " + qualified + " has no primary key or unique index "
                + "on exactly column \"" + key + "\", which " + runMode + " mode needs (INSERT ... ON CONFLICT): add "
                + "one, for example ALTER TABLE ... ADD PRIMARY KEY (\"" + key + "\")");
        }
        for (CatalogQueries.KeyRow k : keys) {
            if (!k.immediate()) {
                // PostgreSQL refuses ON CONFLICT (key) while any unique index on the key is deferrable, even next to
                // one that is not.
                String constraint = Sql.JOOQ.render(Sql.name(String.valueOf(k.constraint())));
                String column = Sql.JOOQ.render(Sql.name(key));
                throw new ConfigurationException("Target table " + qualified + " has a DEFERRABLE "
                    + (k.primary() ? "primary key " : "unique constraint ") + constraint + " on column " + column
                    + ", and " + runMode + " mode's INSERT ... ON CONFLICT cannot use deferrable constraints: make it "
                    + "NOT DEFERRABLE, for example ALTER TABLE " + qualified + " DROP CONSTRAINT " + constraint
                    + ", ADD CONSTRAINT " + constraint + (k.primary() ? " PRIMARY KEY (" : " UNIQUE (") + column + ")");
            }
        }
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
        TableStatements sql = statements;
        if (sql == null) {
            throw new IllegalStateException(
                "PostgresTableDestination.write was called before open(SyncContext) succeeded");
        }
        try {
            WriteResult result = inTransaction(c -> {
                createIfMissing(c, sql, batch);
                return apply(c, sql, batch);
            });
            tableMissing = false; // committed: the table (created now or before) exists
            return result;
        } catch (SQLException e) {
            if (!isDataError(e)) {
                throw failure("write a batch of " + batch.size() + " changes", e);
            }
            log.debug("Batch of {} changes refused by PostgreSQL ({}), writing it row by row", batch.size(),
                e.getSQLState());
            try {
                WriteResult result = inTransaction(c -> {
                    createIfMissing(c, sql, batch);
                    return rowByRow(c, sql, batch);
                });
                tableMissing = false;
                return result;
            } catch (SQLException again) {
                throw failure("write a batch of " + batch.size() + " changes row by row", again);
            }
        }
    }

    @FunctionalInterface
    private interface Work {
        WriteResult run(Connection c) throws SQLException;
    }

    private WriteResult inTransaction(Work work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                WriteResult result = work.run(c);
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
     * Creates the missing table (and schema) in the batch's transaction, with column types from the whole batch. The
     * flag {@code tableMissing} is cleared only after that transaction commits: a batch that rolls back also rolls
     * back the CREATE TABLE, and the next attempt creates it again.
     */
    private void createIfMissing(Connection c, TableStatements sql, List<Change> batch) throws SQLException {
        if (!tableMissing) {
            return;
        }
        if (!CatalogQueries.schemaExists(c, schema)) { // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database
            Sql.execute(c, DSL.createSchemaIfNotExists(Sql.name(schema)));
        }
        Sql.execute(c, sql.createTable(batch, createTypes));
        log.info("Created target table {} with key column \"{}\"", qualified, sql.key());
    }

    private WriteResult apply(Connection c, TableStatements sql, List<Change> batch) throws SQLException {
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
                throw new IllegalStateException("A REMOVED change reached PostgresTableDestination in " + mode
                    + " mode");
            }
            Sql.execute(c, sql.delete(removals));
        }
        if (mode == DestinationMode.UPDATE) {
            return update(c, sql, writes);
        }
        for (List<Change> part : parts(writes, MAX_BINDS / sql.width())) {
            Sql.execute(c, mode == DestinationMode.INSERT ? sql.insertNew(part) : sql.upsert(part));
        }
        return WriteResult.ok();
    }

    /** UPDATE mode: one statement per batch (or per {@link #MAX_BINDS} values); a key it does not find is rejected. */
    private WriteResult update(Connection c, TableStatements sql, List<Change> writes) throws SQLException {
        WriteResult.Builder result = WriteResult.builder();
        for (List<Change> part : parts(writes, MAX_BINDS / (sql.width() + 1))) {
            boolean[] found = new boolean[part.size()];
            for (int i : Sql.fetch(c, sql.update(part), rs -> rs.getInt(1))) {
                found[i] = true;
            }
            for (int i = 0; i < found.length; i++) {
                if (!found[i]) {
                    Change change = part.get(i);
                    result.reject(change, "no row with " + sql.key() + " = " + change.key() + " in " + qualified
                        + " to update (UPDATE mode changes existing rows only)");
                }
            }
        }
        return result.build();
    }

    private WriteResult rowByRow(Connection c, TableStatements sql, List<Change> batch) throws SQLException {
        List<Rejection> rejections = new ArrayList<>();
        for (Change change : batch) {
            Savepoint savepoint = c.setSavepoint();
            try {
                WriteResult one = apply(c, sql, List.of(change));
                rejections.addAll(one.rejections());
                c.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (!isDataError(e)) {
                    throw e;
                }
                c.rollback(savepoint);
                rejections.add(new Rejection(change.key(), "PostgreSQL refused the row for " + qualified
                    + " (SQLSTATE " + e.getSQLState() + "): " + serverMessage(e)));
            }
        }
        return WriteResult.rejected(rejections);
    }

    private static <T> List<List<T>> parts(List<T> all, int size) {
        int step = Math.max(1, size);
        List<List<T>> parts = new ArrayList<>();
        for (int i = 0; i < all.size(); i += step) {
            parts.add(all.subList(i, Math.min(all.size(), i + step)));
        }
        return parts;
    }

    private static boolean isDataError(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("22") || state.startsWith("23");
    }

    /**
     * Classifies a failure with the same allow-list as the source ({@link Errors#isRetriable(String)}): connection
     * trouble, serialization failures, deadlocks, lock timeouts and shutdowns are retriable; everything else
     * (missing privileges, unknown objects, a trigger's exception, ...) is not, so the same batch is not retried in
     * vain.
     */
    private DestinationException failure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return new DestinationException("PostgresTableDestination could not " + what + " in " + qualified
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
        return qualified;
    }
}
