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
import org.jooq.impl.DSL;

/** The run history ({@code valmi_runs}): one row per run that got to record its end. */
final class RunsTable {
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
                field(name("run_id")), field(name("job_id")), field(name("started_at")), field(name("finished_at")),
                field(name("status")), field(name("planned")), field(name("delivered")), field(name("rejected")),
                field(name("skipped")), field(name("in_doubt")), field(name("invalid")), field(name("error")))
            .values(val((Object) result.runId()), val((Object) result.jobId()),
                val((Object) result.startedAt().atOffset(ZoneOffset.UTC)),
                val((Object) result.finishedAt().atOffset(ZoneOffset.UTC)),
                val((Object) result.status().name()), val((Object) counts.planned()), val((Object) counts.delivered()),
                val((Object) counts.rejected()), val((Object) counts.skipped()), val((Object) counts.inDoubt()),
                val((Object) counts.invalidTotal()),
                val((Object) (result.error() == null ? null : String.valueOf(result.error().getMessage())))));
        Sql.execute(c, DSL.update(table(t.jobsName()))
            .set(field(name("last_run_at")), (Object) result.finishedAt().atOffset(ZoneOffset.UTC))
            .set(field(name("last_status")), (Object) result.status().name())
            .where(field(name("job_id")).eq(val((Object) result.jobId()))));
    }
}
