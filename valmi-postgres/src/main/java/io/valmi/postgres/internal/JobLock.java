package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.val;

import io.valmi.JobBusyException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One run per job at a time, across processes: a session-level advisory lock keyed by schema and job id. The locks
 * this JVM holds are also kept in {@link #HELD}, so that a job busy in this process (a run still on while the
 * application plans, resets or drops the job) is told apart from one busy in another process.
 */
final class JobLock {
    private static final Logger log = Logs.SOURCE;

    /**
     * The job locks this JVM holds: bookkeeping schema, job id and the server's database (its name and the server's
     * start time, which tell apart databases of one name on different servers: the same job id may run against
     * several).
     */
    private static final Set<List<String>> HELD = ConcurrentHashMap.newKeySet();

    private final String schema;
    private final String jobId;
    private @Nullable List<String> held;

    private JobLock(String schema, String jobId) {
        this.schema = schema;
        this.jobId = jobId;
    }

    private Field<Long> key() {
        return DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT,
            val("valmi job " + schema + " " + jobId), inline(0));
    }

    /** What the lock query answers: whether the lock was taken, and which database of which server start it is. */
    private record LockAnswer(boolean taken, String database, String serverStarted) {
    }

    /**
     * Takes the lock or fails at once.
     *
     * @param session the run's session (the lock lives as long as its connection)
     * @param schema the bookkeeping schema
     * @param jobId the job
     * @return the lock
     * @throws JobBusyException when a run of the job holds it, in this process or another
     */
    public static JobLock acquire(Session session, String schema, String jobId) {
        JobLock lock = new JobLock(schema, jobId);
        LockAnswer answer = session.transaction("lock sync job '" + jobId + "'", c -> Sql.fetch(c,
            DSL.select(DSL.function(name("pg_catalog", "pg_try_advisory_lock"), SQLDataType.BOOLEAN, lock.key()),
                DSL.function(name("pg_catalog", "current_database"), SQLDataType.CLOB),
                DSL.function(name("pg_catalog", "pg_postmaster_start_time"), SQLDataType.OTHER)
                    .cast(SQLDataType.CLOB)),
            rs -> new LockAnswer(rs.getBoolean(1), rs.getString(2), rs.getString(3))).get(0));
        boolean taken = answer.taken();
        List<String> key = List.of(schema, jobId, answer.database(), answer.serverStarted());
        if (taken) {
            HELD.add(key);
            lock.held = key;
        }
        if (!taken && HELD.contains(key)) {
            throw new JobBusyException(jobId, true, "Sync job '" + jobId + "' is already running: a run of this job is"
                + " in progress in this process (it holds the job's lock in bookkeeping schema \"" + schema + "\"); wait"
                + " for that run to end (its SyncRunner.run returns, or its SourceRun is closed) before planning,"
                + " resetting or dropping the job; one run per job at a time");
        }
        if (!taken) {
            throw new JobBusyException(jobId, false, "Sync job '" + jobId + "' is already running (another process holds"
                + " its lock in bookkeeping schema \"" + schema + "\"): wait for that run to end; one run per job at a"
                + " time");
        }
        return lock;
    }

    /**
     * Releases the lock.
     *
     * @param session the session that took it
     */
    public void release(Session session) {
        try {
            session.connection().rollback();
            Sql.select(session.connection(), DSL.select(DSL.function(name("pg_catalog", "pg_advisory_unlock"),
                SQLDataType.BOOLEAN, key())));
            session.connection().commit();
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not release the lock of sync job '{}' (it is released when the connection closes): {}",
                jobId, e.toString());
        } finally {
            List<String> key = held;
            if (key != null) {
                HELD.remove(key);
                held = null;
            }
        }
    }
}
