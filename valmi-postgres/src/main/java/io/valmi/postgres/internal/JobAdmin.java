package io.valmi.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.impl.DSL;

/** What an application asks of a job besides runs: starting it over, and removing it. */
final class JobAdmin {
    private JobAdmin() {
    }

    /**
     * Starts a job over: drops its snapshot (and any plan) and deletes its job record, so that the next run is a
     * first sync, whatever the job's key, key type or hashes were. The issues table and the run history stay.
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @return whether the bookkeeping schema knew the job (else a WARN line says so, naming jobs it knows)
     */
    public static boolean reset(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        boolean[] known = {false};
        underJobLock(dataSource, description, bookkeepingSchema, jobId, "reset sync job '" + jobId + "'", c -> {
            known[0] = known(c, tables, jobId, description, "reset");
            Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
            forgetJob(c, tables, jobId);
        });
        return known[0];
    }

    /**
     * Drops a job's tables and deletes its job record (the run history stays).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @return whether the bookkeeping schema knew the job (else a WARN line says so, naming jobs it knows)
     */
    public static boolean drop(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        boolean[] known = {false};
        underJobLock(dataSource, description, bookkeepingSchema, jobId, "drop sync job '" + jobId + "'", c -> {
            known[0] = known(c, tables, jobId, description, "drop");
            Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.issuesName()));
            forgetJob(c, tables, jobId);
        });
        return known[0];
    }

    /**
     * Whether the bookkeeping schema knows the job (a job record, a snapshot or an issues table); when it does not,
     * logs a WARN line naming some jobs it does know: a typo in the id would otherwise be a silent no-op.
     */
    private static boolean known(Connection c, JobTables tables, String jobId, String description, String what)
        throws SQLException {
        String schema = tables.schema();
        boolean jobsTable = BookkeepingSchema.tableExists(c, schema, tables.jobsName().last());
        if (BookkeepingSchema.tableExists(c, schema, tables.snapshotName().last())
            || BookkeepingSchema.tableExists(c, schema, tables.issuesName().last())) {
            return true;
        }
        List<String> known = List.of();
        if (jobsTable) {
            if (!Sql.fetch(c, DSL.selectOne().from(DSL.table(tables.jobsName())).where(JobsTable.jobIs(jobId)),
                rs -> rs.getInt(1)).isEmpty()) {
                return true;
            }
            known = Sql.fetch(c, DSL.select(DSL.field(DSL.name(JobsTable.JOB_ID), String.class))
                .from(DSL.table(tables.jobsName())).orderBy(DSL.field(DSL.name(JobsTable.JOB_ID))).limit(10),
                rs -> rs.getString(1));
        }
        Logs.SOURCE.warn("Nothing to {} for sync job '{}' of {}: bookkeeping schema \"{}\" holds nothing of a job with"
            + " that id (no job record, no snapshot). Check the id{}", what, jobId, description, schema,
            known.isEmpty() ? " and the bookkeeping schema (PostgresSource.Builder.bookkeepingSchema)"
            : "; jobs it knows: " + String.join(", ", known) + (known.size() == 10 ? ", ..." : ""));
        return false;
    }

    private static void forgetJob(Connection c, JobTables tables, String jobId) throws SQLException {
        if (BookkeepingSchema.tableExists(c, tables.schema(), tables.jobsName().last())) {
            Sql.execute(c, DSL.deleteFrom(DSL.table(tables.jobsName()))
                .where(JobsTable.jobIs(jobId)));
        }
        // (The marks of batches an earlier run left in doubt: the next run sends every row anyway.)
        if (BookkeepingSchema.tableExists(c, tables.schema(), tables.inDoubtName().last())) {
            Sql.execute(c, DSL.deleteFrom(DSL.table(tables.inDoubtName()))
                .where(DSL.field(DSL.name(InDoubtMarks.JOB_ID)).eq(DSL.val((Object) jobId))));
        }
    }

    /** Runs administrative work on a job in one transaction, holding the job's lock (fails if a run holds it). */
    private static void underJobLock(DataSource dataSource, String description, String bookkeepingSchema,
                                     String jobId, String what, Session.Step work) {
        try (Session session = Session.open(dataSource, description)) {
            JobLock lock = JobLock.acquire(session, bookkeepingSchema, jobId);
            try {
                session.run(what, work);
            } finally {
                lock.release(session);
            }
        }
    }
}
