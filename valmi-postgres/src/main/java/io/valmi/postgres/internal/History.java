package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.valmi.ConfigurationException;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.RunStatus;
import io.valmi.postgres.JobState;
import io.valmi.postgres.QuarantinedKey;
import io.valmi.postgres.RejectedKey;
import io.valmi.postgres.RunRecord;
import io.valmi.postgres.SyncLogEntry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * Reads a job's history for {@code PostgresSource.history}: its runs, its state, its issues and its sync log. Takes no
 * lock; each call is one short transaction (which first brings a bookkeeping schema of an earlier version to the
 * current one, as a run would). See {@code docs/internals.md#the-run-history}.
 */
final class History {
    private History() {
    }

    /**
     * Refuses a job the bookkeeping schema does not know: one without a job record and without a run in the history.
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @throws ConfigurationException when the job is unknown
     */
    static void requireKnown(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        read(dataSource, description, bookkeepingSchema, jobId, "look up", (c, t) -> Boolean.TRUE);
    }

    static List<RunRecord> runs(DataSource dataSource, String description, String bookkeepingSchema, String jobId,
                                int limit, @Nullable String afterRunId) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the runs of", (c, t) -> {
            if (afterRunId != null && !Sql.fetch(c, RunsTable.hasRun(t, jobId, afterRunId), rs -> rs.getBoolean(1))
                .get(0)) {
                throw new ConfigurationException("JobHistory.runs: the run history of sync job '" + jobId + "' has no"
                    + " run '" + afterRunId + "' to page after (a run id of another job, or a run pruned since:"
                    + " start again from the first page, runs(limit))");
            }
            return limit == 0 ? List.of() : Sql.fetch(c, RunsTable.page(t, jobId, limit, afterRunId),
                RunsTable::runRecord);
        });
    }

    static JobState state(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the state of", (c, t) -> {
            JobsTable.RunState recorded = JobsTable.runState(c, t, jobId);
            @Nullable OffsetDateTime lastRunAt = recorded == null ? null : recorded.lastRunAt();
            @Nullable String lastStatus = recorded == null ? null : recorded.lastStatus();
            @Nullable OffsetDateTime lastSuccessAt = recorded == null ? null : recorded.lastSuccessAt();
            @Nullable String lastSuccessRun = recorded == null ? null : recorded.lastSuccessRun();
            if (lastRunAt == null || lastSuccessAt == null) {
                // (No job record: it was reset or dropped; or no success recorded in it since schema version 5.)
                LastRuns runs = Sql.fetch(c, RunsTable.lastRuns(t, jobId), rs -> new LastRuns(
                    rs.getObject(1, OffsetDateTime.class), rs.getString(2), rs.getObject(3, OffsetDateTime.class),
                    rs.getString(4))).get(0);
                if (lastRunAt == null) {
                    lastRunAt = runs.lastRunAt();
                    lastStatus = runs.lastStatus();
                }
                if (lastSuccessAt == null) {
                    lastSuccessAt = runs.lastSuccessAt();
                    lastSuccessRun = runs.lastSuccessRun();
                }
            }
            long rows = BookkeepingSchema.tableExists(c, t.schema(), t.snapshotName().last())
                ? Sql.fetch(c, DSL.selectCount().from(table(t.snapshotName())), rs -> rs.getLong(1)).get(0) : 0L;
            Map<String, Long> issues = new HashMap<>();
            if (BookkeepingSchema.tableExists(c, t.schema(), t.issuesName().last())) {
                Field<String> reason = field(name(IssuesTable.REASON), SQLDataType.CLOB);
                for (ReasonCount row : Sql.fetch(c, DSL.select(reason, DSL.count()).from(table(t.issuesName()))
                    .groupBy(reason), rs -> new ReasonCount(rs.getString(1), rs.getLong(2)))) {
                    issues.put(row.reason(), row.count());
                }
            }
            return new JobState(jobId, lastRunAt == null ? null : lastRunAt.toInstant(),
                lastStatus == null ? null : RunStatus.valueOf(lastStatus),
                lastSuccessAt == null ? null : lastSuccessAt.toInstant(), lastSuccessRun, rows,
                recorded != null && recorded.firstSyncRun() != null,
                issues.getOrDefault(InvalidReason.NULL_KEY.name(), 0L)
                    + issues.getOrDefault(InvalidReason.DUPLICATE_KEY.name(), 0L),
                issues.getOrDefault(IssuesTable.REASON_REJECTED, 0L),
                issues.getOrDefault(IssuesTable.REASON_QUARANTINED, 0L));
        });
    }

    /** How many rows of one reason the issues table has. */
    private record ReasonCount(String reason, long count) {
    }

    /** The newest run and the newest successful run of a job, from the run history. */
    private record LastRuns(@Nullable OffsetDateTime lastRunAt, @Nullable String lastStatus,
                            @Nullable OffsetDateTime lastSuccessAt, @Nullable String lastSuccessRun) {
    }

    static List<InvalidRow> invalidRows(DataSource dataSource, String description, String bookkeepingSchema,
                                        String jobId, int limit) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the invalid rows of", (c, t) -> {
            if (limit == 0 || !BookkeepingSchema.tableExists(c, t.schema(), t.issuesName().last())) {
                return List.of();
            }
            return Sql.fetch(c, IssuesTable.invalidRows(t, limit), rs -> new InvalidRow(
                InvalidReason.valueOf(rs.getString(1)), rs.getString(2), rs.getString(3) == null ? ""
                : rs.getString(3)));
        });
    }

    static List<RejectedKey> rejectedKeys(DataSource dataSource, String description, String bookkeepingSchema,
                                          String jobId, int limit) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the rejected keys of", (c, t) -> {
            if (limit == 0 || !BookkeepingSchema.tableExists(c, t.schema(), t.issuesName().last())) {
                return List.of();
            }
            return Sql.fetch(c, IssuesTable.rejectedKeys(t, limit), rs -> new RejectedKey(rs.getString(1),
                rs.getString(2) == null ? "" : rs.getString(2), Math.max(1, rs.getInt(3)), rs.getString(4),
                rs.getObject(5, OffsetDateTime.class).toInstant()));
        });
    }

    static List<QuarantinedKey> quarantinedKeys(DataSource dataSource, String description, String bookkeepingSchema,
                                                String jobId, int limit) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the quarantined keys of", (c, t) -> {
            // (Quarantined keys exist from job tables version 4 on, which gave the issues table its streaks.)
            if (limit == 0 || !issuesWithStreaks(c, t)) {
                return List.of();
            }
            return Sql.fetch(c, IssuesTable.quarantinedKeys(t, limit),
                rs -> new QuarantinedKey(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2),
                    rs.getInt(3)));
        });
    }

    /** Whether the job's issues table exists and has rejection streaks (job tables version 4). */
    private static boolean issuesWithStreaks(Connection c, JobTables t) throws SQLException {
        var issues = CatalogQueries.relation(c, t.schema(), t.issuesName().last());
        return issues.isPresent() && BookkeepingSchema.hasColumn(c, issues.get().oid(), IssuesTable.STREAK);
    }

    static List<SyncLogEntry> syncLog(DataSource dataSource, String description, String bookkeepingSchema,
                                      String jobId, String keyText, int limit) {
        return read(dataSource, description, bookkeepingSchema, jobId, "read the sync log of", (c, t) ->
            limit == 0 ? List.of() : Sql.fetch(c, SyncLogTable.byKey(t, jobId, keyText, limit), SyncLogTable::entry));
    }

    /** A read of a known job's history. */
    @FunctionalInterface
    private interface Read<T> {
        T read(Connection c, JobTables t) throws SQLException;
    }

    /**
     * Runs a read in one transaction, after refusing an unknown job and migrating a schema of an earlier version.
     */
    private static <T> T read(DataSource dataSource, String description, String bookkeepingSchema, String jobId,
                              String what, Read<T> read) {
        JobTables tables = new JobTables(bookkeepingSchema, jobId);
        try (Session session = Session.open(dataSource, description)) {
            return session.transaction(what + " sync job '" + jobId + "'", c -> {
                boolean jobsTable = BookkeepingSchema.tableExists(c, tables.schema(), tables.jobsName().last());
                if (!jobsTable) {
                    throw unknown(c, tables, jobId, false);
                }
                BookkeepingSchema.prepare(c, tables);
                boolean known = JobsTable.job(c, tables, jobId) != null
                    || Sql.fetch(c, DSL.select(DSL.field(DSL.exists(DSL.selectOne().from(table(tables.runsName()))
                        .where(RunsTable.jobIs(jobId))))), rs -> rs.getBoolean(1)).get(0);
                if (!known) {
                    throw unknown(c, tables, jobId, true);
                }
                return read.read(c, tables);
            });
        }
    }

    private static ConfigurationException unknown(Connection c, JobTables t, String jobId, boolean tablesExist)
        throws SQLException {
        List<String> known = List.of();
        if (tablesExist) {
            Field<String> id = field(name(JobsTable.JOB_ID), SQLDataType.CLOB);
            known = Sql.fetch(c, DSL.select(id).from(table(t.jobsName()))
                .union(DSL.select(id).from(table(t.runsName())))
                .orderBy(id).limit(inline(10)), rs -> rs.getString(1));
        }
        return new ConfigurationException("PostgresSource.history: bookkeeping schema \"" + t.schema() + "\" has no"
            + " sync job '" + jobId + "' (no record of it and no run of it in the history: it never ran there, or its"
            + " runs were pruned). Check the job id" + (known.isEmpty()
            ? " and the bookkeeping schema (PostgresSource.Builder.bookkeepingSchema)"
            : "; jobs it knows: " + String.join(", ", known) + (known.size() == 10 ? ", ..." : "")));
    }
}
