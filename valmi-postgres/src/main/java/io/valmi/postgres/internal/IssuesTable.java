package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.KEY;
import static io.valmi.postgres.internal.JobTables.PLAN_KIND;
import static io.valmi.postgres.internal.JobTables.col;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.RunRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.Record3;
import org.jooq.Record5;
import org.jooq.RowN;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The issues table of a job ({@code issues_<job>}): the invalid rows and rejected changes of its last run.
 */
final class IssuesTable {
    /** Column: the run that recorded the issue. */
    static final String RUN_ID = "run_id";
    /** Column: {@code NULL_KEY}, {@code DUPLICATE_KEY} or {@link #REASON_REJECTED}. */
    static final String REASON = "reason";
    /** Column: the key's text form, or {@code NULL}. */
    static final String KEY_TEXT = "key_text";
    /** Column: the row's values, or the destination's reason for a rejection. */
    static final String DETAIL = "detail";
    /** Column: when the issue was recorded. */
    static final String RECORDED_AT = "recorded_at";
    /**
     * Column of a {@link #REASON_REJECTED} row: on how many consecutive runs the destination rejected the key with the
     * values hashed in {@link #ROW_HASH}; {@code NULL} for other reasons (and for rejections recorded before job tables
     * version 4, which count as none).
     */
    static final String STREAK = "streak";
    /** Column of a {@link #REASON_REJECTED} row: the row hash of the rejected values, {@code NULL} for a removal. */
    static final String ROW_HASH = "row_hash";
    /**
     * The reason of a change the destination rejected. Such a row outlives its run: one per key, until the key is
     * delivered, its row is gone or back in step, or the job is told to retry it
     * ({@code docs/internals.md#issues-issues_id}).
     */
    static final String REASON_REJECTED = "REJECTED";
    /** The reason of a key the run's plan left out because of its rejection streak ({@link Quarantine}). */
    static final String REASON_QUARANTINED = "QUARANTINED";

    private final JobTables tables;
    private final SourceRef source;
    private final String keyColumn;
    private final List<String> columns;

    IssuesTable(RunShape shape) {
        this.tables = shape.tables();
        this.source = shape.source();
        this.keyColumn = shape.keyColumn();
        this.columns = shape.columns();
    }


    /**
     * Replaces the issues of the last plan by this plan's: its invalid rows and its quarantined keys (the rejection
     * streaks stay). A row of a duplicated key is described as {@code 3 rows share this key; this row: (…)}, a row
     * with a NULL key by its values alone, a quarantined key by the destination's last reason, with its streak.
     *
     * @param runId the run
     * @return the statements
     */
    public List<Query> recordInvalid(String runId) {
        Table<?> pl = tables.plan("pl");
        Field<String> kind = field(name("pl", PLAN_KIND), SQLDataType.CLOB);
        Field<String> keyText = JobTables.text("pl", JobTables.KEY_TEXT);
        Field<String> reason = DSL.when(kind.eq(inline(JobTables.NULL_KEY)), inline("NULL_KEY"))
            .when(kind.eq(inline(JobTables.QUARANTINED)), inline(REASON_QUARANTINED))
            .otherwise(inline("DUPLICATE_KEY"));
        List<Field<?>> values = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) {
            values.add(col("pl", JobTables.valueColumn(i)));
        }
        // (Counted by the key's own equality, as the plan found the duplicates: 1.0 and 1.00 are one numeric key.)
        Field<String> sharing = DSL.count().over(DSL.partitionBy(col("pl", KEY))).cast(SQLDataType.CLOB);
        Field<String> detail = DSL.when(kind.eq(inline(JobTables.DUPLICATE_KEY)),
                DSL.concat(sharing, inline(" rows share this key; this row: "), rowDetail(values)))
            .when(kind.eq(inline(JobTables.QUARANTINED)), lastRejection(keyText, text(DETAIL)))
            .otherwise(rowDetail(values));
        Field<Integer> streak = DSL.when(kind.eq(inline(JobTables.QUARANTINED)),
            lastRejection(keyText, integer(STREAK)));
        return replaceIssues(DSL.select(DSL.val(runId), reason, keyText, detail, streak)
            .from(pl)
            .where(kind.in(inline(JobTables.NULL_KEY), inline(JobTables.DUPLICATE_KEY),
                inline(JobTables.QUARANTINED))));
    }

    /** A column of a key's rejection streak row (one per key; the highest, should there be more). */
    private <T> Field<T> lastRejection(Field<String> keyText, Field<T> column) {
        return DSL.field(DSL.select(DSL.max(column)).from(table(tables.issuesName()))
            .where(rejectedRows()).and(text(KEY_TEXT).eq(keyText)));
    }

    /** An invalid row's values as a record's text, cut at 300 characters. */
    private static Field<String> rowDetail(List<Field<?>> values) {
        return DSL.left(PgTemplates.rowText(values), inline(300));
    }

    /** Replaces the last plan's issues by rows of (run_id, reason, key_text, detail, streak). */
    private List<Query> replaceIssues(Select<? extends Record5<String, String, String, String, Integer>> rows) {
        return List.of(
            clear(),
            DSL.insertInto(table(tables.issuesName()), text(RUN_ID), text(REASON), text(KEY_TEXT), text(DETAIL),
                    integer(STREAK))
                .select(rows));
    }

    /**
     * Deletes the issues of the last plan: its invalid rows and quarantined keys. The rejection streaks stay.
     *
     * @return the statement
     */
    public Query clear() {
        return DSL.deleteFrom(table(tables.issuesName())).where(text(REASON).ne(inline(REASON_REJECTED)));
    }

    /**
     * Samples of this run's invalid rows.
     *
     * @param runId the run
     * @param limit how many
     * @return the query of (reason, key_text, detail)
     */
    public Select<?> invalidSamples(String runId, int limit) {
        return DSL.select(column(REASON), column(KEY_TEXT), column(DETAIL))
            .from(table(tables.issuesName()))
            .where(column(RUN_ID).eq(DSL.val((Object) runId)))
            .and(column(REASON).in(inline("NULL_KEY"), inline("DUPLICATE_KEY")))
            .orderBy(column(REASON), column(KEY_TEXT))
            .limit(inline(limit));
    }

    /**
     * Records the destination's answer to a batch in the rejection streaks, in the acknowledgement's transaction: a
     * rejected key gets a row of this run with its reason, the hash of the rejected values and a streak one longer
     * than its earlier row's when that row's hash is the same (else 1), and its earlier row goes; a delivered key's
     * row goes (its streak ends). See {@code docs/internals.md#quarantine}.
     *
     * @param runId the run
     * @param batch the batch's keys as handed out: key text {@code kt} and the hash of the values sent {@code h}
     *     ({@code NULL} for a removal)
     * @param rejected the rejected keys and reasons
     * @param forgetDelivered whether rows of earlier runs may exist for keys of the batch (else their lookup is left
     *     out)
     * @return the statements, none when there is nothing to record
     */
    public List<Query> recordAnswer(String runId, Select<? extends Record2<String, Long>> batch,
                                    PgRun.Rejected rejected, boolean forgetDelivered) {
        List<Query> out = new ArrayList<>(3);
        Table<?> b = batch.asTable("b");
        Field<String> bkt = JobTables.text("b", JobTables.KEY_TEXT);
        if (forgetDelivered) {
            out.add(DSL.deleteFrom(table(tables.issuesName())).where(rejectedRows())
                .and(text(KEY_TEXT).in(DSL.select(bkt).from(b)
                    .where(rejected.any() ? Sql.inTexts(bkt, rejected.keyTexts()).not() : DSL.noCondition()))));
        }
        if (!rejected.any()) {
            return out;
        }
        RowN[] answers = new RowN[rejected.keyTexts().size()];
        for (int i = 0; i < answers.length; i++) {
            answers[i] = DSL.row(List.of(DSL.val(rejected.keyTexts().get(i)), DSL.val(rejected.reasons().get(i))));
        }
        Table<?> r = DSL.values(answers).as("r", "kt", "reason");
        Field<String> rkt = JobTables.text("r", "kt");
        Field<Long> bh = JobTables.bigint("b", JobTables.HASH);
        Table<?> o = table(tables.issuesName()).as("o");
        Field<Integer> earlier = DSL.field(DSL.select(DSL.max(integer("o", STREAK))).from(o)
            .where(JobTables.text("o", REASON).eq(inline(REASON_REJECTED)))
            .and(JobTables.text("o", KEY_TEXT).eq(rkt))
            .and(JobTables.text("o", RUN_ID).ne(DSL.val(runId)))
            .and(JobTables.bigint("o", ROW_HASH).eq(bh)));
        out.add(DSL.insertInto(table(tables.issuesName()), text(RUN_ID), text(REASON), text(KEY_TEXT), text(DETAIL),
                integer(STREAK), JobTables.bigint(null, ROW_HASH))
            .select(DSL.select(DSL.val(runId), inline(REASON_REJECTED), rkt, JobTables.text("r", "reason"),
                    DSL.coalesce(earlier, inline(0)).plus(inline(1)), bh)
                .from(r).leftJoin(b).on(bkt.eq(rkt))));
        out.add(DSL.deleteFrom(table(tables.issuesName())).where(rejectedRows())
            .and(text(RUN_ID).ne(DSL.val(runId))).and(Sql.inTexts(text(KEY_TEXT), rejected.keyTexts())));
        return out;
    }

    /**
     * The keys whose rejection streak has reached a length: the plan leaves those out whose values hash as the
     * rejected ones did ({@link PlanTable#createPlan}).
     *
     * @param quarantineAfter the length, at least 1
     * @return the query of (key text, hash of the rejected values)
     */
    public Select<Record2<String, Long>> quarantineCandidates(int quarantineAfter) {
        return DSL.select(text(KEY_TEXT), JobTables.bigint(null, ROW_HASH)).from(table(tables.issuesName()))
            .where(rejectedRows()).and(integer(STREAK).ge(inline(quarantineAfter)));
    }

    /**
     * Counts the keys with a rejection streak, and those whose streak has reached a length.
     *
     * @param quarantineAfter the length, or 0 for none (the second count is then 0)
     * @return the query of (keys with a streak, keys whose streak reached the length)
     */
    public Select<Record2<Integer, Integer>> countStreaks(int quarantineAfter) {
        return DSL.select(DSL.count(), DSL.count().filterWhere(quarantineAfter > 0
                ? integer(STREAK).ge(inline(quarantineAfter)) : DSL.falseCondition()))
            .from(table(tables.issuesName())).where(rejectedRows());
    }

    /**
     * Ends the streaks of keys that no longer need one: keys without a row in the plan of a kind the run sends, holds
     * or leaves out as quarantined (their row is gone, or back to what the destination holds), in the plan's
     * transaction.
     *
     * @param keptKinds the plan kinds whose keys keep their streak
     * @return the statement
     */
    public Query forgetSettledStreaks(List<String> keptKinds) {
        return DSL.deleteFrom(table(tables.issuesName())).where(rejectedRows())
            .andNotExists(DSL.selectOne().from(tables.plan("pl"))
                .where(JobTables.text("pl", JobTables.KEY_TEXT).eq(text(KEY_TEXT)))
                .and(PlanTable.kindIn(keptKinds)));
    }

    /**
     * Whether no key of the job has a rejection streak (a first sync, which reads no earlier state, needs none).
     *
     * @return the query of one boolean
     */
    public Select<?> noStreaks() {
        return DSL.select(DSL.field(DSL.notExists(DSL.selectOne().from(table(tables.issuesName()))
            .where(rejectedRows()))));
    }

    /**
     * The keys the last plan quarantined, in key text order.
     *
     * @param t the job's tables
     * @param limit how many
     * @return the query of (key text, last reason, streak)
     */
    static Select<Record3<String, String, Integer>> quarantinedKeys(JobTables t, int limit) {
        return DSL.select(text(KEY_TEXT), text(DETAIL), integer(STREAK)).from(table(t.issuesName()))
            .where(text(REASON).eq(inline(REASON_QUARANTINED)))
            .orderBy(text(KEY_TEXT))
            .limit(DSL.val(limit));
    }

    /**
     * The rows the last plan found invalid, by reason, then key text.
     *
     * @param t the job's tables
     * @param limit how many
     * @return the query of (reason, key text, detail)
     */
    static Select<Record3<String, String, String>> invalidRows(JobTables t, int limit) {
        return DSL.select(text(REASON), text(KEY_TEXT), text(DETAIL)).from(table(t.issuesName()))
            .where(text(REASON).in(inline(InvalidReason.NULL_KEY.name()), inline(InvalidReason.DUPLICATE_KEY.name())))
            .orderBy(text(REASON), text(KEY_TEXT))
            .limit(DSL.val(limit));
    }

    /**
     * The keys the destination rejected and has not taken since (their rejection streaks), in key text order.
     *
     * @param t the job's tables
     * @param limit how many
     * @return the query of (key text, last reason, streak, run, recorded at)
     */
    static Select<?> rejectedKeys(JobTables t, int limit) {
        return DSL.select(text(KEY_TEXT), text(DETAIL), integer(STREAK), text(RUN_ID),
                field(name(RECORDED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE))
            .from(table(t.issuesName()))
            .where(rejectedRows())
            .orderBy(text(KEY_TEXT))
            .limit(DSL.val(limit));
    }

    /**
     * Counts the keys the last plan quarantined: every one, or one.
     *
     * @param t the job's tables
     * @param keyText the key's text form, or {@code null} for every key
     * @return the query of one count
     */
    static Select<Record1<Integer>> countQuarantined(JobTables t, @Nullable String keyText) {
        return DSL.selectCount().from(table(t.issuesName()))
            .where(text(REASON).eq(inline(REASON_QUARANTINED)))
            .and(keyText == null ? DSL.noCondition() : text(KEY_TEXT).eq(DSL.val(keyText)));
    }

    /**
     * Forgets the rejection streaks, and the keys the last plan quarantined: of every key, or of one.
     *
     * @param t the job's tables
     * @param keyText the key's text form, or {@code null} for every key
     * @return the statement
     */
    static Query forgetStreaks(JobTables t, @Nullable String keyText) {
        return DSL.deleteFrom(table(t.issuesName()))
            .where(text(REASON).in(inline(REASON_REJECTED), inline(REASON_QUARANTINED)))
            .and(keyText == null ? DSL.noCondition() : text(KEY_TEXT).eq(DSL.val(keyText)));
    }

    /** The rows of rejection streaks, unqualified. */
    private static org.jooq.Condition rejectedRows() {
        return text(REASON).eq(inline(REASON_REJECTED));
    }

    /**
     * Replaces the issues table's content by the source's rows with a NULL key (a first sync's only invalid rows).
     *
     * @param runId the run
     * @return the statements
     */
    public List<Query> replaceByNullKeyRows(String runId) {
        List<Field<?>> values = new ArrayList<>();
        for (String column : columns) {
            values.add(col("t", column));
        }
        return replaceIssues(DSL.select(DSL.val(runId), inline("NULL_KEY"), DSL.castNull(SQLDataType.CLOB),
                rowDetail(values), DSL.castNull(SQLDataType.INTEGER))
            .from(source.table().as("t")).where(col("t", keyColumn).isNull()));
    }

    /**
     * The key texts a run's destination rejected.
     *
     * @param t the job's tables
     * @param runId the run
     * @return the query of one text column
     */
    static Select<Record1<String>> rejectedKeyTexts(JobTables t, String runId) {
        return DSL.select(JobTables.text(null, KEY_TEXT)).from(table(t.issuesName()))
            .where(column(RUN_ID).eq(DSL.val((Object) runId)))
            .and(column(REASON).eq(inline((Object) REASON_REJECTED)));
    }

    /** A column of the issues table, unqualified. */
    private static Field<Object> column(String name) {
        return field(name(name));
    }

    /** A text column of the issues table, unqualified. */
    private static Field<String> text(String name) {
        return JobTables.text(null, name);
    }

    /** An integer column of the issues table, unqualified. */
    private static Field<Integer> integer(String name) {
        return integer(null, name);
    }

    /** An integer column of an aliased table. */
    private static Field<Integer> integer(@Nullable String alias, String name) {
        return field(alias == null ? name(name) : name(alias, name), SQLDataType.INTEGER);
    }

    /**
     * Creates the job's issues table if missing.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param schema the bookkeeping schema, to hand a new table to its owner
     * @throws SQLException on failure
     */
    static void ensure(Connection c, JobTables t, BookkeepingSchema.State schema) throws SQLException {
        if (!BookkeepingSchema.tableExists(c, t.schema(), t.issuesName().last())) {
            Sql.execute(c, DSL.createTable(t.issuesName())
                .column(name(RUN_ID), SQLDataType.CLOB.nullable(false))
                .column(name(REASON), SQLDataType.CLOB.nullable(false))
                .column(name(KEY_TEXT), SQLDataType.CLOB)
                .column(name(DETAIL), SQLDataType.CLOB)
                .column(name(RECORDED_AT), SQLDataType.TIMESTAMPWITHTIMEZONE.nullable(false)
                    .defaultValue(DSL.currentOffsetDateTime()))
                .column(name(STREAK), SQLDataType.INTEGER)
                .column(name(ROW_HASH), SQLDataType.BIGINT));
            schema.share(c, t.issuesName());
        } else {
            // Job tables version 4: the rejection streaks (rejections recorded before have none).
            Sql.execute(c, DSL.alterTable(t.issuesName()).addColumnIfNotExists(STREAK, SQLDataType.INTEGER));
            Sql.execute(c, DSL.alterTable(t.issuesName()).addColumnIfNotExists(ROW_HASH, SQLDataType.BIGINT));
        }
        // Streaks are looked up by key when batches are acknowledged and runs planned.
        Sql.execute(c, DSL.createIndexIfNotExists(name(t.issuesName().last() + "_rejected"))
            .on(table(t.issuesName()), field(name(KEY_TEXT)))
            .where(rejectedRows()));
    }

    /**
     * Samples of a run's invalid rows, as many as the request asks for.
     *
     * @param c the connection, in the plan's transaction
     * @param issues the issues table
     * @param request the request
     * @return the samples
     * @throws SQLException on failure
     */
    static List<InvalidRow> samples(Connection c, IssuesTable issues, RunRequest request)
        throws SQLException {
        if (request.maxSamples() == 0) {
            return List.of();
        }
        return Sql.fetch(c, issues.invalidSamples(request.runId(), request.maxSamples()),
            rs -> new InvalidRow(InvalidReason.valueOf(rs.getString(1)), rs.getString(2),
                rs.getString(3) == null ? "" : rs.getString(3)));
    }
}
