package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * The job records ({@code valmi_jobs}): one row per job, with the state a run leaves for the next one. Its columns:
 * {@code docs/internals.md#valmi_jobs}.
 */
final class JobsTable {
    /** Column: the job's id (primary key). */
    static final String JOB_ID = "job_id";
    /** Column: the source's description. */
    static final String SOURCE_RELATION = "source_relation";
    /** Column: the key column; a run keyed by another fails. */
    static final String KEY_COLUMN = "key_column";
    /** Column: the key's type and collation ({@link ColumnType#keyDescription()}). */
    static final String KEY_TYPE = "key_type";
    /** Column: the row hash's name ({@link RowHash#ALGORITHM}). */
    static final String HASH_ALGORITHM = "hash_algorithm";
    /** Column: the server's major version. */
    static final String SERVER_MAJOR = "server_major";
    /** Column: the snapshot table's name. */
    static final String SNAPSHOT_TABLE = "snapshot_table";
    /** Column: when the job was recorded first. */
    static final String CREATED_AT = "created_at";
    /** Column: when the job's last recorded run ended. */
    static final String LAST_RUN_AT = "last_run_at";
    /** Column: the status of that run. */
    static final String LAST_STATUS = "last_status";
    /**
     * Column: the text forms of the keys of the batch in flight, as versions before bookkeeping schema version 3 marked
     * them (one batch at a time); folded by the next run like the marks of {@link JobTables#inDoubtName()}.
     */
    static final String IN_DOUBT = "in_doubt";
    /** Column: what the snapshot's row versions were taken over ({@link RunShape#versionScope()}). */
    static final String VERSION_SCOPE = "version_scope";
    /** Column: the mapped columns, their types and destination fields at the last run. */
    static final String MAPPED_COLUMNS = "mapped_columns";
    /** Column: the run id of a first sync in progress, or {@code NULL}. */
    static final String FIRST_SYNC_RUN = "first_sync_run";
    /** Column: the text of the last key of the first sync's last acknowledged batch, or {@code NULL}. */
    static final String FIRST_SYNC_ACKED = "first_sync_acked";
    /**
     * Column: the batches a first sync settled (acknowledged, or put in doubt) above {@link #FIRST_SYNC_ACKED}, while
     * a batch before them is still out: pairs of key texts (the key before the batch's first, its last key), or
     * {@code NULL}.
     */
    static final String FIRST_SYNC_AHEAD = "first_sync_ahead";
    /**
     * Column (schema version 6): the progress of a first sync that reads the table in physical order, by ranges of
     * row addresses ({@link FirstSyncRun}): its run id, the table's oid and file node when it started, then the end of
     * the prefix of its settled batches (a {@code ctid}, or empty), then the ranges of the batches settled above it,
     * as pairs of {@code ctid}s (exclusive start, inclusive end). {@code NULL} for a first sync in key order, which
     * keeps {@link #FIRST_SYNC_ACKED} and {@link #FIRST_SYNC_AHEAD} instead; a physical one leaves those {@code NULL},
     * so that a version that knows only them puts all of its rows in doubt.
     */
    static final String FIRST_SYNC_TIDS = "first_sync_tids";
    /** Column: the destination mode of the job's last run, or NULL (recorded since bookkeeping version 4). */
    static final String DESTINATION_MODE = "destination_mode";

    /** Column: the version of the job's own tables when the job last ran ({@link #JOB_TABLES_VERSION}), or NULL. */
    static final String TABLES_VERSION = "tables_version";

    /** Column (schema version 5): when the job's last successful run ended, or {@code NULL}. */
    static final String LAST_SUCCESS_AT = "last_success_at";
    /** Column (schema version 5): that run's id, or {@code NULL}. */
    static final String LAST_SUCCESS_RUN = "last_success_run";

    /** The version of a job's own tables this library needs: {@code docs/internals.md#job-tables-and-their-version}. */
    static final int JOB_TABLES_VERSION = 5;

    private JobsTable() {
    }
    /**
     * Creates the job's snapshot and issues tables if missing, and brings tables made by an earlier version to
     * {@link #JOB_TABLES_VERSION} (3: today's names; 4: the issues table's rejection streaks; 5: the snapshot's {@code g}). Called when the job
     * record says its tables are older than that (or there is no job record), not on every run.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param jobId the job
     * @param saved the job's record as its last run left it, or {@code null} for a new job
     * @param keySource a select of one column named {@code k} with the source key's type (no rows are read)
     * @param schema the bookkeeping schema, to hand new tables to its owner
     * @throws SQLException on failure
     */
    static void ensureJobTables(Connection c, JobTables t, String jobId, @Nullable JobRecord saved,
                                Select<?> keySource, BookkeepingSchema.State schema) throws SQLException {
        if (saved != null && saved.tablesVersion() < 3) {
            moveToTodaysNames(c, JobTables.legacy(t.schema(), jobId), t);
        }
        SnapshotTable.ensure(c, t, keySource, schema);
        IssuesTable.ensure(c, t, schema);
    }

    /**
     * Version 3 names a job's tables with 64 bits of a hash of its id instead of 32: this job's tables, made by an
     * earlier version, are renamed (the plan table, scratch, is dropped).
     */
    private static void moveToTodaysNames(Connection c, JobTables before, JobTables now) throws SQLException {
        if (before.snapshotName().equals(now.snapshotName())) {
            return;
        }
        for (Name[] table : new Name[][] {{before.snapshotName(), now.snapshotName()},
            {before.issuesName(), now.issuesName()}}) {
            if (BookkeepingSchema.tableExists(c, now.schema(), table[0].last())
                && !BookkeepingSchema.tableExists(c, now.schema(), table[1].last())) {
                Sql.execute(c, DSL.alterTable(table[0]).renameTo(name(table[1].last())));
            }
        }
        Sql.execute(c, DSL.dropTableIfExists(before.planName()));
    }



    /** A job's record. */
    public record JobRecord(String sourceRelation, String keyColumn, String keyType, String hashAlgorithm,
                            int serverMajor, @Nullable String versionScope,
                            @Nullable String mappedColumns, int tablesVersion, @Nullable String destinationMode) {
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
    static @Nullable JobRecord job(Connection c, JobTables t, String jobId)
        throws SQLException {
        return job(c, t, jobId, false);
    }

    /**
     * Reads a job's record and locks it {@code FOR UPDATE} until the transaction ends: a run's preparation takes it
     * before anything touches the job's tables, so that it waits for the batch a first sync that lost its lock may
     * still be writing (its fence holds the record {@code FOR KEY SHARE}; {@code docs/internals.md#a-batch}) before it
     * locks the snapshot, rather than deadlock with it.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param jobId the job id
     * @return the record, or {@code null}
     * @throws SQLException on failure
     */
    static @Nullable JobRecord jobLocked(Connection c, JobTables t, String jobId) throws SQLException {
        return job(c, t, jobId, true);
    }

    private static @Nullable JobRecord job(Connection c, JobTables t, String jobId, boolean forUpdate)
        throws SQLException {
        var select = DSL.select(column(SOURCE_RELATION), column(KEY_COLUMN), column(KEY_TYPE),
                column(HASH_ALGORITHM), column(SERVER_MAJOR), column(VERSION_SCOPE), column(MAPPED_COLUMNS),
                column(TABLES_VERSION), column(DESTINATION_MODE)).from(table(t.jobsName()))
            .where(column(JOB_ID).eq(val(jobId)));
        List<JobRecord> rows = Sql.fetch(c, forUpdate ? select.forUpdate() : select,
            rs -> new JobRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                rs.getString(6), rs.getString(7), rs.getInt(8), rs.getString(9)));
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
        Field<Object> id = column(JOB_ID);
        Sql.execute(c, DSL.insertInto(table(t.jobsName()), id, column(SOURCE_RELATION), column(KEY_COLUMN),
                column(KEY_TYPE), column(HASH_ALGORITHM), column(SERVER_MAJOR), column(SNAPSHOT_TABLE),
                column(VERSION_SCOPE), column(MAPPED_COLUMNS), column(TABLES_VERSION), column(DESTINATION_MODE))
            .values(val(jobId), val(r.sourceRelation()), val(r.keyColumn()), val(r.keyType()), val(r.hashAlgorithm()),
                val(r.serverMajor()), val(t.snapshotName().last()), val(r.versionScope()),
                val(r.mappedColumns()), val(r.tablesVersion()), val(r.destinationMode()))
            .onConflict(id).doUpdate()
            .set(column(SOURCE_RELATION), (Object) r.sourceRelation())
            .set(column(KEY_COLUMN), (Object) r.keyColumn())
            .set(column(KEY_TYPE), (Object) r.keyType())
            .set(column(HASH_ALGORITHM), (Object) r.hashAlgorithm())
            .set(column(SERVER_MAJOR), (Object) r.serverMajor())
            .set(column(VERSION_SCOPE), (Object) r.versionScope())
            .set(column(MAPPED_COLUMNS), (Object) r.mappedColumns())
            .set(column(TABLES_VERSION), (Object) r.tablesVersion())
            .set(column(DESTINATION_MODE), (Object) r.destinationMode()));
    }

    /**
     * Records the end of the job's last run in its record, and of its last successful run (which outlives the run's
     * row in the history, pruned by the retention).
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param jobId the job
     * @param runId the run
     * @param finishedAt when the run ended
     * @param status how it ended
     * @param succeeded whether it succeeded
     * @throws SQLException on failure
     */
    static void recordLastRun(Connection c, JobTables t, String jobId, String runId, OffsetDateTime finishedAt,
                              String status, boolean succeeded) throws SQLException {
        var update = DSL.update(table(t.jobsName()))
            .set(column(LAST_RUN_AT), (Object) finishedAt)
            .set(column(LAST_STATUS), (Object) status);
        Sql.execute(c, (succeeded ? update.set(column(LAST_SUCCESS_AT), (Object) finishedAt)
            .set(column(LAST_SUCCESS_RUN), (Object) runId) : update).where(jobIs(jobId)));
    }

    /**
     * What the job record says of the job's runs, for its history.
     *
     * @param lastRunAt when its last recorded run ended, or {@code null}
     * @param lastStatus how that run ended, or {@code null}
     * @param lastSuccessAt when its last successful run ended, or {@code null} (none, or none since schema version 5)
     * @param lastSuccessRun that run's id, or {@code null}
     * @param firstSyncRun the run id of a first sync in progress, or {@code null}
     */
    record RunState(@Nullable OffsetDateTime lastRunAt, @Nullable String lastStatus,
                    @Nullable OffsetDateTime lastSuccessAt, @Nullable String lastSuccessRun,
                    @Nullable String firstSyncRun) {
    }

    /**
     * Reads what the job record says of the job's runs.
     *
     * @param c the connection
     * @param t the job's tables
     * @param jobId the job
     * @return the state, or {@code null} when the job has no record
     * @throws SQLException on failure
     */
    static @Nullable RunState runState(Connection c, JobTables t, String jobId) throws SQLException {
        List<RunState> rows = Sql.fetch(c, DSL.select(column(LAST_RUN_AT), column(LAST_STATUS),
                column(LAST_SUCCESS_AT), column(LAST_SUCCESS_RUN), column(FIRST_SYNC_RUN))
                .from(table(t.jobsName())).where(jobIs(jobId)),
            rs -> new RunState(rs.getObject(1, OffsetDateTime.class), rs.getString(2),
                rs.getObject(3, OffsetDateTime.class), rs.getString(4), rs.getString(5)));
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * The condition that selects a job's record.
     *
     * @param jobId the job
     * @return {@code job_id = ?}
     */
    static Condition jobIs(String jobId) {
        return column(JOB_ID).eq(val((Object) jobId));
    }

    /** A column of the jobs table, unqualified. */
    static Field<Object> column(String name) {
        return field(name(name));
    }

    /**
     * A first sync left in progress.
     *
     * @param runId its run
     * @param ackedKeyText the text form of the last key of the prefix of its settled batches, or {@code null}
     * @param settledAhead the batches it settled above that key, as pairs of key texts (the key before the batch's
     *     first, its last key)
     * @param tids a first sync in physical order: its {@link #FIRST_SYNC_TIDS}; empty for one in key order
     */
    record FirstSyncState(String runId, @Nullable String ackedKeyText, List<String> settledAhead, List<String> tids) {
        /**
         * Whether it reads the table in physical order: {@link #FIRST_SYNC_TIDS} names its run (a build before schema
         * version 6 that ended a first sync in physical order left the column as it was).
         */
        boolean physical() {
            return tids.size() >= 2 && tids.get(0).equals(runId);
        }
    }

    /**
     * The first sync in progress, if any.
     *
     * @param c the connection
     * @param t the job's tables
     * @param jobId the job
     * @return its state, or {@code null} when none is in progress
     * @throws SQLException on failure
     */
    static @Nullable FirstSyncState firstSync(Connection c, JobTables t, String jobId)
        throws SQLException {
        List<FirstSyncState> rows = Sql.fetch(c, DSL.select(column(FIRST_SYNC_RUN), column(FIRST_SYNC_ACKED),
                    column(FIRST_SYNC_AHEAD), column(FIRST_SYNC_TIDS))
                .from(table(t.jobsName())).where(jobIs(jobId))
                .and(column(FIRST_SYNC_RUN).isNotNull()),
            rs -> new FirstSyncState(rs.getString(1), rs.getString(2), texts(rs.getArray(3)), texts(rs.getArray(4))));
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The elements of a {@code text[]} ({@code NULL}: none). */
    private static List<String> texts(@Nullable Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        try {
            return List.of((String[]) array.getArray());
        } finally {
            array.free();
        }
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
