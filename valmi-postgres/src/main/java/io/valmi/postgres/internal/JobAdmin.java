package io.valmi.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
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
     */
    public static void reset(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        underJobLock(dataSource, description, bookkeepingSchema, jobId, "reset sync job '" + jobId + "'", c -> {
            Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
            forgetJob(c, tables, jobId);
        });
    }

    /**
     * Drops a job's tables and deletes its job record (the run history stays).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     */
    public static void drop(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        underJobLock(dataSource, description, bookkeepingSchema, jobId, "drop sync job '" + jobId + "'", c -> {
            Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.issuesName()));
            forgetJob(c, tables, jobId);
        });
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
