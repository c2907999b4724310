package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.D;
import static io.valmi.postgres.internal.JobTables.H;
import static io.valmi.postgres.internal.JobTables.K;
import static io.valmi.postgres.internal.JobTables.KIND;
import static io.valmi.postgres.internal.JobTables.KT;
import static io.valmi.postgres.internal.JobTables.PS;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The statements of a run over one relation, all rendered by jOOQ. The heart is {@link #createPlan}: one
 * statement, so one consistent read of the source, that hashes the mapped columns of every row, classifies
 * invalid rows and compares valid ones with the snapshot in one FULL JOIN on the key.
 */
public final class PlanSql {
    private final JobTables tables;
    private final String schema;
    private final String relation;
    private final String keyColumn;
    private final List<String> columns;
    private final List<String> types;

    /**
     * The statements of one job.
     *
     * @param tables the job's tables
     * @param schema the source schema
     * @param relation the source relation
     * @param keyColumn the key column
     * @param columns the mapped columns, in mapping order
     * @param types the mapped columns' types as {@code format_type} prints them, same order
     */
    public PlanSql(JobTables tables, String schema, String relation, String keyColumn, List<String> columns,
                   List<String> types) {
        if (types.size() != columns.size()) {
            throw new IllegalArgumentException("one type per mapped column");
        }
        this.tables = tables;
        this.schema = schema;
        this.relation = relation;
        this.keyColumn = keyColumn;
        this.columns = List.copyOf(columns);
        this.types = List.copyOf(types);
    }

    private static Field<Object> f(String alias, String column) {
        return field(name(alias, column));
    }

    /**
     * A select of the key column, for creating the snapshot with the key's type.
     *
     * @return the select
     */
    public Select<?> keyOnly() {
        return DSL.select(f("t", keyColumn).as(K)).from(table(name(schema, relation)).as("t"));
    }

    /**
     * The hash of a row's mapped columns ({@link Bookkeeping#HASH_ALGORITHM}): {@code hash_array_extended} over
     * one 64-bit hash per column, so NULL-safe and order-sensitive. Each column is hashed as what would be sent
     * ("a change is a change of the text form": {@code 1.5} to {@code 1.50} is one): the hash of its text form
     * (output function, byte-wise, collation "C"), except for types whose value determines their text form,
     * which are hashed by value without printing them: integers, text and varchar (already text), uuid,
     * boolean, dates and timestamps (the session's TimeZone and DateStyle are pinned), and numeric (value and
     * display scale).
     *
     * <p>What it buys: the earlier hash printed the whole row as a record ({@code ROW(...)::text}), whose quoting
     * pass costs more than the output functions themselves; hashing by column took the hash of the benchmark's
     * 8-column table from ~2.8 s to ~1.85 s per million rows on one (busy) core.
     *
     * @param alias the source alias
     * @return the field
     */
    Field<Long> rowHash(String alias) {
        if (columns.isEmpty()) {
            return inline(0L);
        }
        List<Field<Long>> parts = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            parts.add(columnHash(f(alias, columns.get(i)), types.get(i)));
        }
        return DSL.function(name("pg_catalog", "hash_array_extended"), SQLDataType.BIGINT, DSL.array(parts), inline(0L));
    }

    private static Field<Long> columnHash(Field<Object> column, String type) {
        Field<?> zero = inline(0L);
        switch (type) {
            case "smallint":
            case "integer":
            case "bigint":
                return DSL.function(name("pg_catalog", "hashint8extended"), SQLDataType.BIGINT,
                    column.cast(SQLDataType.BIGINT), zero);
            case "boolean":
                return DSL.function(name("pg_catalog", "hashint8extended"), SQLDataType.BIGINT,
                    column.cast(SQLDataType.INTEGER).cast(SQLDataType.BIGINT), zero);
            case "uuid":
                return DSL.function(name("pg_catalog", "uuid_hash_extended"), SQLDataType.BIGINT, column, zero);
            case "text":
                return textHash(column);
            case "timestamp with time zone":
            case "timestamp without time zone":
            case "date":
                // The text form of these is fixed by the value (the session's TimeZone and DateStyle are pinned), so
                // the value's hash serves; it saves printing them (about a fifth of the plan for a timestamp column).
                return DSL.function(name("pg_catalog", "timestamp_hash_extended"), SQLDataType.BIGINT,
                    column.cast(SQLDataType.LOCALDATETIME), zero);
            default:
                if (type.equals("numeric") || type.startsWith("numeric(")) {
                    // The text form of a numeric is fixed by its value and its display scale (1.5 and 1.50 print
                    // differently and hash equal by value): the scale is hashed with the value as the seed. NaN and
                    // the infinities have no scale (-1 here), NULL stays NULL (hash 0 in the array).
                    return DSL.function(name("pg_catalog", "hashint8extended"), SQLDataType.BIGINT,
                        DSL.coalesce(DSL.function(name("pg_catalog", "scale"), SQLDataType.INTEGER, column),
                            inline(-1)).cast(SQLDataType.BIGINT),
                        DSL.function(name("pg_catalog", "hash_numeric_extended"), SQLDataType.BIGINT, column, zero));
                }
                if (type.startsWith("character varying")) {
                    return textHash(column);
                }
                return textHash(column.cast(SQLDataType.CLOB));
        }
    }

    /** A text's bytes hashed, whatever the column's collation (a case-insensitive one would hide changes). */
    private static Field<Long> textHash(Field<?> text) {
        return DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT,
            DSL.field("{0} COLLATE {1}", SQLDataType.CLOB, text, name("C")), inline(0L));
    }

    /**
     * Creates the plan table in one statement over the source.
     *
     * @param incremental leave out unchanged rows
     * @param checkDuplicates whether the key may hold duplicates (not declared unique)
     * @return the statement
     */
    public Query createPlan(boolean incremental, boolean checkDuplicates) {
        Table<?> src = table(name(schema, relation)).as("t");
        List<SelectField<?>> sFields = new ArrayList<>();
        sFields.add(f("t", keyColumn).as(K));
        sFields.add(rowHash("t").as(H));
        for (int i = 0; i < columns.size(); i++) {
            sFields.add(f("t", columns.get(i)).as(JobTables.valueColumn(i + 1)));
        }
        Table<?> s = DSL.select(sFields).from(src).asTable("s");
        Table<?> p = tables.snapshot("p");

        Field<Object> sk = f("s", K);
        Field<Long> sh = field(name("s", H), SQLDataType.BIGINT);
        Field<Object> pk = f("p", K);
        Field<Long> ph = field(name("p", H), SQLDataType.BIGINT);
        Field<Boolean> pd = field(name("p", D), SQLDataType.BOOLEAN);

        var kindCase = DSL.when(sh.isNull(), inline(JobTables.REMOVED))
            .when(sk.isNull(), inline(JobTables.NULL_KEY));
        if (checkDuplicates) {
            kindCase = kindCase.when(f("dup", K).isNotNull(), inline(JobTables.DUPLICATE_KEY));
        }
        Field<String> kind = kindCase
            .when(pk.isNull().or(ph.isNull()), inline(JobTables.ADDED))
            .when(pd.isTrue().or(ph.ne(sh)), inline(JobTables.CHANGED))
            .otherwise(inline(JobTables.UNCHANGED));

        Field<Object> key = DSL.coalesce(sk, pk);
        List<SelectField<?>> out = new ArrayList<>();
        out.add(kind.as(KIND));
        out.add(key.as(K));
        out.add(key.cast(SQLDataType.CLOB).as(KT));
        out.add(sh.as(H));
        out.add(DSL.field(pk.isNotNull()).as(PS));
        for (int i = 1; i <= columns.size(); i++) {
            out.add(f("s", JobTables.valueColumn(i)));
        }
        var from = DSL.select(out).from(s).fullJoin(p).on(sk.eq(pk));
        Select<?> plan;
        if (checkDuplicates) {
            Table<?> dup = DSL.select(f("t2", keyColumn).as(K)).from(table(name(schema, relation)).as("t2"))
                .where(f("t2", keyColumn).isNotNull())
                .groupBy(f("t2", keyColumn))
                .having(DSL.count().gt(inline(1)))
                .asTable("dup");
            plan = from.leftJoin(dup).on(f("dup", K).eq(sk));
        } else {
            plan = from;
        }
        if (incremental) {
            plan = DSL.select(DSL.asterisk()).from(plan.asTable("x"))
                .where(field(name("x", KIND), SQLDataType.CLOB).ne(inline(JobTables.UNCHANGED)));
        }
        return DSL.query("CREATE UNLOGGED TABLE {0} AS {1}", tables.planName(), plan);
    }

    /**
     * Indexes the plan on the key, for reading it in key order batch by batch.
     *
     * @return the statement
     */
    public Query indexPlan() {
        return DSL.createIndex(name(tables.planName().last() + "_k")).on(table(tables.planName()), field(name(K)));
    }

    /**
     * Gathers statistics of the plan's key and kind from a small sample. Without them the planner does not know
     * the freshly made plan table's size and reads each batch by a (parallel) sequential scan and a sort of the
     * whole plan instead of the key index: measured 91 s instead of 27 s for a first sync of 1M rows in batches of
     * 10,000. A sample of 3,000 rows (statistics target 10) costs ~15 ms for 1M rows and is enough to choose the
     * index; run it after {@code SET LOCAL default_statistics_target = 10} ({@link #smallStatisticsTarget()}).
     *
     * @return the statement
     */
    public Query analyzePlan() {
        return DSL.query("ANALYZE {0} ({1}, {2})", table(tables.planName()), field(name(K)), field(name(KIND)));
    }

    /**
     * Settings for the rest of the plan transaction (one big scan per run), measured on 1M rows:
     * <ul>
     *   <li>{@code work_mem} at least 64MB: the snapshot side of the hash join (~56 bytes per key) fits in memory
     *       instead of spilling to 8 to 32 batches on disk with the default 4MB (~0.3 s of a ~2.6 s plan);</li>
     *   <li>{@code parallel_tuple_cost} 0.001: an incremental plan keeps a few rows out of millions, but the
     *       planner cannot know that and keeps the hashing on one process; with it, the server's parallel workers
     *       (within its own {@code max_parallel_workers_per_gather}) share the hashing: ~25% less time on two
     *       busy cores. Parallel full joins need PostgreSQL 16; older servers plan as before.</li>
     * </ul>
     *
     * @return the statement
     */
    public Query planSettings() {
        Field<String> workMem = DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB,
            inline("work_mem"));
        Field<String> atLeast64 = DSL.when(DSL.function(name("pg_catalog", "pg_size_bytes"), SQLDataType.BIGINT, workMem)
            .lt(inline(64L * 1024 * 1024)), inline("64MB")).otherwise(workMem);
        return DSL.select(Session.setLocal("work_mem", atLeast64), Session.setLocal("parallel_tuple_cost",
            inline("0.001")));
    }

    /**
     * Gathers statistics of the snapshot's key from a small sample (statistics target 10, ~15 ms per 1M keys), after
     * a run that changed much of it. Without them (a new snapshot is not analyzed until autovacuum gets to it) the
     * next plan builds its hash table on the wide source side instead of the narrow snapshot: measured 1.48 s
     * instead of 1.23 s for the incremental plan of 1M rows.
     *
     * @return the statement
     */
    public Query analyzeSnapshot() {
        return DSL.query("ANALYZE {0} ({1})", table(tables.snapshotName()), field(name(K)));
    }

    /**
     * Lowers the statistics target for the rest of the transaction, for a cheap {@link #analyzePlan()}.
     *
     * @return the statement
     */
    public Query smallStatisticsTarget() {
        return DSL.select(Session.setLocal("default_statistics_target", inline("10")));
    }

    /**
     * Drops the plan table.
     *
     * @return the statement
     */
    public Query dropPlan() {
        return DSL.dropTableIfExists(tables.planName());
    }

    /**
     * Counts the plan by kind.
     *
     * @return the query of (kind, count, how many of them had a snapshot row)
     */
    public Select<?> countPlan() {
        Table<?> pl = tables.plan("pl");
        return DSL.select(f("pl", KIND), DSL.count(), DSL.count().filterWhere(field(name("pl", PS), SQLDataType.BOOLEAN)))
            .from(pl).groupBy(f("pl", KIND));
    }

    /**
     * Counts the snapshot's keys (what the destination holds or may hold).
     *
     * @return the query
     */
    public Select<?> countSnapshot() {
        return DSL.selectCount().from(table(tables.snapshotName()));
    }

    /**
     * Replaces the issues table's content by the invalid rows of this plan.
     *
     * @param runId the run
     * @return the statements
     */
    public List<Query> recordInvalid(String runId) {
        Table<?> pl = tables.plan("pl");
        Field<String> kind = field(name("pl", KIND), SQLDataType.CLOB);
        Field<String> reason = DSL.when(kind.eq(inline(JobTables.NULL_KEY)), inline("NULL_KEY"))
            .otherwise(inline("DUPLICATE_KEY"));
        List<Field<?>> values = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) {
            values.add(f("pl", JobTables.valueColumn(i)));
        }
        Field<String> detail = DSL.left(DSL.field("ROW({0})::text", SQLDataType.CLOB, DSL.list(values)), inline(300));
        return List.of(
            DSL.deleteFrom(table(tables.issuesName())),
            DSL.insertInto(table(tables.issuesName()), JobTables.text(null, "run_id"), JobTables.text(null, "reason"),
                    JobTables.text(null, "key_text"), JobTables.text(null, "detail"))
                .select(DSL.select(DSL.val(runId), reason, JobTables.text("pl", KT), detail).from(pl)
                    .where(kind.in(inline(JobTables.NULL_KEY), inline(JobTables.DUPLICATE_KEY)))));
    }

    /**
     * Samples of this run's invalid rows.
     *
     * @param runId the run
     * @param limit how many
     * @return the query of (reason, key_text, detail)
     */
    public Select<?> invalidSamples(String runId, int limit) {
        return DSL.select(field(name("reason")), field(name("key_text")), field(name("detail")))
            .from(table(tables.issuesName()))
            .where(field(name("run_id")).eq(DSL.val((Object) runId)))
            .and(field(name("reason")).in(inline("NULL_KEY"), inline("DUPLICATE_KEY")))
            .orderBy(field(name("reason")), field(name("key_text")))
            .limit(inline(limit));
    }

    /**
     * The next batch: kind, key, key text and mapped values of up to {@code limit} deliverable rows after a key.
     *
     * @param kinds the plan kinds to deliver
     * @param afterKeyText the last key of the previous batch, as text; {@code null} for the first batch
     * @param limit the batch size
     * @return the query
     */
    public Select<?> nextBatch(List<String> kinds, String afterKeyText, int limit) {
        Table<?> pl = tables.plan("pl");
        List<SelectField<?>> out = new ArrayList<>();
        out.add(f("pl", KIND));
        out.add(f("pl", K));
        out.add(f("pl", KT));
        for (int i = 1; i <= columns.size(); i++) {
            out.add(f("pl", JobTables.valueColumn(i)));
        }
        return DSL.select(out).from(pl)
            .where(kindIn(kinds))
            .and(afterKeyText == null ? DSL.noCondition() : f("pl", K).gt(Sql.untyped(afterKeyText)))
            .orderBy(f("pl", K))
            .limit(inline(limit));
    }

    private static Condition kindIn(List<String> kinds) {
        List<Field<String>> inlined = new ArrayList<>();
        for (String k : kinds) {
            inlined.add(inline(k));
        }
        return field(name("pl", KIND), SQLDataType.CLOB).in(inlined);
    }

    private static Condition range(String fromExclusive, String toInclusive) {
        return (fromExclusive == null ? DSL.noCondition() : f("pl", K).gt(Sql.untyped(fromExclusive)))
            .and(f("pl", K).le(Sql.untyped(toInclusive)));
    }

    private static Field<String[]> inDoubt() {
        return field(name(Bookkeeping.IN_DOUBT), SQLDataType.CLOB.array());
    }

    private static Condition jobIs(String jobId) {
        return field(name("job_id")).eq(DSL.val((Object) jobId));
    }

    /**
     * Marks the keys of a batch in doubt before it is handed to the destination, in one small row: the job record's
     * {@value Bookkeeping#IN_DOUBT} column gets the text forms of the batch's keys (ADDED, CHANGED and REMOVED) as
     * one array, taken from the plan table (no row data through Java). Until the acknowledgement clears it, "the destination
     * may or may not hold these keys"; a run that starts and finds keys there puts them in doubt in the snapshot
     * ({@link #foldInDoubt}).
     *
     * <p>What it buys: the earlier mark was an upsert of every key of the batch into the snapshot, followed by a
     * second upsert of the same rows at the acknowledgement. A first sync of 1M rows wrote the snapshot twice
     * (2M index-maintained writes, a third of the run); now each acknowledged change is written once. (A text
     * array costs ~9 ms per 10,000 keys, a jsonb array ~14 ms.)
     *
     * @param jobId the job
     * @param kinds plan kinds of the batch that change the destination (ADDED, CHANGED, REMOVED)
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @return the statement
     */
    public Query markInDoubt(String jobId, List<String> kinds, String from, String to) {
        Table<?> pl = tables.plan("pl");
        Field<String[]> keys = DSL.field(DSL.select(DSL.function(name("pg_catalog", "array_agg"),
            SQLDataType.CLOB.array(), f("pl", KT))).from(pl).where(kindIn(kinds)).and(range(from, to)));
        return DSL.update(table(tables.jobsName())).set(inDoubt(), keys).where(jobIs(jobId));
    }

    /**
     * Clears the keys in doubt of a job: in the transaction that records an acknowledgement, or after
     * {@link #foldInDoubt}.
     *
     * @param jobId the job
     * @return the statement
     */
    public Query clearInDoubt(String jobId) {
        return DSL.update(table(tables.jobsName())).set(inDoubt(), DSL.castNull(SQLDataType.CLOB.array()))
            .where(jobIs(jobId)).and(inDoubt().isNotNull());
    }

    /**
     * Puts the keys left in doubt by a failed or killed run into the snapshot: a key without a snapshot row gets
     * one with a NULL hash ("the destination may or may not hold it": sent again if the row is there, REMOVED in
     * MIRROR mode if it is gone); a known key keeps its hash and gets the in-doubt flag. A key's text comes back
     * to the key's type through the snapshot's row type: {@code CAST(CAST(ROW(text, NULL, true) AS text) AS
     * snapshot)} parses it with the key type's input function, whatever that type is (json, arrays, enums too).
     * The row constructor follows the snapshot's columns (k, h, d).
     *
     * @param jobId the job
     * @return the statement
     */
    public Query foldInDoubt(String jobId) {
        Table<?> jobs = table(tables.jobsName()).as("j");
        Table<?> elements = DSL.table("{0}({1})", name("pg_catalog", "unnest"), field(name("j", Bookkeeping.IN_DOUBT)))
            .as("e", "v");
        Field<Object> typedKey = DSL.field("(CAST(CAST(ROW({0}, NULL, true) AS text) AS {1})).{2}",
            field(name("e", "v")), tables.snapshotName(), name(K));
        Table<?> rows = DSL.select(typedKey.as(K)).from(jobs).crossJoin(elements)
            .where(field(name("j", "job_id")).eq(DSL.val((Object) jobId))).asTable("r");
        Field<Object> k = field(name(K));
        Field<Long> h = field(name(H), SQLDataType.BIGINT);
        Field<Boolean> d = field(name(D), SQLDataType.BOOLEAN);
        return DSL.insertInto(table(tables.snapshotName()), k, h, d)
            .select(DSL.select(f("r", K), DSL.castNull(SQLDataType.BIGINT), inline(true)).from(rows)
                .where(f("r", K).isNotNull()))
            .onConflict(k).doUpdate().set(d, inline(true));
    }

    /**
     * Applies the delivered ADDED and CHANGED keys of a batch: their new hash, not in doubt.
     *
     * <p>Keys that had no snapshot row when the run was planned (almost every key of a first sync) are inserted
     * with a plain INSERT, which costs about half of an upsert; only this run writes the snapshot (the job is
     * locked) and each key is in one batch, so they cannot conflict. Keys that had a row are updated in place
     * (an UPDATE joined with the plan, cheaper than an upsert's speculative insertion).
     *
     * @param kinds ADDED and/or CHANGED
     * @param known {@code true} for keys that had a snapshot row at planning, {@code false} for the others
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statement
     */
    public Query applyDelivered(List<String> kinds, boolean known, String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        Field<Object> k = field(name(K));
        Field<Long> h = field(name(H), SQLDataType.BIGINT);
        Field<Boolean> d = field(name(D), SQLDataType.BOOLEAN);
        Field<Boolean> ps = field(name("pl", PS), SQLDataType.BOOLEAN);
        if (known) {
            return DSL.update(tables.snapshot("sn")).set(h, field(name("pl", H), SQLDataType.BIGINT)).set(d, inline(false))
                .from(pl).where(f("sn", K).eq(f("pl", K))).and(kindIn(kinds)).and(ps.isTrue()).and(range(from, to))
                .and(notRejected(rejected));
        }
        return DSL.insertInto(table(tables.snapshotName()), k, h, d)
            .select(DSL.select(f("pl", K), field(name("pl", H), SQLDataType.BIGINT), inline(false)).from(pl)
                .where(kindIn(kinds)).and(ps.isFalse()).and(range(from, to)).and(notRejected(rejected)));
    }

    private static Condition notRejected(List<String> rejected) {
        return rejected.isEmpty() ? DSL.noCondition() : Sql.inTexts(f("pl", KT), rejected).not();
    }

    /**
     * Deletes the delivered REMOVED keys of a batch from the snapshot.
     *
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statement
     */
    public Query applyRemoved(String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        return DSL.deleteFrom(tables.snapshot("sn"))
            .where(f("sn", K).in(DSL.select(f("pl", K)).from(pl)
                .where(kindIn(List.of(JobTables.REMOVED))).and(range(from, to)).and(notRejected(rejected))));
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
        var insert = DSL.insertInto(table(tables.issuesName()), field(name("run_id")), field(name("reason")),
            field(name("key_text")), field(name("detail")));
        var step = insert.values(DSL.val((Object) runId), inline((Object) "REJECTED"), DSL.val((Object) keyTexts.get(0)),
            DSL.val((Object) reasons.get(0)));
        for (int i = 1; i < keyTexts.size(); i++) {
            step = step.values(DSL.val((Object) runId), inline((Object) "REJECTED"), DSL.val((Object) keyTexts.get(i)),
                DSL.val((Object) reasons.get(i)));
        }
        return step;
    }

    /**
     * Marks every snapshot key in doubt (after a change of hash algorithm or server version: everything is sent
     * again, and removals are still found).
     *
     * @return the statement
     */
    public Query markAllInDoubt() {
        return DSL.update(table(tables.snapshotName())).set(field(name(D), SQLDataType.BOOLEAN), inline(true));
    }
}
