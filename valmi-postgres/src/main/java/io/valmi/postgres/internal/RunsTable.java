package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.valmi.ChangeKind;
import io.valmi.InvalidReason;
import io.valmi.RunStatus;
import io.valmi.SyncCounts;
import io.valmi.SyncResult;
import io.valmi.postgres.RunRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.types.DayToSecond;
import org.jspecify.annotations.Nullable;

/**
 * The run history ({@code valmi_runs}): one row per run that got to record its end, with its counts; pruned by the
 * source's history retention. Its columns: {@code docs/internals.md#valmi_runs}.
 */
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

    /**
     * The columns schema version 5 added, {@code NULL} in rows recorded before: planned changes by kind, delivered
     * changes by kind, invalid rows by reason, quarantined rows, and the delivery's batches, retries, throttles and
     * splits, as {@link SyncCounts} has them.
     */
    enum Count {
        /** Planned ADDED changes. */
        ADDED("added"),
        /** Planned CHANGED changes. */
        CHANGED("changed"),
        /** Planned UNCHANGED changes (FULL_TABLE). */
        UNCHANGED("unchanged"),
        /** Planned REMOVED changes. */
        REMOVED("removed"),
        /** Delivered ADDED changes. */
        DELIVERED_ADDED("delivered_added"),
        /** Delivered CHANGED changes. */
        DELIVERED_CHANGED("delivered_changed"),
        /** Delivered UNCHANGED changes. */
        DELIVERED_UNCHANGED("delivered_unchanged"),
        /** Delivered REMOVED changes. */
        DELIVERED_REMOVED("delivered_removed"),
        /** Rows with a NULL key. */
        INVALID_NULL_KEY("invalid_null_key"),
        /** Rows with a duplicated key. */
        INVALID_DUPLICATE_KEY("invalid_duplicate_key"),
        /** Rows left out as quarantined. */
        QUARANTINED("quarantined"),
        /** Batches the destination answered. */
        BATCHES("batches"),
        /** Writes tried again. */
        RETRIES("retries"),
        /** "Slow down" answers. */
        THROTTLES("throttles"),
        /** Failed batches split in two. */
        SPLITS("splits");

        /** The column's name. */
        final String column;

        Count(String column) {
            this.column = column;
        }

        /** The count of a run's counts that this column records. */
        long of(SyncCounts counts) {
            switch (this) {
                case ADDED:
                    return counts.added();
                case CHANGED:
                    return counts.changed();
                case UNCHANGED:
                    return counts.unchanged();
                case REMOVED:
                    return counts.removed();
                case DELIVERED_ADDED:
                    return counts.delivered(ChangeKind.ADDED);
                case DELIVERED_CHANGED:
                    return counts.delivered(ChangeKind.CHANGED);
                case DELIVERED_UNCHANGED:
                    return counts.delivered(ChangeKind.UNCHANGED);
                case DELIVERED_REMOVED:
                    return counts.delivered(ChangeKind.REMOVED);
                case INVALID_NULL_KEY:
                    return counts.invalid(InvalidReason.NULL_KEY);
                case INVALID_DUPLICATE_KEY:
                    return counts.invalid(InvalidReason.DUPLICATE_KEY);
                case QUARANTINED:
                    return counts.quarantined();
                case BATCHES:
                    return counts.batches();
                case RETRIES:
                    return counts.retries();
                case THROTTLES:
                    return counts.throttles();
                case SPLITS:
                    return counts.splits();
                default:
                    throw new IllegalStateException(name());
            }
        }
    }

    private RunsTable() {
    }

    /**
     * Records a run's end, and the job record's last run (and last success).
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param result the run's result (its error message is already free of the destination's secrets)
     * @throws SQLException on failure
     */
    static void record(Connection c, JobTables t, SyncResult result) throws SQLException {
        SyncCounts counts = result.counts();
        List<Field<?>> columns = new ArrayList<>(List.of(column(RUN_ID), column(JOB_ID), column(STARTED_AT),
            column(FINISHED_AT), column(STATUS), column(PLANNED), column(DELIVERED), column(REJECTED), column(SKIPPED),
            column(IN_DOUBT), column(INVALID), column(ERROR)));
        List<Field<?>> values = new ArrayList<>(List.of(val((Object) result.runId()), val((Object) result.jobId()),
            val((Object) result.startedAt().atOffset(ZoneOffset.UTC)),
            val((Object) result.finishedAt().atOffset(ZoneOffset.UTC)),
            val((Object) result.status().name()), val((Object) counts.planned()), val((Object) counts.delivered()),
            val((Object) counts.rejected()), val((Object) counts.skipped()), val((Object) counts.inDoubt()),
            val((Object) counts.invalidTotal()),
            val((Object) (result.error() == null ? null : String.valueOf(result.error().getMessage())))));
        for (Count count : Count.values()) {
            columns.add(column(count.column));
            values.add(val((Object) count.of(counts)));
        }
        Sql.execute(c, DSL.insertInto(table(t.runsName()), columns).values(values));
        JobsTable.recordLastRun(c, t, result.jobId(), result.runId(), result.finishedAt().atOffset(ZoneOffset.UTC),
            result.status().name(), result.status() == RunStatus.SUCCEEDED);
    }

    /**
     * Deletes a job's runs that ended before the retention (by the server's clock).
     *
     * @param t the job's tables
     * @param jobId the job
     * @param retention how long runs are kept, positive
     * @return the statement
     */
    static Query prune(JobTables t, String jobId, Duration retention) {
        return DSL.deleteFrom(table(t.runsName())).where(jobIs(jobId))
            .and(timestamp(FINISHED_AT).lt(before(retention)));
    }

    /**
     * The server's time a retention ago.
     *
     * @param retention how long, positive
     * @return {@code now() - retention}
     */
    static Field<OffsetDateTime> before(Duration retention) {
        return DSL.currentOffsetDateTime().minus(inline(DayToSecond.valueOf(retention)));
    }

    /**
     * A page of a job's runs, newest first (by end, then run id): the first page, or the page after a run.
     *
     * @param t the job's tables
     * @param jobId the job
     * @param limit how many at most
     * @param after the run the previous page ended with, or {@code null} for the first page
     * @return the query of {@link #runRecord} rows
     */
    static Select<?> page(JobTables t, String jobId, int limit, @Nullable String after) {
        Condition older = DSL.noCondition();
        if (after != null) {
            var cursor = DSL.select(timestamp(FINISHED_AT), text(RUN_ID)).from(table(t.runsName()))
                .where(jobIs(jobId)).and(text(RUN_ID).eq(val(after)));
            older = DSL.row(timestamp(FINISHED_AT), text(RUN_ID)).lt(cursor);
        }
        return DSL.select(recordFields()).from(table(t.runsName())).where(jobIs(jobId)).and(older)
            .orderBy(timestamp(FINISHED_AT).desc(), text(RUN_ID).desc())
            .limit(val(limit));
    }

    /**
     * Whether a job has a run of this id in the history.
     *
     * @param t the job's tables
     * @param jobId the job
     * @param runId the run
     * @return the query of one boolean
     */
    static Select<?> hasRun(JobTables t, String jobId, String runId) {
        return DSL.select(DSL.field(DSL.exists(DSL.selectOne().from(table(t.runsName())).where(jobIs(jobId))
            .and(text(RUN_ID).eq(val(runId))))));
    }

    /**
     * The job's newest run, and its newest successful one, from the history (for a job without a record, or one
     * recorded before schema version 5).
     *
     * @param t the job's tables
     * @param jobId the job
     * @return the query of (last run's end, its status, last success's end, its run id)
     */
    static Select<?> lastRuns(JobTables t, String jobId) {
        var last = DSL.select(timestamp(FINISHED_AT), text(STATUS)).from(table(t.runsName())).where(jobIs(jobId))
            .orderBy(timestamp(FINISHED_AT).desc(), text(RUN_ID).desc()).limit(inline(1)).asTable("l");
        var success = DSL.select(timestamp(FINISHED_AT), text(RUN_ID)).from(table(t.runsName())).where(jobIs(jobId))
            .and(text(STATUS).eq(inline(RunStatus.SUCCEEDED.name())))
            .orderBy(timestamp(FINISHED_AT).desc(), text(RUN_ID).desc()).limit(inline(1)).asTable("s");
        return DSL.select(last.field(0), last.field(1), success.field(0), success.field(1))
            .from(DSL.selectOne().asTable("one")).leftJoin(last).on(DSL.trueCondition())
            .leftJoin(success).on(DSL.trueCondition());
    }

    /** The columns a {@link RunRecord} is read from, in the order {@link #runRecord} reads them. */
    private static List<SelectField<?>> recordFields() {
        List<SelectField<?>> fields = new ArrayList<>(List.of(text(RUN_ID), text(JOB_ID), text(STATUS),
            timestamp(STARTED_AT), timestamp(FINISHED_AT), bigint(PLANNED), bigint(DELIVERED), bigint(REJECTED),
            bigint(SKIPPED), bigint(IN_DOUBT), bigint(INVALID), text(ERROR)));
        for (Count count : Count.values()) {
            fields.add(bigint(count.column));
        }
        return fields;
    }

    /**
     * Reads a run of {@link #page}. The counts schema version 5 added read as 0 in runs recorded before it (their
     * invalid rows by reason too: such a run has only their total, which is left out).
     *
     * @param rs the result, on a row
     * @return the run
     * @throws SQLException on failure
     */
    static RunRecord runRecord(ResultSet rs) throws SQLException {
        Map<InvalidReason, Long> invalid = new LinkedHashMap<>();
        putPositive(invalid, InvalidReason.NULL_KEY, count(rs, Count.INVALID_NULL_KEY));
        putPositive(invalid, InvalidReason.DUPLICATE_KEY, count(rs, Count.INVALID_DUPLICATE_KEY));
        Map<ChangeKind, Long> delivered = new EnumMap<>(ChangeKind.class);
        putPositive(delivered, ChangeKind.ADDED, count(rs, Count.DELIVERED_ADDED));
        putPositive(delivered, ChangeKind.CHANGED, count(rs, Count.DELIVERED_CHANGED));
        putPositive(delivered, ChangeKind.UNCHANGED, count(rs, Count.DELIVERED_UNCHANGED));
        putPositive(delivered, ChangeKind.REMOVED, count(rs, Count.DELIVERED_REMOVED));
        SyncCounts counts = new SyncCounts(rs.getLong(6), count(rs, Count.ADDED), count(rs, Count.CHANGED),
            count(rs, Count.UNCHANGED), count(rs, Count.REMOVED), invalid, rs.getLong(7), rs.getLong(8),
            rs.getLong(9), rs.getLong(10), count(rs, Count.BATCHES), count(rs, Count.RETRIES),
            count(rs, Count.THROTTLES), count(rs, Count.SPLITS), delivered, count(rs, Count.QUARANTINED));
        return new RunRecord(rs.getString(1), rs.getString(2), RunStatus.valueOf(rs.getString(3)),
            rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getObject(5, OffsetDateTime.class).toInstant(),
            counts, rs.getString(12));
    }

    /** A count of {@link #recordFields()}: they follow its first 12 columns in {@link Count}'s order (NULL: 0). */
    private static long count(ResultSet rs, Count count) throws SQLException {
        return rs.getLong(13 + count.ordinal());
    }

    private static <K> void putPositive(Map<K, Long> map, K key, long value) {
        if (value > 0) {
            map.put(key, value);
        }
    }

    /** {@code job_id = ?}. */
    static Condition jobIs(String jobId) {
        return text(JOB_ID).eq(val(jobId));
    }

    /** A column of the runs table, unqualified. */
    static Field<Object> column(String name) {
        return field(name(name));
    }

    private static Field<String> text(String name) {
        return field(name(name), SQLDataType.CLOB);
    }

    private static Field<Long> bigint(String name) {
        return field(name(name), SQLDataType.BIGINT);
    }

    private static Field<OffsetDateTime> timestamp(String name) {
        return field(name(name), SQLDataType.TIMESTAMPWITHTIMEZONE);
    }
}
