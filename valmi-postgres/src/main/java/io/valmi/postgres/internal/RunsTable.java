package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.valmi.SyncCounts;
import io.valmi.SyncResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.ZoneOffset;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** The run history ({@code valmi_runs}): one row per run that got to record its end. */
final class RunsTable {
    /** Column: the run's id (primary key). */
    static final String RUN_ID = "run_id";
    /** Column: the job's id. */
    static final String JOB_ID = "job_id";
    /** Column: when the run started. */
    static final String STARTED_AT = "started_at";
    /** Column: when it ended. */
    static final String FINISHED_AT = "finished_at";
    /** Column: how it ended ({@code RunStatus}). */
    static final String STATUS = "status";
    /** Column: changes planned. */
    static final String PLANNED = "planned";
    /** Column: changes delivered. */
    static final String DELIVERED = "delivered";
    /** Column: changes the destination rejected. */
    static final String REJECTED = "rejected";
    /** Column: changes skipped. */
    static final String SKIPPED = "skipped";
    /** Column: changes left in doubt. */
    static final String IN_DOUBT = "in_doubt";
    /** Column: invalid rows. */
    static final String INVALID = "invalid";
    /** Column: the error's message, or {@code NULL}. */
    static final String ERROR = "error";

    private RunsTable() {
    }

    /**
     * Records a run's end, and the job record's last run.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param result the run's result (its error message is already free of the destination's secrets)
     * @throws SQLException on failure
     */
    static void record(Connection c, JobTables t, SyncResult result) throws SQLException {
        SyncCounts counts = result.counts();
        Sql.execute(c, DSL.insertInto(table(t.runsName()),
                column(RUN_ID), column(JOB_ID), column(STARTED_AT), column(FINISHED_AT), column(STATUS),
                column(PLANNED), column(DELIVERED), column(REJECTED), column(SKIPPED), column(IN_DOUBT),
                column(INVALID), column(ERROR))
            .values(val((Object) result.runId()), val((Object) result.jobId()),
                val((Object) result.startedAt().atOffset(ZoneOffset.UTC)),
                val((Object) result.finishedAt().atOffset(ZoneOffset.UTC)),
                val((Object) result.status().name()), val((Object) counts.planned()), val((Object) counts.delivered()),
                val((Object) counts.rejected()), val((Object) counts.skipped()), val((Object) counts.inDoubt()),
                val((Object) counts.invalidTotal()),
                val((Object) (result.error() == null ? null : String.valueOf(result.error().getMessage())))));
        JobsTable.recordLastRun(c, t, result.jobId(), result.finishedAt().atOffset(ZoneOffset.UTC),
            result.status().name());
    }

    /** A column of the runs table, unqualified. */
    static Field<Object> column(String name) {
        return field(name(name));
    }
}
