package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.constraint;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.valmi.ConfigurationException;
import io.valmi.postgres.MissingGrant;
import io.valmi.postgres.MissingGrantException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The bookkeeping schema's version and its migrations (run once per version, under a lock), and the hand-over of the
 * tables the library creates to the schema's owner role. See {@code docs/internals.md#version-and-migrations} and
 * {@code docs/internals.md#who-owns-the-tables}.
 */
final class BookkeepingSchema {
    private static final Logger log = Logs.SOURCE;

    /** The version of the schema-wide tables this library needs: {@code docs/internals.md#version-and-migrations}. */
    static final int VERSION = 6;

    /** The version table: one row. */
    static final String VERSION_TABLE = "valmi_schema";
    /** Its column: the version of the schema-wide tables. */
    static final String VERSION_COLUMN = "version";
    /** Its column: when the schema was migrated to that version. */
    static final String MIGRATED_AT = "migrated_at";

    private BookkeepingSchema() {
    }

    /**
     * The bookkeeping schema as the current user finds it.
     *
     * @param schema its name
     * @param owner the role it belongs to, or {@code null} before it exists
     * @param handOver whether tables the current user creates are handed to {@code owner} (the user is a member of it,
     *     not the owner itself)
     */
    record State(String schema, @Nullable String owner, boolean handOver) {
        /**
         * Hands a table the current user just created to the schema's owner, when that is another role.
         *
         * @param c the connection, in a transaction
         * @param table the table
         * @throws SQLException on failure
         */
        void share(Connection c, Name table) throws SQLException {
            if (handOver && owner != null) {
                Sql.execute(c, PgTemplates.alterTableOwner(table, name(owner)));
            }
        }
    }

    /**
     * Makes the schema-wide tables current: creates the schema when it is missing, and migrates its tables when their
     * version is older than {@link #VERSION}.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables (for the schema's table names)
     * @return the schema's state
     * @throws SQLException on failure
     */
    static State prepare(Connection c, JobTables t) throws SQLException {
        Looked looked = look(c, t.schema());
        if (looked.owner() == null) {
            BookkeepingSchema.lockDdl(c, t.schema());
            Sql.execute(c, DSL.createSchemaIfNotExists(name(t.schema())));
            looked = look(c, t.schema());
        }
        State state = new State(t.schema(), looked.owner(), looked.handOver());
        int version = looked.versioned() ? version(c, t.schema()) : 0;
        if (version >= VERSION) {
            return state;
        }
        BookkeepingSchema.lockDdl(c, t.schema());
        version = look(c, t.schema()).versioned() ? version(c, t.schema()) : 0;
        if (version >= VERSION) {
            return state;
        }
        String user = Grants.currentUser(c);
        try {
            migrate(c, t, state, version);
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw cannotMigrate(user, state, version, e);
            }
            throw e;
        }
        log.info("Bookkeeping schema \"{}\" migrated from version {} to {}", t.schema(), version, VERSION);
        return state;
    }

    private static ConfigurationException cannotMigrate(String user, State state, int version, SQLException e) {
        String owner = state.owner() == null ? "its owner" : "role \"" + state.owner() + "\"";
        return new MissingGrantException(user, "migrating bookkeeping schema \"" + state.schema() + "\" from version "
            + version + " to " + VERSION, List.of(new MissingGrant("cannot change the tables of bookkeeping schema \""
            + state.schema() + "\" (" + e.getMessage() + "): they belong to " + owner + "; run a sync once as a member"
            + " of it, or give this user a bookkeeping schema of its own",
            state.owner() == null ? "" : Sql.renderInlined(PgTemplates.grantRole(name(state.owner()),
                name(user))) + ";")));
    }

    /** What one catalog query says of the schema. */
    private record Looked(@Nullable String owner, boolean handOver, boolean versioned) {
    }

    private static Looked look(Connection c, String schema) throws SQLException {
        Field<Long> owner = PgCatalog.N_OWNER;
        Field<String> ownerName = DSL.function(name("pg_catalog", "pg_get_userbyid"), SQLDataType.VARCHAR, owner);
        Field<Boolean> member = DSL.function(name("pg_catalog", "pg_has_role"), SQLDataType.BOOLEAN, owner,
            inline("MEMBER"));
        Field<Boolean> isOwner = ownerName.eq(DSL.currentUser());
        Field<Boolean> versioned = DSL.field(DSL.exists(DSL.selectOne().from(PgCatalog.C)
            .where(PgCatalog.C_NAMESPACE.eq(PgCatalog.N_OID)).and(PgCatalog.C_NAME.eq(inline(VERSION_TABLE)))));
        List<Looked> rows = Sql.fetch(c, DSL.select(ownerName, member, DSL.field(isOwner), versioned)
                .from(PgCatalog.N).where(PgCatalog.N_NAME.eq(val(schema))),
            rs -> new Looked(rs.getString(1), rs.getBoolean(2) && !rs.getBoolean(3), rs.getBoolean(4)));
        return rows.isEmpty() ? new Looked(null, false, false) : rows.get(0);
    }

    private static int version(Connection c, String schema) throws SQLException {
        List<Integer> rows = Sql.fetch(c, DSL.select(DSL.max(field(name(VERSION_COLUMN), SQLDataType.INTEGER)))
            .from(table(name(schema, VERSION_TABLE))), rs -> rs.getInt(1));
        return rows.isEmpty() ? 0 : rows.get(0);
    }

    private static void migrate(Connection c, JobTables t, State state, int from) throws SQLException {
        if (from < 1) {
            createVersion1(c, t, state);
        }
        if (from < 2) {
            Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.TABLES_VERSION),
                SQLDataType.INTEGER));
        }
        if (from < 3) {
            createVersion3(c, t, state);
        }
        if (from < 4) {
            // Version 4: the destination mode of a job's last run, to see it change (MappingChangePolicy).
            Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.DESTINATION_MODE),
                SQLDataType.CLOB));
        }
        if (from < 5) {
            createVersion5(c, t, state);
        }
        if (from < 6) {
            // Version 6: a first sync in physical order keeps its progress by row addresses.
            Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.FIRST_SYNC_TIDS),
                SQLDataType.CLOB.array()));
        }
        Name versionTable = name(t.schema(), VERSION_TABLE);
        Sql.execute(c, DSL.createTableIfNotExists(versionTable)
            .column(name(VERSION_COLUMN), SQLDataType.INTEGER.nullable(false))
            .column(name(MIGRATED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                .defaultValue(DSL.currentOffsetDateTime())));
        if (from < 1) {
            state.share(c, versionTable);
        }
        Sql.execute(c, DSL.deleteFrom(table(versionTable)));
        Sql.execute(c, DSL.insertInto(table(versionTable), field(name(VERSION_COLUMN))).values(inline(VERSION)));
    }

    /** The tables as they were before the schema had a version (made by earlier builds, or made now). */
    private static void createVersion1(Connection c, JobTables t, State state) throws SQLException {
        boolean jobsExisted = BookkeepingSchema.tableExists(c, t.schema(), t.jobsName().last());
        Sql.execute(c, DSL.createTableIfNotExists(t.jobsName())
            .column(name(JobsTable.JOB_ID), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.SOURCE_RELATION), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.KEY_COLUMN), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.KEY_TYPE), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.HASH_ALGORITHM), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.SERVER_MAJOR), SQLDataType.INTEGER.nullable(false))
            .column(name(JobsTable.SNAPSHOT_TABLE), SQLDataType.CLOB.nullable(false))
            .column(name(JobsTable.CREATED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                .defaultValue(DSL.currentOffsetDateTime()))
            .column(name(JobsTable.LAST_RUN_AT), SQLDataType.TIMESTAMPWITHTIMEZONE)
            .column(name(JobsTable.LAST_STATUS), SQLDataType.CLOB)
            .column(name(JobsTable.IN_DOUBT), SQLDataType.CLOB.array())
            .column(name(JobsTable.VERSION_SCOPE), SQLDataType.CLOB)
            .column(name(JobsTable.MAPPED_COLUMNS), SQLDataType.CLOB)
            .column(name(JobsTable.FIRST_SYNC_RUN), SQLDataType.CLOB)
            .column(name(JobsTable.FIRST_SYNC_ACKED), SQLDataType.CLOB)
            .constraints(constraint("valmi_jobs_pk").primaryKey(name(JobsTable.JOB_ID))));
        if (jobsExisted) {
            // A jobs table made by an earlier build (each of these columns was added by one).
            for (String column : List.of(JobsTable.VERSION_SCOPE, JobsTable.MAPPED_COLUMNS,
                JobsTable.FIRST_SYNC_RUN, JobsTable.FIRST_SYNC_ACKED)) {
                Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(column), SQLDataType.CLOB));
            }
            Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.IN_DOUBT),
                SQLDataType.CLOB.array()));
        } else {
            state.share(c, t.jobsName());
        }
        boolean runsExisted = BookkeepingSchema.tableExists(c, t.schema(), t.runsName().last());
        Sql.execute(c, DSL.createTableIfNotExists(t.runsName())
            .column(name(RunsTable.RUN_ID), SQLDataType.CLOB.nullable(false))
            .column(name(RunsTable.JOB_ID), SQLDataType.CLOB.nullable(false))
            .column(name(RunsTable.STARTED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false))
            .column(name(RunsTable.FINISHED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false))
            .column(name(RunsTable.STATUS), SQLDataType.CLOB.nullable(false))
            .column(name(RunsTable.PLANNED), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.DELIVERED), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.REJECTED), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.SKIPPED), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.IN_DOUBT), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.INVALID), SQLDataType.BIGINT.nullable(false))
            .column(name(RunsTable.ERROR), SQLDataType.CLOB)
            .constraints(constraint("valmi_runs_pk").primaryKey(name(RunsTable.RUN_ID))));
        Sql.execute(c, DSL.createIndexIfNotExists("valmi_runs_job_idx").on(table(t.runsName()),
            RunsTable.column(RunsTable.JOB_ID), RunsTable.column(RunsTable.STARTED_AT)));
        if (!runsExisted) {
            state.share(c, t.runsName());
        }
    }

    /**
     * Version 3: several batches out at once. Their in-doubt marks, one row per batch, and the batches a first sync
     * settled above its acknowledged key.
     */
    private static void createVersion3(Connection c, JobTables t, State state) throws SQLException {
        boolean existed = BookkeepingSchema.tableExists(c, t.schema(), t.inDoubtName().last());
        Sql.execute(c, DSL.createTableIfNotExists(t.inDoubtName())
            .column(name(InDoubtMarks.JOB_ID), SQLDataType.CLOB.nullable(false))
            .column(name(InDoubtMarks.RUN_ID), SQLDataType.CLOB.nullable(false))
            .column(name(InDoubtMarks.BATCH), SQLDataType.INTEGER.nullable(false))
            .column(name(InDoubtMarks.KEY_TEXTS), SQLDataType.CLOB.array())
            .column(name(InDoubtMarks.MARKED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                .defaultValue(DSL.currentOffsetDateTime()))
            .constraints(constraint("valmi_in_doubt_pk").primaryKey(name(InDoubtMarks.JOB_ID),
                name(InDoubtMarks.RUN_ID), name(InDoubtMarks.BATCH))));
        if (!existed) {
            state.share(c, t.inDoubtName());
        }
        Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.FIRST_SYNC_AHEAD),
            SQLDataType.CLOB.array()));
    }

    /**
     * Version 5: the run history as an API. The runs table gets every count of a run ({@link RunsTable.Count}) and an
     * index by job and end (history pages, pruning); the jobs table the last successful run (which outlives its row
     * in the pruned history); the sync log ({@link SyncLogTable}) is created.
     */
    private static void createVersion5(Connection c, JobTables t, State state) throws SQLException {
        for (RunsTable.Count count : RunsTable.Count.values()) {
            Sql.execute(c, DSL.alterTable(t.runsName()).addColumnIfNotExists(name(count.column), SQLDataType.BIGINT));
        }
        Sql.execute(c, DSL.createIndexIfNotExists(name("valmi_runs_finished_idx")).on(table(t.runsName()),
            RunsTable.column(RunsTable.JOB_ID), RunsTable.column(RunsTable.FINISHED_AT),
            RunsTable.column(RunsTable.RUN_ID)));
        Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.LAST_SUCCESS_AT),
            SQLDataType.TIMESTAMPWITHTIMEZONE));
        Sql.execute(c, DSL.alterTable(t.jobsName()).addColumnIfNotExists(name(JobsTable.LAST_SUCCESS_RUN),
            SQLDataType.CLOB));
        SyncLogTable.create(c, t, state);
    }

    static boolean hasColumn(Connection c, long oid, String column) throws SQLException {
        return CatalogQueries.columns(c, oid).stream().anyMatch(col -> col.name().equals(column));
    }

    /**
     * Serializes DDL in the bookkeeping schema among concurrent runs (transaction-scoped advisory lock).
     *
     * @param c the connection, in a transaction
     * @param schema the bookkeeping schema
     * @throws SQLException on failure
     */
    static void lockDdl(Connection c, String schema) throws SQLException {
        Sql.select(c, DSL.select(DSL.function(name("pg_catalog", "pg_advisory_xact_lock"), SQLDataType.OTHER,
            DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT, val("valmi bookkeeping " + schema),
                inline(0)))));
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
    static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        return CatalogQueries.relation(c, schema, table).isPresent();
    }}
