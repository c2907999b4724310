package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.KEY_TEXT;
import static io.valmi.postgres.internal.JobTables.PLAN_KIND;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.valmi.ChangeKind;
import io.valmi.postgres.SyncLogEntry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The sync log ({@code valmi_sync_log}, schema-wide, LOGGED): for each run of a job that keeps one
 * ({@link io.valmi.SyncOptions#syncLog()}), a row per key the destination answered, with the kind of change and
 * whether it was delivered or rejected (and why), written in the transaction that records the acknowledgement, set
 * based from the batch's rows in the plan table (or, in a first sync, the snapshot). See
 * {@code docs/internals.md#valmi_sync_log}.
 */
final class SyncLogTable {
    /** Column: the job. */
    static final String JOB_ID = "job_id";
    /** Column: the run that sent the key. */
    static final String RUN_ID = "run_id";
    /** Column: the key's text form, as the plan prints it. */
    static final String KEY_TEXT_COLUMN = "key_text";
    /** Column: the kind of change sent ({@link ChangeKind} by name). */
    static final String KIND = "kind";
    /** Column: {@link SyncLogEntry.Outcome} by name. */
    static final String OUTCOME = "outcome";
    /** Column: the destination's reason for a rejection, else {@code NULL}. */
    static final String REASON = "reason";
    /** Column: when the acknowledgement was recorded (its transaction's start). */
    static final String LOGGED_AT = "logged_at";

    private final JobTables tables;

    SyncLogTable(RunShape shape) {
        this.tables = shape.tables();
    }

    /**
     * Creates the table and its two indexes if missing (schema version 5): one for a job's keys, newest first, and one
     * for pruning a job's rows by age.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables (for the schema's table names)
     * @param state the bookkeeping schema, to hand a new table to its owner
     * @throws SQLException on failure
     */
    static void create(Connection c, JobTables t, BookkeepingSchema.State state) throws SQLException {
        boolean existed = BookkeepingSchema.tableExists(c, t.schema(), t.syncLogName().last());
        Sql.execute(c, DSL.createTableIfNotExists(t.syncLogName())
            .column(name(JOB_ID), SQLDataType.CLOB.nullable(false))
            .column(name(RUN_ID), SQLDataType.CLOB.nullable(false))
            .column(name(KEY_TEXT_COLUMN), SQLDataType.CLOB.nullable(false))
            .column(name(KIND), SQLDataType.CLOB.nullable(false))
            .column(name(OUTCOME), SQLDataType.CLOB.nullable(false))
            .column(name(REASON), SQLDataType.CLOB)
            .column(name(LOGGED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                .defaultValue(DSL.currentOffsetDateTime())));
        if (!existed) {
            state.share(c, t.syncLogName());
        }
        Sql.execute(c, DSL.createIndexIfNotExists(name("valmi_sync_log_key_idx")).on(table(t.syncLogName()),
            field(name(JOB_ID)), field(name(KEY_TEXT_COLUMN)), field(name(LOGGED_AT))));
        Sql.execute(c, DSL.createIndexIfNotExists(name("valmi_sync_log_age_idx")).on(table(t.syncLogName()),
            field(name(JOB_ID)), field(name(LOGGED_AT))));
    }

    /**
     * Logs the keys of a batch read from the plan table: each planned change of the kinds handed out in the batch's
     * key range, delivered or (when its key text is among the rejected ones) rejected with its reason.
     *
     * @param jobId the job
     * @param runId the run
     * @param kinds the plan kinds the run hands out
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of the batch
     * @param rejected the batch's rejections
     * @return the statement
     */
    Query planBatch(String jobId, String runId, List<String> kinds, @Nullable String from, String to,
                    PgRun.Rejected rejected) {
        Field<String> kind = field(name("pl", PLAN_KIND), SQLDataType.CLOB);
        Field<String> kindName = DSL.when(kind.eq(inline(JobTables.ADDED)), inline(ChangeKind.ADDED.name()))
            .when(kind.eq(inline(JobTables.CHANGED)), inline(ChangeKind.CHANGED.name()))
            .when(kind.eq(inline(JobTables.REMOVED)), inline(ChangeKind.REMOVED.name()))
            .otherwise(inline(ChangeKind.UNCHANGED.name()));
        return logBatch(jobId, runId, DSL.select(JobTables.text("pl", KEY_TEXT).as(KEY_TEXT), kindName.as(KIND))
            .from(tables.plan("pl")).where(PlanTable.kindIn(kinds)).and(PlanTable.range(from, to)), rejected);
    }

    /**
     * Logs the keys of a first sync's batch (every one ADDED), from the batch's snapshot rows.
     *
     * @param jobId the job
     * @param runId the run
     * @param batch the batch's keys as its snapshot rows hold them ({@link SnapshotTable#batchHashes})
     * @param rejected the batch's rejections
     * @return the statement
     */
    Query firstSyncBatch(String jobId, String runId, Select<? extends Record2<String, Long>> batch,
                         PgRun.Rejected rejected) {
        Table<?> b = batch.asTable("b");
        return logBatch(jobId, runId, DSL.select(JobTables.text("b", KEY_TEXT).as(KEY_TEXT),
            inline(ChangeKind.ADDED.name()).as(KIND)).from(b), rejected);
    }

    /** Inserts a row per key of {@code keys} (columns {@code kt}, {@code kind}), delivered or rejected. */
    private Query logBatch(String jobId, String runId, Select<? extends Record2<String, String>> keys,
                           PgRun.Rejected rejected) {
        Table<?> k = keys.asTable("k");
        Field<String> kt = JobTables.text("k", KEY_TEXT);
        Field<String> outcome = inline(SyncLogEntry.Outcome.DELIVERED.name());
        Field<String> reason = DSL.castNull(SQLDataType.CLOB);
        Table<?> from = k;
        if (rejected.any()) {
            Table<?> r = PgTemplates.textPairs(Sql.untyped(Sql.arrayLiteral(rejected.keyTexts(), Object::toString)),
                Sql.untyped(Sql.arrayLiteral(rejected.reasons(), Object::toString)), "r", KEY_TEXT, REASON);
            from = k.leftJoin(r).on(JobTables.text("r", KEY_TEXT).eq(kt));
            reason = JobTables.text("r", REASON);
            outcome = DSL.when(JobTables.text("r", KEY_TEXT).isNull(), outcome)
                .otherwise(inline(SyncLogEntry.Outcome.REJECTED.name()));
        }
        return DSL.insertInto(table(tables.syncLogName()), text(JOB_ID), text(RUN_ID), text(KEY_TEXT_COLUMN),
                text(KIND), text(OUTCOME), text(REASON))
            .select(DSL.select(val(jobId), val(runId), kt, JobTables.text("k", KIND), outcome, reason).from(from));
    }

    /**
     * Deletes a job's log rows older than the retention (by the server's clock).
     *
     * @param t the job's tables
     * @param jobId the job
     * @param retention how long rows are kept, positive
     * @return the statement
     */
    static Query prune(JobTables t, String jobId, Duration retention) {
        return DSL.deleteFrom(table(t.syncLogName())).where(text(JOB_ID).eq(val(jobId)))
            .and(field(name(LOGGED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE).lt(RunsTable.before(retention)));
    }

    /**
     * A key's rows in a job's log, newest first.
     *
     * @param t the job's tables
     * @param jobId the job
     * @param keyText the key's text form
     * @param limit how many at most
     * @return the query of {@link #entry} rows
     */
    static Select<?> byKey(JobTables t, String jobId, String keyText, int limit) {
        Field<OffsetDateTime> loggedAt = field(name(LOGGED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE);
        return DSL.select(text(RUN_ID), text(KEY_TEXT_COLUMN), text(KIND), text(OUTCOME), text(REASON), loggedAt)
            .from(table(t.syncLogName()))
            .where(text(JOB_ID).eq(val(jobId))).and(text(KEY_TEXT_COLUMN).eq(val(keyText)))
            .orderBy(loggedAt.desc(), text(RUN_ID).desc())
            .limit(val(limit));
    }

    /**
     * Reads a row of {@link #byKey}.
     *
     * @param rs the result, on a row
     * @return the entry
     * @throws SQLException on failure
     */
    static SyncLogEntry entry(ResultSet rs) throws SQLException {
        return new SyncLogEntry(rs.getString(1), rs.getString(2), ChangeKind.valueOf(rs.getString(3)),
            SyncLogEntry.Outcome.valueOf(rs.getString(4)), rs.getString(5),
            rs.getObject(6, OffsetDateTime.class).toInstant());
    }

    private static Field<String> text(String name) {
        return field(name(name), SQLDataType.CLOB);
    }
}
