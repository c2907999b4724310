package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import io.valmi.postgres.QuarantinedKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/** What an application asks of a job besides runs: starting it over, removing it, and its quarantined keys. */
final class JobAdmin {
    private static final Logger log = Logs.SOURCE;

    private JobAdmin() {
    }

    /**
     * Starts a job over: drops its snapshot (and any plan), forgets its rejection streaks (so nothing stays
     * quarantined) and deletes its job record, so that the next run is a first sync, whatever the job's key, key type
     * or hashes were. The last run's invalid rows and the run history stay.
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
            lockJobRecord(c, tables, jobId);
            startOver(c, tables, jobId);
        });
        return known[0];
    }

    /**
     * Forgets what the job's destination holds, in the caller's transaction (which holds the job's lock): drops the
     * snapshot and any plan, releases quarantined keys, deletes the job record and its in-doubt marks. The next run (or
     * the rest of this one) is a first sync.
     *
     * @param c the connection, in a transaction
     * @param tables the job's tables
     * @param jobId the job
     * @throws SQLException on failure
     */
    static void startOver(Connection c, JobTables tables, String jobId) throws SQLException {
        Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
        Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
        if (BookkeepingSchema.tableExists(c, tables.schema(), tables.issuesName().last())) {
            Sql.execute(c, IssuesTable.forgetStreaks(tables, null));
        }
        forgetJob(c, tables, jobId);
    }

    /**
     * Releases a job's quarantined keys: forgets the rejection streaks, of every key or of one, so that the next run
     * sends those keys again (and quarantines one again only after {@code quarantineAfter} more rejections in a row).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param keyText the key's text form, or {@code null} for every key
     * @return how many keys the job's last run had quarantined that are released
     * @throws ConfigurationException when the schema has no such job
     */
    public static int retryQuarantined(DataSource dataSource, String description, String bookkeepingSchema,
                                       String jobId, @Nullable String keyText) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        return resultUnderJobLock(dataSource, description, bookkeepingSchema, jobId,
            "release the quarantined keys of sync job '" + jobId + "'", c -> {
                if (requireJob(c, tables, jobId, "retryQuarantined").tablesVersion() < 4) {
                    return 0;
                }
                int released = Sql.fetch(c, IssuesTable.countQuarantined(tables, keyText), rs -> rs.getInt(1)).get(0);
                long forgotten = Sql.execute(c, IssuesTable.forgetStreaks(tables, keyText));
                log.info("Sync job '{}': {} quarantined key{} released, {} rejection streak{} forgotten{}; the next"
                        + " run sends them again", jobId, released, released == 1 ? "" : "s", forgotten - released,
                    forgotten - released == 1 ? "" : "s", keyText == null ? "" : " (key " + keyText + ")");
                return released;
            });
    }

    /**
     * The keys the job's last run left out as quarantined, in key text order.
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @return the keys
     * @throws ConfigurationException when the schema has no such job
     */
    public static List<QuarantinedKey> quarantinedKeys(DataSource dataSource, String description,
                                                       String bookkeepingSchema, String jobId, int limit) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        try (Session session = Session.open(dataSource, description)) {
            return session.transaction("list the quarantined keys of sync job '" + jobId + "'", c -> {
                if (requireJob(c, tables, jobId, "quarantinedKeys").tablesVersion() < 4 || limit == 0) {
                    return List.of();
                }
                return Sql.fetch(c, IssuesTable.quarantinedKeys(tables, limit),
                    rs -> new QuarantinedKey(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2),
                        rs.getInt(3)));
            });
        }
    }

    /** The job's record; an unknown job is refused (a misspelt id must not look like a job with nothing to do). */
    private static JobsTable.JobRecord requireJob(Connection c, JobTables tables, String jobId, String what)
        throws SQLException {
        boolean jobsTable = BookkeepingSchema.tableExists(c, tables.schema(), tables.jobsName().last());
        JobsTable.JobRecord job = jobsTable ? JobsTable.job(c, tables, jobId) : null;
        if (job == null) {
            List<String> known = jobsTable ? someJobIds(c, tables) : List.of();
            throw new ConfigurationException("PostgresSource." + what + ": bookkeeping schema \"" + tables.schema()
                + "\" has no sync job '" + jobId + "' (no run of it was recorded there, or it was reset or dropped"
                + " since). Check the job id" + (known.isEmpty()
                ? " and the bookkeeping schema (PostgresSource.Builder.bookkeepingSchema)"
                : "; jobs it knows: " + String.join(", ", known) + (known.size() == 10 ? ", ..." : "")));
        }
        return job;
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
            lockJobRecord(c, tables, jobId);
            Sql.execute(c, DSL.dropTableIfExists(tables.planName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.snapshotName()));
            Sql.execute(c, DSL.dropTableIfExists(tables.issuesName()));
            forgetJob(c, tables, jobId);
        });
        return known[0];
    }

    /**
     * Locks the job record before reset or drop drops the job's tables (a run's preparation has locked it already
     * when it starts over): a first-sync batch of a run that lost its lock holds it
     * {@code FOR KEY SHARE} while it writes the snapshot, and is waited for here rather than deadlocked with
     * ({@link JobsTable#jobLocked}).
     */
    private static void lockJobRecord(Connection c, JobTables tables, String jobId) throws SQLException {
        if (BookkeepingSchema.tableExists(c, tables.schema(), tables.jobsName().last())) {
            JobsTable.jobLocked(c, tables, jobId);
        }
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
            known = someJobIds(c, tables);
        }
        Logs.SOURCE.warn("Nothing to {} for sync job '{}' of {}: bookkeeping schema \"{}\" holds nothing of a job with"
            + " that id (no job record, no snapshot). Check the id{}", what, jobId, description, schema,
            known.isEmpty() ? " and the bookkeeping schema (PostgresSource.Builder.bookkeepingSchema)"
            : "; jobs it knows: " + String.join(", ", known) + (known.size() == 10 ? ", ..." : ""));
        return false;
    }

    /** Up to ten job ids the bookkeeping schema knows, for a message about an id it does not. */
    private static List<String> someJobIds(Connection c, JobTables tables) throws SQLException {
        return Sql.fetch(c, DSL.select(DSL.field(DSL.name(JobsTable.JOB_ID), String.class))
                .from(DSL.table(tables.jobsName())).orderBy(DSL.field(DSL.name(JobsTable.JOB_ID))).limit(10),
            rs -> rs.getString(1));
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
        resultUnderJobLock(dataSource, description, bookkeepingSchema, jobId, what, c -> {
            work.run(c);
            return Boolean.TRUE;
        });
    }

    /** Runs administrative work on a job in one transaction, holding the job's lock, and returns its result. */
    private static <T> T resultUnderJobLock(DataSource dataSource, String description, String bookkeepingSchema,
                                            String jobId, String what, Session.Work<T> work) {
        try (Session session = Session.open(dataSource, description)) {
            JobLock lock = JobLock.acquire(session, bookkeepingSchema, jobId);
            try {
                return session.transaction(what, work);
            } finally {
                lock.release(session);
            }
        }
    }
}
