package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.constraint;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** DDL and job records in the bookkeeping schema (the only schema the library ever changes). */
public final class Bookkeeping {
    /**
     * Column of {@code valmi_jobs}: the keys of the batch in flight (an array of the keys' text forms), written before
     * the batch is handed to the destination and cleared in the transaction that records its acknowledgement. Keys
     * left there by a failed or killed run are put in doubt in the snapshot when the next run starts.
     */
    public static final String IN_DOUBT = "in_doubt";

    /**
     * Column of {@code valmi_jobs}: what the row versions in the snapshot were taken over (the relation, its kind and
     * the mapped columns with their types, see {@link PlanSql#versionScope()}). When it changes, every stored row
     * version is forgotten, so that each row is hashed and compared again.
     */
    public static final String VERSION_SCOPE = "version_scope";

    /**
     * Column of {@code valmi_jobs}: the mapped columns and their types at the last run. When they change, what is sent
     * for every row changes (a new column, a value of another type), so every key is put in doubt (sent again).
     */
    public static final String MAPPED_COLUMNS = "mapped_columns";

    /**
     * Column of {@code valmi_jobs}: the run id of a first sync in progress ({@link PgRun}'s first-sync mode), whose
     * batches write their snapshot rows before they are handed out; {@code NULL} otherwise.
     */
    public static final String FIRST_SYNC_RUN = "first_sync_run";

    /**
     * Column of {@code valmi_jobs}: the text form of the last key of the first sync's last acknowledged batch
     * ({@code NULL} before the first acknowledgement): snapshot rows above it may or may not be held by the
     * destination until the run records more.
     */
    public static final String FIRST_SYNC_ACKED = "first_sync_acked";

    /**
     * Column of {@code valmi_jobs}: the version of the job's own tables (snapshot, issues) when the job last ran
     * ({@link #JOB_TABLES_VERSION}); {@code NULL} for a job recorded before the schema had versions.
     */
    public static final String TABLES_VERSION = "tables_version";

    /**
     * The version of a job's own tables this library needs. 1: the snapshot with its row versions ({@code xr},
     * {@code xe}) and the issues table; 2: the snapshot's in-doubt lease ({@link JobTables#DU}).
     */
    static final int JOB_TABLES_VERSION = 2;

    private Bookkeeping() {
    }

    private static boolean hasColumn(Connection c, long oid, String column) throws SQLException {
        return CatalogQueries.columns(c, oid).stream().anyMatch(col -> col.name().equals(column));
    }

    /**
     * Serializes DDL in the bookkeeping schema among concurrent runs (transaction-scoped advisory lock).
     *
     * @param c the connection, in a transaction
     * @param schema the bookkeeping schema
     * @throws SQLException on failure
     */
    public static void lockDdl(Connection c, String schema) throws SQLException {
        Sql.fetch(c, DSL.select(DSL.function(name("pg_catalog", "pg_advisory_xact_lock"), SQLDataType.OTHER,
            DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT, val("valmi bookkeeping " + schema),
                inline(0)))), rs -> null);
    }

    /** How full a snapshot's pages are written (percent). */
    static final int SNAPSHOT_FILLFACTOR = 90;

    /**
     * Creates the job's snapshot (LOGGED, keyed) and issues tables if missing, and brings tables made by an earlier
     * version to {@link #JOB_TABLES_VERSION}. Called when the job record says its tables are older than that (or
     * there is no job record), not on every run.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param keySource a select of one column named {@code k} with the source key's type (no rows are read)
     * @param schema the bookkeeping schema, to hand new tables to its owner
     * @return whether the snapshot was created now
     * @throws SQLException on failure
     */
    static boolean ensureJobTables(Connection c, JobTables t, org.jooq.Select<?> keySource,
                                   BookkeepingSchema.State schema) throws SQLException {
        boolean created = false;
        Bookkeeping.lockDdl(c, t.schema());
        if (!tableExists(c, t.schema(), t.snapshotName().last())) {
            Sql.execute(c, DSL.createTable(t.snapshotName()).as(DSL.select(
                    field(name("x", JobTables.K)).as(JobTables.K),
                    DSL.castNull(SQLDataType.BIGINT).as(JobTables.H),
                    inline(false).as(JobTables.D),
                    JobTables.nullXid().as(JobTables.XR),
                    DSL.castNull(SQLDataType.BIGINT).as(JobTables.XE),
                    DSL.castNull(SQLDataType.TIMESTAMPWITHTIMEZONE).as(JobTables.DU))
                .from(keySource.asTable("x"))).withNoData());
            Sql.execute(c, DSL.alterTable(t.snapshotName()).add(
                constraint(t.snapshotName().last() + "_pk").primaryKey(JobTables.K)));
            Sql.execute(c, DSL.alterTable(t.snapshotName()).alter(JobTables.D).setNotNull());
            // Room on each page for the new versions of its rows: an acknowledgement's update then stays on the page
            // and leaves the key index alone (a HOT update), half the time of one that moves the row.
            Sql.execute(c, DSL.query("ALTER TABLE {0} SET (fillfactor = {1})", t.snapshotName(),
                inline(SNAPSHOT_FILLFACTOR)));
            schema.share(c, t.snapshotName());
            created = true;
        } else {
            Long oid = (Long) CatalogQueries.relation(c, t.schema(), t.snapshotName().last()).orElseThrow()[0];
            if (!hasColumn(c, oid, JobTables.XR)) {
                // A snapshot made by an earlier version: no row versions yet (every row is hashed on the next run).
                Sql.execute(c, DSL.query("ALTER TABLE {0} ADD COLUMN {1} {2}, ADD COLUMN {3} bigint", t.snapshotName(),
                    name(JobTables.XR), name("pg_catalog", "xid"), name(JobTables.XE)));
            }
            Sql.execute(c, DSL.alterTable(t.snapshotName()).addColumnIfNotExists(JobTables.DU,
                SQLDataType.TIMESTAMPWITHTIMEZONE));
        }
        if (!tableExists(c, t.schema(), t.issuesName().last())) {
            Sql.execute(c, DSL.createTable(t.issuesName())
                .column("run_id", SQLDataType.CLOB.nullable(false))
                .column("reason", SQLDataType.CLOB.nullable(false))
                .column("key_text", SQLDataType.CLOB)
                .column("detail", SQLDataType.CLOB)
                .column("recorded_at", SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                    .defaultValue(DSL.currentOffsetDateTime())));
            schema.share(c, t.issuesName());
        }
        return created;
    }

    /**
     * Reads the snapshot's keys again as the source key column's type and collation, after the column changed (the
     * plan compares them with the source's keys; a text key of another collation cannot even be compared). Each key
     * is printed by its old type and parsed by the new one's input function (through the row type of the new table,
     * so no type is named in SQL): {@code int} to {@code bigint}, {@code varchar} to {@code text} or a collation
     * change keep every key; a key the new type cannot read fails the run, with what to do.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param keySource a select of one column named {@code k} with the source key's type (no rows are read)
     * @param schema the bookkeeping schema, to hand the new table to its owner
     * @param jobId the job, for messages
     * @param before the key's recorded type
     * @param after the key's type now
     * @return how many keys were converted
     * @throws SQLException on failure
     */
    static long convertSnapshotKeys(Connection c, JobTables t, org.jooq.Select<?> keySource,
                                    BookkeepingSchema.State schema, String jobId, String before, String after)
        throws SQLException {
        lockDdl(c, t.schema());
        org.jooq.Name converted = name(t.schema(), t.snapshotName().last() + "_conv");
        Sql.execute(c, DSL.dropTableIfExists(converted));
        Sql.execute(c, DSL.createTable(converted).as(DSL.select(
                field(name("x", JobTables.K)).as(JobTables.K),
                DSL.castNull(SQLDataType.BIGINT).as(JobTables.H),
                inline(false).as(JobTables.D),
                JobTables.nullXid().as(JobTables.XR),
                DSL.castNull(SQLDataType.BIGINT).as(JobTables.XE),
                DSL.castNull(SQLDataType.TIMESTAMPWITHTIMEZONE).as(JobTables.DU))
            .from(keySource.asTable("x"))).withNoData());
        Field<Object> newKey = DSL.field("(CAST(CAST(ROW(CAST({0} AS text), NULL, false, NULL, NULL, NULL) AS text)"
            + " AS {1})).{2}", field(name("o", JobTables.K)), converted, name(JobTables.K));
        long keys;
        try {
            keys = Sql.execute(c, DSL.insertInto(table(converted), field(name(JobTables.K)), field(name(JobTables.H)),
                    field(name(JobTables.D)), field(name(JobTables.XR)), field(name(JobTables.XE)),
                    field(name(JobTables.DU)))
                .select(DSL.select(newKey, field(name("o", JobTables.H)), field(name("o", JobTables.D)),
                        field(name("o", JobTables.XR)), field(name("o", JobTables.XE)), field(name("o", JobTables.DU)))
                    .from(table(t.snapshotName()).as("o"))));
            // (The key is built before the old snapshot goes: two keys that the new type or collation reads as one
            // fail here, as a key the new type cannot read fails above.)
            Sql.execute(c, DSL.alterTable(converted).add(
                constraint(t.snapshotName().last() + "_conv_pk").primaryKey(JobTables.K)));
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("22") || state.equals("23505")) {
                throw new io.valmi.ConfigurationException("Sync job '" + jobId + "': its key column changed from "
                    + before + " to " + after + ", and the keys the destination holds cannot all be read as "
                    + after + (state.equals("23505") ? " without two of them becoming one" : "") + " ("
                    + e.getMessage() + "). Keys the source can no longer have are still at the destination: remove"
                    + " them there, then call PostgresSource.resetJob(\"" + jobId + "\") (the next run sends every row"
                    + " as ADDED), or change the column back");
            }
            throw e;
        }
        Sql.execute(c, DSL.dropTable(t.snapshotName()));
        Sql.execute(c, DSL.alterTable(converted).renameTo(name(t.snapshotName().last())));
        Sql.execute(c, DSL.query("ALTER TABLE {0} RENAME CONSTRAINT {1} TO {2}", t.snapshotName(),
            name(t.snapshotName().last() + "_conv_pk"), name(t.snapshotName().last() + "_pk")));
        Sql.execute(c, DSL.alterTable(t.snapshotName()).alter(JobTables.D).setNotNull());
        Sql.execute(c, DSL.query("ALTER TABLE {0} SET (fillfactor = {1})", t.snapshotName(),
            inline(SNAPSHOT_FILLFACTOR)));
        schema.share(c, t.snapshotName());
        return keys;
    }

    /**
     * Whether a table exists.
     *
     * @param c the connection
     * @param schema the schema
     * @param table the table
     * @return true when it exists
     * @throws SQLException on failure
     */
    public static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        return CatalogQueries.relation(c, schema, table).isPresent();
    }

    /** A job's record. */
    public record JobRecord(String sourceRelation, String keyColumn, String keyType, String hashAlgorithm,
                            int serverMajor, @org.jspecify.annotations.Nullable String versionScope,
                            @org.jspecify.annotations.Nullable String mappedColumns, int tablesVersion) {
    }

    /**
     * Reads a job's record.
     *
     * @param c the connection
     * @param t the job's tables
     * @param jobId the job id
     * @return the record, or {@code null}
     * @throws SQLException on failure
     */
    public static JobRecord job(Connection c, JobTables t, String jobId) throws SQLException {
        List<JobRecord> rows = Sql.fetch(c, DSL.select(field("source_relation"), field("key_column"), field("key_type"),
                field("hash_algorithm"), field("server_major"), field(name(VERSION_SCOPE)),
                field(name(MAPPED_COLUMNS)), field(name(TABLES_VERSION))).from(table(t.jobsName()))
            .where(field("job_id").eq(val(jobId))),
            rs -> new JobRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                rs.getString(6), rs.getString(7), rs.getInt(8)));
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * Inserts or replaces a job's record.
     *
     * @param c the connection
     * @param t the job's tables
     * @param jobId the job id
     * @param r the record
     * @throws SQLException on failure
     */
    public static void saveJob(Connection c, JobTables t, String jobId, JobRecord r) throws SQLException {
        Field<Object> id = field("job_id");
        Sql.execute(c, DSL.insertInto(table(t.jobsName()), id, field("source_relation"), field("key_column"),
                field("key_type"), field("hash_algorithm"), field("server_major"), field("snapshot_table"),
                field(name(VERSION_SCOPE)), field(name(MAPPED_COLUMNS)), field(name(TABLES_VERSION)))
            .values(val(jobId), val(r.sourceRelation()), val(r.keyColumn()), val(r.keyType()), val(r.hashAlgorithm()),
                val(r.serverMajor()), val(t.snapshotName().last()), val(r.versionScope()),
                val(r.mappedColumns()), val(r.tablesVersion()))
            .onConflict(id).doUpdate()
            .set(field("source_relation"), (Object) r.sourceRelation())
            .set(field("key_column"), (Object) r.keyColumn())
            .set(field("key_type"), (Object) r.keyType())
            .set(field("hash_algorithm"), (Object) r.hashAlgorithm())
            .set(field("server_major"), (Object) r.serverMajor())
            .set(field(name(VERSION_SCOPE)), (Object) r.versionScope())
            .set(field(name(MAPPED_COLUMNS)), (Object) r.mappedColumns())
            .set(field(name(TABLES_VERSION)), (Object) r.tablesVersion()));
    }

    /**
     * A first sync left in progress: its run id and the last acknowledged key text (or {@code null}).
     *
     * @param c the connection
     * @param t the job's tables
     * @param jobId the job
     * @return {run id, acknowledged key text}, or {@code null} when none is in progress
     * @throws SQLException on failure
     */
    public static String @org.jspecify.annotations.Nullable [] firstSync(Connection c, JobTables t, String jobId)
        throws SQLException {
        List<String[]> rows = Sql.fetch(c, DSL.select(field(name(FIRST_SYNC_RUN)), field(name(FIRST_SYNC_ACKED)))
                .from(table(t.jobsName())).where(field("job_id").eq(val(jobId))).and(field(name(FIRST_SYNC_RUN)).isNotNull()),
            rs -> new String[] {rs.getString(1), rs.getString(2)});
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * The server's major version.
     *
     * @param c the connection
     * @return e.g. 17
     * @throws SQLException on failure
     */
    public static int serverMajor(Connection c) throws SQLException {
        return c.getMetaData().getDatabaseMajorVersion();
    }
}
