package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.val;

import io.valmi.ValmiException;
import java.sql.SQLException;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run per job at a time, across processes: a session-level advisory lock keyed by schema and job id. */
public final class JobLock {
    private static final Logger log = LoggerFactory.getLogger(JobLock.class);

    private final String schema;
    private final String jobId;

    private JobLock(String schema, String jobId) {
        this.schema = schema;
        this.jobId = jobId;
    }

    private Field<Long> key() {
        return DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT,
            val("valmi job " + schema + " " + jobId), inline(0));
    }

    /**
     * Takes the lock or fails at once.
     *
     * @param session the run's session (the lock lives as long as its connection)
     * @param schema the bookkeeping schema
     * @param jobId the job
     * @return the lock
     * @throws ValmiException when another run of the job holds it
     */
    public static JobLock acquire(Session session, String schema, String jobId) {
        JobLock lock = new JobLock(schema, jobId);
        boolean taken = session.transaction("lock sync job '" + jobId + "'", c -> Sql.fetch(c,
            DSL.select(DSL.function(name("pg_catalog", "pg_try_advisory_lock"), SQLDataType.BOOLEAN, lock.key())),
            rs -> rs.getBoolean(1)).get(0));
        if (taken) {
            session.stayWhileIdle();
        }
        if (!taken) {
            throw new ValmiException("Sync job '" + jobId + "' is already running (another process holds its lock in "
                + "bookkeeping schema \"" + schema + "\"): wait for that run to end; one run per job at a time", null,
                true);
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
            Sql.fetch(session.connection(), DSL.select(DSL.function(name("pg_catalog", "pg_advisory_unlock"),
                SQLDataType.BOOLEAN, key())), rs -> null);
            session.connection().commit();
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not release the lock of sync job '{}' (it is released when the connection closes): {}",
                jobId, e.toString());
        }
    }
}
