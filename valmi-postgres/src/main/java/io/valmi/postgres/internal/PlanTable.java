package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.HAD_SNAPSHOT_ROW;
import static io.valmi.postgres.internal.JobTables.HASH;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_FLAG;
import static io.valmi.postgres.internal.JobTables.KEY;
import static io.valmi.postgres.internal.JobTables.KEY_TEXT;
import static io.valmi.postgres.internal.JobTables.PLAN_KIND;
import static io.valmi.postgres.internal.JobTables.ROW_VERSION;
import static io.valmi.postgres.internal.JobTables.ROW_VERSION_64;
import static io.valmi.postgres.internal.JobTables.bigint;
import static io.valmi.postgres.internal.JobTables.bool;
import static io.valmi.postgres.internal.JobTables.col;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.valmi.ChangeKind;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.SelectJoinStep;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The plan table of a run ({@code plan_<job>}, UNLOGGED scratch): made by one statement over the source, so one
 * consistent read of it, that hashes the mapped columns of every row, classifies invalid rows and compares valid ones
 * with the snapshot in one FULL JOIN on the key; read batch by batch in key order. See
 * {@code docs/internals.md#plan}.
 */
final class PlanTable {
    private final JobTables tables;
    private final SourceRef source;
    private final String keyColumn;
    private final List<String> columns;
    private final List<ColumnType> types;
    private final boolean versioned;
    private final boolean inKeyOrder;
    // Columns of the plan statement's inner level (docs/internals.md#the-plan-statement).
    /** The source row is there. */
    private static final String SOURCE_ROW = "sp";
    /** The source row's key. */
    private static final String SOURCE_KEY = "sk";
    /** The snapshot row's key. */
    private static final String SNAPSHOT_KEY = "pk";
    /** The snapshot row's hash. */
    private static final String SNAPSHOT_HASH = "ph";
    /** The snapshot row's in-doubt flag. */
    private static final String SNAPSHOT_IN_DOUBT = "pd";
    /** Whether the row's recorded version is trusted. */
    private static final String TRUSTED = "tr";
    /** The snapshot row's 64-bit version. */
    private static final String SNAPSHOT_ROW_VERSION_64 = "pxe";
    /** The common table expression of a query's rows. */
    private static final String QUERY_ROWS = "valmi_query_rows";
    /** The key, when it is duplicated in the source. */
    private static final String DUPLICATED_KEY = "dk";
    private final RunShape shape;

    PlanTable(RunShape shape) {
        this.shape = shape;
        this.tables = shape.tables();
        this.source = shape.source();
        this.keyColumn = shape.keyColumn();
        this.columns = shape.columns();
        this.types = shape.types();
        this.versioned = shape.versioned();
        this.inKeyOrder = shape.inKeyOrder();
    }


    /** The row hash ({@link RunShape#rowHash}) over the plan's value columns ({@code v1} to {@code vn}). */
    private Field<Long> valuesHash(String alias) {
        List<Field<Object>> values = new ArrayList<>(columns.size());
        for (int i = 1; i <= columns.size(); i++) {
            values.add(col(alias, JobTables.valueColumn(i)));
        }
        return shape.rowHash(values);
    }

    /**
     * Creates the plan table in one statement over the source (one consistent read), joined with the snapshot by key;
     * a row whose recorded version is trusted is not hashed again. See {@code docs/internals.md#the-plan-statement}.
     *
     * @param incremental leave out unchanged rows
     * @param checkDuplicates whether the key may hold duplicates (not declared unique)
     * @param quarantined the keys to leave out while their values hash as given, as (key text, hash)
     *     ({@link IssuesTable#quarantineCandidates}), or {@code null} when none are
     * @param skipGone leave out keys whose removal an earlier run of a mode without removals planned
     *     ({@link JobTables#GONE}): the destination mode sends no removals either
     * @return the statement
     */
    public Query createPlan(boolean incremental, boolean checkDuplicates, boolean skipGone,
                            @Nullable Select<? extends Record2<String, Long>> quarantined) {
        // A query is read once, as a common table expression that both the rows and the duplicate check read.
        Table<?> read = source.isQuery() ? table(name(QUERY_ROWS)) : source.table();
        Table<?> src = read.as("t");
        List<SelectField<?>> sFields = new ArrayList<>();
        sFields.add(col("t", keyColumn).as(KEY));
        sFields.add(inline(true).as(SOURCE_ROW));
        sFields.add((versioned ? col("t", RowVersions.rowVersion()) : DSL.castNull(SQLDataType.BIGINT)).as(ROW_VERSION));
        for (int i = 0; i < columns.size(); i++) {
            sFields.add(col("t", columns.get(i)).as(JobTables.valueColumn(i + 1)));
        }
        Table<?> s = DSL.select(sFields).from(src).asTable("s");
        Table<?> p = tables.snapshot("p");

        Field<Object> sk = col("s", KEY);
        Field<Object> pk = col("p", KEY);
        Field<Long> ph = bigint("p", HASH);
        Field<Long> pxe = bigint("p", ROW_VERSION_64);
        // Never NULL (a NULL would make the filter below drop rows that only one side has).
        Condition trusted = versioned
            ? DSL.coalesce(DSL.field(col("s", ROW_VERSION).eq(col("p", ROW_VERSION))
                .and(pxe.gt(RowVersions.oldestTrusted()))), inline(false)).isTrue()
            : DSL.falseCondition();

        // Inner level: the join, the hash where it is needed and the version to record (OFFSET 0: never pulled up).
        List<SelectField<?>> in = new ArrayList<>();
        in.add(sk.as(SOURCE_KEY));
        in.add(pk.as(SNAPSHOT_KEY));
        in.add(col("s", SOURCE_ROW).as(SOURCE_ROW));
        in.add(ph.as(SNAPSHOT_HASH));
        in.add(col("p", IN_DOUBT_FLAG).as(SNAPSHOT_IN_DOUBT));
        in.add(DSL.field(trusted).as(TRUSTED));
        in.add(DSL.when(trusted, ph).otherwise(valuesHash("s")).as(HASH));
        in.add(versioned ? col("s", ROW_VERSION).as(ROW_VERSION) : JobTables.nullXid().as(ROW_VERSION));
        in.add(versioned
            ? DSL.when(trusted, pxe).otherwise(RowVersions.storableVersion(col("s", ROW_VERSION))).as(ROW_VERSION_64)
            : DSL.castNull(SQLDataType.BIGINT).as(ROW_VERSION_64));
        in.add(col("p", ROW_VERSION_64).as(SNAPSHOT_ROW_VERSION_64));
        if (checkDuplicates) {
            in.add(col("dup", KEY).as(DUPLICATED_KEY));
        }
        for (int i = 1; i <= columns.size(); i++) {
            in.add(col("s", JobTables.valueColumn(i)));
        }
        var joined = DSL.select(in).from(s).fullJoin(p).on(sk.eq(pk));
        SelectJoinStep<?> from;
        if (checkDuplicates) {
            Table<?> dup = DSL.select(col("t2", keyColumn).as(KEY)).from(read.as("t2"))
                .where(col("t2", keyColumn).isNotNull())
                .groupBy(col("t2", keyColumn))
                .having(DSL.count().gt(inline(1)))
                .asTable("dup");
            from = joined.leftJoin(dup).on(col("dup", KEY).eq(sk));
        } else {
            from = joined;
        }
        // An incremental plan drops the rows known unchanged here, where the join runs: trusted ones unread, others
        // (views) by their hash.
        Condition candidates = DSL.noCondition();
        if (incremental) {
            Condition known = bool("p", IN_DOUBT_FLAG).isFalse()
                .and(checkDuplicates ? col("dup", KEY).isNull() : DSL.noCondition());
            Condition unchanged = versioned ? trusted.and(known)
                : DSL.coalesce(DSL.field(sk.isNotNull().and(known).and(ph.eq(valuesHash("s")))), inline(false)).isTrue();
            candidates = unchanged.not();
        }
        if (skipGone) {
            // (Never NULL: a NULL would drop every row the condition is NULL for.)
            candidates = candidates.andNot(col("s", SOURCE_ROW).isNull()
                .and(DSL.coalesce(bool("p", JobTables.GONE), inline(false)).isTrue()));
        }
        Select<?> inner = from.where(candidates).offset(inline(0));

        Field<Object> jsk = col("j", SOURCE_KEY);
        Field<Object> jpk = col("j", SNAPSHOT_KEY);
        Field<Long> jph = bigint("j", SNAPSHOT_HASH);
        Field<Long> jh = bigint("j", HASH);
        Field<Long> jxe = bigint("j", ROW_VERSION_64);
        Field<Object> key = DSL.coalesce(jsk, jpk);
        var kindCase = DSL.when(col("j", SOURCE_ROW).isNull(), inline(JobTables.REMOVED))
            .when(jsk.isNull(), inline(JobTables.NULL_KEY));
        if (checkDuplicates) {
            kindCase = kindCase.when(col("j", DUPLICATED_KEY).isNotNull(), inline(JobTables.DUPLICATE_KEY));
        }
        if (quarantined != null) {
            // (IN, not EXISTS: the few quarantined keys are hashed once, not looked up row by row.)
            kindCase = kindCase.when(DSL.row(key.cast(SQLDataType.CLOB), jh).in(quarantined),
                inline(JobTables.QUARANTINED));
        }
        Field<String> kind = kindCase
            .when(jpk.isNull().or(jph.isNull()), inline(JobTables.ADDED))
            .when(bool("j", SNAPSHOT_IN_DOUBT).isTrue().or(jph.ne(jh)), inline(JobTables.CHANGED))
            .when(bool("j", TRUSTED).isFalse().and(jxe.isNotNull())
                .and(jxe.isDistinctFrom(bigint("j", SNAPSHOT_ROW_VERSION_64))), inline(JobTables.TOUCHED))
            .otherwise(inline(JobTables.UNCHANGED));

        List<SelectField<?>> out = new ArrayList<>();
        out.add(kind.as(PLAN_KIND));
        out.add(key.as(KEY));
        out.add(key.cast(SQLDataType.CLOB).as(KEY_TEXT));
        out.add(jh.as(HASH));
        out.add(DSL.field(jpk.isNotNull()).as(HAD_SNAPSHOT_ROW));
        out.add(col("j", ROW_VERSION).as(ROW_VERSION));
        out.add(jxe.as(ROW_VERSION_64));
        for (int i = 1; i <= columns.size(); i++) {
            out.add(col("j", JobTables.valueColumn(i)));
        }
        Select<?> plan = DSL.select(out).from(inner.asTable("j"));
        if (incremental) {
            plan = DSL.select(DSL.asterisk()).from(plan.asTable("x"))
                .where(field(name("x", PLAN_KIND), SQLDataType.CLOB).ne(inline(JobTables.UNCHANGED)));
        }
        if (source.isQuery()) {
            plan = DSL.with(name(QUERY_ROWS).as(DSL.select(DSL.asterisk()).from(source.table().as("q"))))
                .select(DSL.asterisk()).from(plan.asTable("w"));
        }
        return PgTemplates.createUnloggedTableAs(tables.planName(), plan);
    }

    /**
     * Marks the keys planned as {@link JobTables#REMOVED} as {@link JobTables#GONE} (run in the plan's transaction, when
     * the destination mode sends no removals): later plans of such a mode leave them out.
     *
     * @return the statement
     */
    public Query recordGone() {
        Table<?> pl = tables.plan("pl");
        return DSL.update(tables.snapshot("sn"))
            .set(bool(null, JobTables.GONE), inline(true))
            .from(pl)
            .where(col("sn", KEY).eq(col("pl", KEY))).and(kindIn(List.of(JobTables.REMOVED)));
    }

    /**
     * Records the new version of rows planned as {@link JobTables#TOUCHED} (run in the plan's transaction).
     *
     * @return the statement
     */
    public Query recordTouched() {
        Table<?> pl = tables.plan("pl");
        return DSL.update(tables.snapshot("sn"))
            .set(bigint(null, ROW_VERSION), bigint("pl", ROW_VERSION))
            .set(bigint(null, ROW_VERSION_64), bigint("pl", ROW_VERSION_64))
            // (A key marked gone that came back with the values it had: in the source again.)
            .set(bool(null, JobTables.GONE), DSL.castNull(SQLDataType.BOOLEAN))
            .from(pl)
            .where(col("sn", KEY).eq(col("pl", KEY))).and(kindIn(List.of(JobTables.TOUCHED)));
    }

    /**
     * Indexes the plan on the key, for reading it in key order batch by batch.
     *
     * @return the statement
     */
    public Query indexPlan() {
        return DSL.createIndex(name(tables.planName().last() + "_k")).on(table(tables.planName()), field(name(KEY)));
    }

    /**
     * Gathers statistics of the plan's key and kind from a small sample, so that batches are read by the key index;
     * run it after {@link #smallStatisticsTarget()}. See
     * {@code docs/internals.md#after-the-statement-in-the-same-transaction}.
     *
     * @return the statement
     */
    public Query analyzePlan() {
        return PgTemplates.analyze(tables.planName(), name(KEY), name(PLAN_KIND));
    }

    /** The least {@code work_mem} of a plan. */
    static final long PLAN_WORK_MEM_FLOOR = 64L * 1024 * 1024;
    /** The most {@code work_mem} a plan raises itself to, for a large snapshot's hash table. */
    static final long PLAN_WORK_MEM_CAP = 256L * 1024 * 1024;
    /**
     * Bytes a snapshot row takes in the plan's hash table, as PostgreSQL's planner counts them (16 of overhead, a
     * minimal tuple's header and the row, each aligned, and a bucket pointer: about 80 for a uuid key), with room for
     * longer text keys.
     */
    static final long HASH_BYTES_PER_SNAPSHOT_ROW = 128;

    /**
     * Settings for the rest of the plan transaction: {@code work_mem} large enough for the snapshot's hash table
     * (see {@link #planWorkMem()}), no parallel workers, and no hash join when the source's rows lie in key order. See
     * {@code docs/internals.md#plan-settings-merge-or-hash-and-why-serial}.
     *
     * @return the statement
     */
    public Query planSettings() {
        List<SelectField<?>> settings = new ArrayList<>();
        settings.add(Session.setLocal("work_mem", planWorkMem()));
        settings.add(Session.setLocal("max_parallel_workers_per_gather", inline("0")));
        if (inKeyOrder) {
            settings.add(Session.setLocal("enable_hashjoin", inline("off")));
        }
        return DSL.select(settings);
    }

    /**
     * The plan's {@code work_mem}, in kB: the session's when it is larger, else what the snapshot's hash table needs
     * to stay in memory (its rows as of its last {@code ANALYZE}, {@link #HASH_BYTES_PER_SNAPSHOT_ROW} each, shared by
     * {@code hash_mem_multiplier}, PostgreSQL 13+), at least {@link #PLAN_WORK_MEM_FLOOR} and at most
     * {@link #PLAN_WORK_MEM_CAP}; {@link #PLAN_WORK_MEM_FLOOR} when the plan merges by the key indexes (no hash join).
     * A table hashed in batches on disk costs about a third more.
     */
    private Field<String> planWorkMem() {
        Field<Long> current = DSL.function(name("pg_catalog", "pg_size_bytes"), SQLDataType.BIGINT,
            DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB, inline("work_mem")));
        if (inKeyOrder) {
            // (Merged by the key indexes: no hash table to fit.)
            return kiloBytes(DSL.greatest(current, inline(PLAN_WORK_MEM_FLOOR)));
        }
        Field<Double> snapshotRows = DSL.field(DSL.select(DSL.greatest(field(name("c", "reltuples"),
                SQLDataType.DOUBLE), inline(0.0)))
            .from(table(name("pg_catalog", "pg_class")).as("c"))
            .where(field(name("c", "oid")).eq(DSL.function(name("pg_catalog", "to_regclass"), SQLDataType.OTHER,
                DSL.val(tables.snapshotName().toString())))));
        // (NULL before PostgreSQL 13, where the hash table's limit is work_mem itself.)
        Field<Double> multiplier = DSL.coalesce(DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB,
            inline("hash_mem_multiplier"), inline(true)).cast(SQLDataType.DOUBLE), inline(1.0));
        Field<Double> needed = DSL.coalesce(snapshotRows, inline(0.0)).times(inline((double) HASH_BYTES_PER_SNAPSHOT_ROW))
            .div(DSL.greatest(multiplier, inline(1.0)));
        Field<Long> raised = DSL.least(DSL.greatest(needed.cast(SQLDataType.BIGINT), inline(PLAN_WORK_MEM_FLOOR)),
            inline(PLAN_WORK_MEM_CAP));
        return kiloBytes(DSL.greatest(current, raised));
    }

    /** A size in bytes as a setting's text, in kB. */
    private static Field<String> kiloBytes(Field<Long> bytes) {
        return bytes.div(inline(1024L)).cast(SQLDataType.CLOB).concat(inline("kB"));
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
        return DSL.select(col("pl", PLAN_KIND), DSL.count(), DSL.count().filterWhere(bool("pl", HAD_SNAPSHOT_ROW)))
            .from(pl).groupBy(col("pl", PLAN_KIND));
    }

    /**
     * The next batch: kind, key, key text and mapped values of up to {@code limit} deliverable rows after a key.
     *
     * @param kinds the plan kinds to deliver
     * @param afterKeyText the last key of the previous batch, as text; {@code null} for the first batch
     * @param limit the batch size
     * @return the query
     */
    public Select<?> nextBatch(List<String> kinds, @Nullable String afterKeyText, int limit) {
        Table<?> pl = tables.plan("pl");
        List<SelectField<?>> out = new ArrayList<>();
        out.add(col("pl", PLAN_KIND));
        out.add(col("pl", KEY));
        out.add(col("pl", KEY_TEXT));
        for (int i = 1; i <= columns.size(); i++) {
            Field<Object> value = col("pl", JobTables.valueColumn(i));
            out.add(types.get(i - 1).selectedAsText() ? value.cast(SQLDataType.CLOB).as(value.getUnqualifiedName())
                : value);
        }
        return DSL.select(out).from(pl)
            .where(kindIn(kinds))
            .and(afterKeyText == null ? DSL.noCondition() : col("pl", KEY).gt(Sql.untyped(afterKeyText)))
            .orderBy(col("pl", KEY))
            .limit(inline(limit));
    }

    /**
     * The keys of a batch as handed out, for the rejection streaks ({@link IssuesTable#recordAnswer}): key text and
     * the hash of the values sent ({@code NULL} for a removal).
     *
     * @param kinds the plan kinds handed out
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @return the query of ({@code kt}, {@code h})
     */
    public Select<Record2<String, Long>> answeredRows(List<String> kinds, @Nullable String from, String to) {
        return DSL.select(JobTables.text("pl", KEY_TEXT),
                DSL.when(field(name("pl", PLAN_KIND), SQLDataType.CLOB).ne(inline(JobTables.REMOVED)),
                    bigint("pl", HASH)).as(HASH))
            .from(tables.plan("pl")).where(kindIn(kinds)).and(range(from, to));
    }

    static Condition kindIn(List<String> kinds) {
        List<Field<String>> inlined = new ArrayList<>();
        for (String k : kinds) {
            inlined.add(inline(k));
        }
        return field(name("pl", PLAN_KIND), SQLDataType.CLOB).in(inlined);
    }

    static Condition range(@Nullable String fromExclusive, String toInclusive) {
        return (fromExclusive == null ? DSL.noCondition() : col("pl", KEY).gt(Sql.untyped(fromExclusive)))
            .and(col("pl", KEY).le(Sql.untyped(toInclusive)));
    }

    /**
     * A kind of the plan with how many rows it has.
     *
     * @param kind the plan kind ({@link JobTables#ADDED} and the others)
     * @param rows how many rows
     * @param known how many of them had a snapshot row when the run was planned
     */
    record KindCount(String kind, long rows, long known) {
    }

    /**
     * The plan kind of a change kind.
     *
     * @param kind the change kind
     * @return its letter in the plan table
     */
    static String letter(ChangeKind kind) {
        switch (kind) {
            case ADDED:
                return JobTables.ADDED;
            case CHANGED:
                return JobTables.CHANGED;
            case UNCHANGED:
                return JobTables.UNCHANGED;
            default:
                return JobTables.REMOVED;
        }
    }

    /**
     * The change kind a deliverable plan kind hands out.
     *
     * @param letter the plan kind
     * @return the change kind (a touched row is unchanged)
     */
    static ChangeKind kind(String letter) {
        switch (letter) {
            case JobTables.ADDED:
                return ChangeKind.ADDED;
            case JobTables.CHANGED:
                return ChangeKind.CHANGED;
            case JobTables.UNCHANGED:
            case JobTables.TOUCHED:
                return ChangeKind.UNCHANGED;
            case JobTables.REMOVED:
                return ChangeKind.REMOVED;
            default:
                throw new IllegalStateException("Not a deliverable plan kind: " + letter);
        }
    }
}
