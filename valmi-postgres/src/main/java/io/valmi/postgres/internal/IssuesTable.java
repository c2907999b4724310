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
import org.jooq.Record4;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

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
    /** The reason of a change the destination rejected. */
    static final String REASON_REJECTED = "REJECTED";

    private final JobTables tables;
    private final String schema;
    private final String relation;
    private final String keyColumn;
    private final List<String> columns;

    IssuesTable(RunShape shape) {
        this.tables = shape.tables();
        this.schema = shape.schema();
        this.relation = shape.relation();
        this.keyColumn = shape.keyColumn();
        this.columns = shape.columns();
    }


    /**
     * Replaces the issues table's content by the invalid rows of this plan. A row of a duplicated key is described as
     * {@code 3 rows share this key; this row: (…)}, a row with a NULL key by its values alone.
     *
     * @param runId the run
     * @return the statements
     */
    public List<Query> recordInvalid(String runId) {
        Table<?> pl = tables.plan("pl");
        Field<String> kind = field(name("pl", PLAN_KIND), SQLDataType.CLOB);
        Field<String> reason = DSL.when(kind.eq(inline(JobTables.NULL_KEY)), inline("NULL_KEY"))
            .otherwise(inline("DUPLICATE_KEY"));
        List<Field<?>> values = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) {
            values.add(col("pl", JobTables.valueColumn(i)));
        }
        // (Counted by the key's own equality, as the plan found the duplicates: 1.0 and 1.00 are one numeric key.)
        Field<String> sharing = DSL.count().over(DSL.partitionBy(col("pl", KEY))).cast(SQLDataType.CLOB);
        Field<String> detail = DSL.when(kind.eq(inline(JobTables.DUPLICATE_KEY)),
                DSL.concat(sharing, inline(" rows share this key; this row: "), rowDetail(values)))
            .otherwise(rowDetail(values));
        return replaceIssues(DSL.select(DSL.val(runId), reason, JobTables.text("pl", JobTables.KEY_TEXT), detail)
            .from(pl)
            .where(kind.in(inline(JobTables.NULL_KEY), inline(JobTables.DUPLICATE_KEY))));
    }

    /** An invalid row's values as a record's text, cut at 300 characters. */
    private static Field<String> rowDetail(List<Field<?>> values) {
        return DSL.left(PgTemplates.rowText(values), inline(300));
    }

    /** Replaces the issues table's content by rows of (run_id, reason, key_text, detail). */
    private List<Query> replaceIssues(Select<? extends Record4<String, String, String, String>> rows) {
        return List.of(
            clear(),
            DSL.insertInto(table(tables.issuesName()), JobTables.text(null, RUN_ID), JobTables.text(null, REASON),
                    JobTables.text(null, KEY_TEXT), JobTables.text(null, DETAIL))
                .select(rows));
    }

    /**
     * Deletes the issues of the last run (a plan with no invalid rows has none to record).
     *
     * @return the statement
     */
    public Query clear() {
        return DSL.deleteFrom(table(tables.issuesName()));
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
     * Records rejected changes in the issues table.
     *
     * @param runId the run
     * @param keyTexts key texts
     * @param reasons reasons, same order
     * @return the statement
     */
    public Query recordRejections(String runId, List<String> keyTexts, List<String> reasons) {
        var insert = DSL.insertInto(table(tables.issuesName()), column(RUN_ID), column(REASON), column(KEY_TEXT),
            column(DETAIL));
        var step = insert.values(DSL.val((Object) runId), inline((Object) REASON_REJECTED),
            DSL.val((Object) keyTexts.get(0)), DSL.val((Object) reasons.get(0)));
        for (int i = 1; i < keyTexts.size(); i++) {
            step = step.values(DSL.val((Object) runId), inline((Object) REASON_REJECTED),
                DSL.val((Object) keyTexts.get(i)), DSL.val((Object) reasons.get(i)));
        }
        return step;
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
                rowDetail(values))
            .from(table(name(schema, relation)).as("t")).where(col("t", keyColumn).isNull()));
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
                    .defaultValue(DSL.currentOffsetDateTime())));
            schema.share(c, t.issuesName());
        }
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
