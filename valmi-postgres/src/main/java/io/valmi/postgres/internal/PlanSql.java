package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.D;
import static io.valmi.postgres.internal.JobTables.DU;
import static io.valmi.postgres.internal.JobTables.H;
import static io.valmi.postgres.internal.JobTables.K;
import static io.valmi.postgres.internal.JobTables.KIND;
import static io.valmi.postgres.internal.JobTables.KT;
import static io.valmi.postgres.internal.JobTables.PS;
import static io.valmi.postgres.internal.JobTables.XE;
import static io.valmi.postgres.internal.JobTables.XR;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Name;
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
    private final ColumnType keyType;
    private final List<ColumnType> types;
    private final boolean versioned;
    private final @org.jspecify.annotations.Nullable String versionScope;
    private final boolean inKeyOrder;
    /** Column of the plan's inner level: the source row is there. */
    private static final String SP = "sp";

    /**
     * The statements of one job.
     *
     * @param tables the job's tables
     * @param schema the source schema
     * @param relation the source relation
     * @param keyColumn the key column
     * @param keyType the key column's type policy
     * @param columns the mapped columns, in mapping order
     * @param types the mapped columns' type policies, same order
     * @param versionScope what row versions are taken over ({@link #versionScope()}), or {@code null} when the
     *     relation's rows have no version that can be trusted (a view, a foreign table, a mapped column whose text
     *     form may change without a new row version)
     * @param inKeyOrder whether the source is a table with a unique index on the key whose rows lie in key order:
     *     the plan then merges source and snapshot by their key indexes ({@link #planSettings()})
     */
    PlanSql(JobTables tables, String schema, String relation, String keyColumn, ColumnType keyType,
            List<String> columns, List<ColumnType> types, @org.jspecify.annotations.Nullable String versionScope,
            boolean inKeyOrder) {
        this.inKeyOrder = inKeyOrder;
        if (types.size() != columns.size()) {
            throw new IllegalArgumentException("one type per mapped column");
        }
        this.tables = tables;
        this.schema = schema;
        this.relation = relation;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.columns = List.copyOf(columns);
        this.types = List.copyOf(types);
        this.versionScope = versionScope;
        this.versioned = versionScope != null;
    }

    /**
     * The name of the row hash these statements compute, recorded with the snapshot with the server's major version:
     * a change of either (a new formula, any major upgrade) sends every row again.
     *
     * @return the name
     */
    public String hashAlgorithm() {
        return RowHash.ALGORITHM;
    }

    /**
     * The key column's type policy.
     *
     * @return the policy
     */
    ColumnType keyType() {
        return keyType;
    }

    /**
     * How each mapped column is read, as a batch selects it (a column selected as text reads as a String anyway).
     *
     * @return one reader per mapped column, mapping order
     */
    Values.Reader[] valueReaders() {
        Values.Reader[] readers = new Values.Reader[types.size()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = types.get(i).reader();
        }
        return readers;
    }

    /**
     * The source schema.
     *
     * @return its name
     */
    public String schema() {
        return schema;
    }

    /**
     * The source relation.
     *
     * @return its name
     */
    public String relation() {
        return relation;
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
     * The hash of a row's mapped columns ({@link #hashAlgorithm()}, {@link RowHash}): one seeded 64-bit hash per
     * column, by the column's text form or by a value that fixes it, combined by XOR.
     *
     * @param alias the source alias
     * @return the field
     */
    Field<Long> rowHash(String alias) {
        List<Field<Object>> values = new ArrayList<>(columns.size());
        for (String column : columns) {
            values.add(f(alias, column));
        }
        return rowHash(values);
    }

    /** {@link #rowHash(String)} over the plan's value columns ({@code v1} to {@code vn}) of an aliased table. */
    private Field<Long> valuesHash(String alias) {
        List<Field<Object>> values = new ArrayList<>(columns.size());
        for (int i = 1; i <= columns.size(); i++) {
            values.add(f(alias, JobTables.valueColumn(i)));
        }
        return rowHash(values);
    }

    /**
     * How a first sync's batch ({@link #firstBatch}) hashes each mapped column on the client: what is printed once
     * arrives as text.
     *
     * @return the kinds, mapping order
     */
    public List<RowHash.Kind> firstSyncKinds() {
        List<RowHash.Kind> kinds = new ArrayList<>();
        for (ColumnType type : types) {
            kinds.add(type.firstSyncHashKind());
        }
        return kinds;
    }

    private Field<Long> rowHash(List<Field<Object>> values) {
        List<String> declared = new ArrayList<>(types.size());
        for (ColumnType type : types) {
            declared.add(type.declared());
        }
        return rowHash(values, declared);
    }

    private Field<Long> rowHash(List<Field<Object>> values, List<String> valueTypes) {
        return RowHash.sql(values, valueTypes);
    }

    /**
     * Creates the plan table in one statement over the source: one consistent read of it, joined (FULL JOIN on the
     * key) with the snapshot.
     *
     * <p>For a table (not a view), a row whose version ({@code xmin}) is the one the snapshot recorded with its
     * hash is not hashed again: it cannot have changed ({@link #rowVersion}). Only new rows, rows whose version moved
     * and rows without a recorded version are hashed and compared, so an incremental plan of a table that changed
     * little costs about a scan of the key and the version instead of printing and hashing every row. A row whose
     * version moved but whose mapped values hash as before (an unmapped column changed) is planned as
     * {@link JobTables#TOUCHED}: unchanged, and the snapshot records its new version before any batch is read.
     *
     * @param incremental leave out unchanged rows
     * @param checkDuplicates whether the key may hold duplicates (not declared unique)
     * @return the statement
     */
    public Query createPlan(boolean incremental, boolean checkDuplicates) {
        Table<?> src = table(name(schema, relation)).as("t");
        List<SelectField<?>> sFields = new ArrayList<>();
        sFields.add(f("t", keyColumn).as(K));
        sFields.add(inline(true).as(SP));
        sFields.add(versioned ? f("t", "xmin").as(XR) : DSL.castNull(SQLDataType.BIGINT).as(XR));
        for (int i = 0; i < columns.size(); i++) {
            sFields.add(f("t", columns.get(i)).as(JobTables.valueColumn(i + 1)));
        }
        Table<?> s = DSL.select(sFields).from(src).asTable("s");
        Table<?> p = tables.snapshot("p");

        Field<Object> sk = f("s", K);
        Field<Object> pk = f("p", K);
        Field<Long> ph = field(name("p", H), SQLDataType.BIGINT);
        Field<Long> pxe = field(name("p", XE), SQLDataType.BIGINT);
        // Never NULL (a NULL would make the filter below drop rows that only one side has).
        Condition trusted = versioned
            ? DSL.coalesce(DSL.field(f("s", XR).eq(f("p", XR)).and(pxe.gt(oldestTrusted()))), inline(false)).isTrue()
            : DSL.falseCondition();

        // Inner level: the join, the hash where it is needed and the version to record. OFFSET 0 keeps the planner
        // from pulling it up, which would copy the hash expression into every place the outer level uses it.
        List<SelectField<?>> in = new ArrayList<>();
        in.add(sk.as("sk"));
        in.add(pk.as("pk"));
        in.add(f("s", SP).as(SP));
        in.add(ph.as("ph"));
        in.add(f("p", D).as("pd"));
        in.add(DSL.field(trusted).as("tr"));
        in.add(DSL.when(trusted, ph).otherwise(valuesHash("s")).as(H));
        in.add(versioned ? f("s", XR).as(XR) : JobTables.nullXid().as(XR));
        in.add(versioned ? DSL.when(trusted, pxe).otherwise(storableVersion(f("s", XR))).as(XE)
            : DSL.castNull(SQLDataType.BIGINT).as(XE));
        in.add(f("p", XE).as("pxe"));
        if (checkDuplicates) {
            in.add(f("dup", K).as("dk"));
        }
        for (int i = 1; i <= columns.size(); i++) {
            in.add(f("s", JobTables.valueColumn(i)));
        }
        var joined = DSL.select(in).from(s).fullJoin(p).on(sk.eq(pk));
        org.jooq.SelectJoinStep<?> from;
        if (checkDuplicates) {
            Table<?> dup = DSL.select(f("t2", keyColumn).as(K)).from(table(name(schema, relation)).as("t2"))
                .where(f("t2", keyColumn).isNotNull())
                .groupBy(f("t2", keyColumn))
                .having(DSL.count().gt(inline(1)))
                .asTable("dup");
            from = joined.leftJoin(dup).on(f("dup", K).eq(sk));
        } else {
            from = joined;
        }
        // An incremental plan drops the rows known unchanged already here, where the join runs, so that only
        // candidates travel further: trusted rows without looking at their
        // values, others (views) by their hash.
        Condition candidates = DSL.noCondition();
        if (incremental) {
            Condition known = f("p", D).isFalse().and(checkDuplicates ? f("dup", K).isNull() : DSL.noCondition());
            Condition unchanged = versioned ? trusted.and(known)
                : DSL.coalesce(DSL.field(sk.isNotNull().and(known).and(ph.eq(valuesHash("s")))), inline(false)).isTrue();
            candidates = unchanged.not();
        }
        Select<?> inner = from.where(candidates).offset(inline(0));

        Field<Object> jsk = f("j", "sk");
        Field<Object> jpk = f("j", "pk");
        Field<Long> jph = field(name("j", "ph"), SQLDataType.BIGINT);
        Field<Long> jh = field(name("j", H), SQLDataType.BIGINT);
        Field<Long> jxe = field(name("j", XE), SQLDataType.BIGINT);
        var kindCase = DSL.when(f("j", SP).isNull(), inline(JobTables.REMOVED))
            .when(jsk.isNull(), inline(JobTables.NULL_KEY));
        if (checkDuplicates) {
            kindCase = kindCase.when(f("j", "dk").isNotNull(), inline(JobTables.DUPLICATE_KEY));
        }
        Field<String> kind = kindCase
            .when(jpk.isNull().or(jph.isNull()), inline(JobTables.ADDED))
            .when(field(name("j", "pd"), SQLDataType.BOOLEAN).isTrue().or(jph.ne(jh)), inline(JobTables.CHANGED))
            .when(field(name("j", "tr"), SQLDataType.BOOLEAN).isFalse().and(jxe.isNotNull())
                .and(jxe.isDistinctFrom(field(name("j", "pxe"), SQLDataType.BIGINT))), inline(JobTables.TOUCHED))
            .otherwise(inline(JobTables.UNCHANGED));

        Field<Object> key = DSL.coalesce(jsk, jpk);
        List<SelectField<?>> out = new ArrayList<>();
        out.add(kind.as(KIND));
        out.add(key.as(K));
        out.add(key.cast(SQLDataType.CLOB).as(KT));
        out.add(jh.as(H));
        out.add(DSL.field(jpk.isNotNull()).as(PS));
        out.add(f("j", XR).as(XR));
        out.add(jxe.as(XE));
        for (int i = 1; i <= columns.size(); i++) {
            out.add(f("j", JobTables.valueColumn(i)));
        }
        Select<?> plan = DSL.select(out).from(inner.asTable("j"));
        if (incremental) {
            plan = DSL.select(DSL.asterisk()).from(plan.asTable("x"))
                .where(field(name("x", KIND), SQLDataType.CLOB).ne(inline(JobTables.UNCHANGED)));
        }
        return DSL.query("CREATE UNLOGGED TABLE {0} AS {1}", tables.planName(), plan);
    }

    /**
     * Why a row whose {@code xmin} is the one recorded in the snapshot needs no hashing, and how the record is kept
     * honest across transaction id wraparound.
     *
     * <p>Every insert and update of a row writes a new row version whose {@code xmin} is the writing transaction's
     * id; nothing changes a table row in place. {@code xmin} is only 32 bits, though, so a later version may carry
     * the same 32-bit id after 2<sup>32</sup> transactions (and frozen rows keep their original id forever). The
     * snapshot therefore records, next to the 32-bit {@code xmin} ({@link JobTables#XR}), the 64-bit id it stood for
     * ({@link JobTables#XE}): the latest 64-bit id with those 32 bits that the plan's snapshot could see
     * ({@link #latestWith}), and only when that is older than every transaction still running then
     * ({@code txid_snapshot_xmin}); otherwise nothing is recorded and the row is hashed next time again. A later
     * plan trusts a row only when its {@code xmin} equals the recorded one <em>and</em> the recorded 64-bit id is
     * less than 2<sup>32</sup> transactions older than its own snapshot's horizon ({@link #oldestTrusted()}).
     *
     * <p>Why that is sound: a newer version of the row was written by a transaction that was running or started
     * after the recording plan's snapshot was taken, so its 64-bit id is above the recorded one; with the same 32
     * bits it is at least 2<sup>32</sup> above it, and so it is visible only to a plan whose horizon is at least
     * 2<sup>32</sup> above the recorded id, which does not trust the row. (Stale versions do no harm either way: a
     * row is merely hashed once more and the snapshot learns its version.)
     *
     * <p>A first sync works the id out differently, as {@code txid_current() - age(xmin)} does
     * ({@link #storableVersion(long, long, long)}): the id within 2<sup>31</sup> of its own transaction's. For a normal
     * id that is the same id (its low 32 bits are the {@code xmin}, and it is stored only below the horizon, which
     * is all the argument above needs); the special ids below 3 (bootstrap, frozen) are never given to a newer
     * version, so a row still carrying one has not changed; a raw {@code xmin} more than 2<sup>31</sup> old comes
     * out above the horizon and is not recorded (the row is hashed once more).
     *
     * <p>What the version does not see: a change of a row's text form without a new version, e.g. a column type
     * changed without a rewrite (timestamp to timestamptz in UTC), a renamed enum label. Versions are therefore used
     * only when every mapped column has a built-in type whose text form is fixed by its value and the pinned session
     * settings, and they are forgotten whenever the relation, its kind or the mapped columns and their types change
     * ({@link #versionScope()}).
     *
     * @return the column holding the source rows' version
     */
    public static String rowVersion() {
        return "xmin";
    }

    /** The horizon of the statement's snapshot: every version it sees was written by a transaction below it. */
    private static Field<Long> snapshotXmax() {
        return DSL.field(DSL.select(DSL.function(name("pg_catalog", "txid_snapshot_xmax"), SQLDataType.BIGINT,
            DSL.function(name("pg_catalog", "txid_current_snapshot"), SQLDataType.OTHER))));
    }

    /** The oldest transaction still running when the statement's snapshot was taken. */
    private static Field<Long> snapshotXmin() {
        return DSL.field(DSL.select(DSL.function(name("pg_catalog", "txid_snapshot_xmin"), SQLDataType.BIGINT,
            DSL.function(name("pg_catalog", "txid_current_snapshot"), SQLDataType.OTHER))));
    }

    private static final long TWO_TO_32 = 1L << 32;

    /** Recorded 64-bit ids at or below this are too old to be compared by their 32 bits. */
    private static Field<Long> oldestTrusted() {
        return snapshotXmax().minus(inline(1L + TWO_TO_32));
    }

    /**
     * The latest 64-bit transaction id, below the statement's snapshot horizon, whose low 32 bits are a row's
     * {@code xmin}.
     *
     * @param xmin the 32-bit id (type {@code xid})
     * @return the 64-bit id
     */
    static Field<Long> latestWith(Field<?> xmin) {
        Field<Long> top = snapshotXmax().minus(inline(1L));
        Field<Long> raw = xmin.cast(SQLDataType.CLOB).cast(SQLDataType.BIGINT);
        return top.minus(DSL.bitAnd(top.minus(raw), inline(TWO_TO_32 - 1)));
    }

    /**
     * The 64-bit id to record for a row version, or {@code NULL} when it might be the id of a transaction still
     * running when the statement's snapshot was taken.
     *
     * @param xmin the 32-bit id
     * @return the id or {@code NULL}
     */
    static Field<Long> storableVersion(Field<?> xmin) {
        Field<Long> latest = latestWith(xmin);
        return DSL.when(latest.lt(snapshotXmin()), latest).otherwise(DSL.castNull(SQLDataType.BIGINT));
    }

    /**
     * {@link #storableVersion(Field)} worked out by the client, as {@code age()} does it: the 64-bit id of a row
     * version read in a transaction with id {@code xid}, or {@code null} when it is not older than {@code horizon}.
     *
     * @param xid the reading transaction's 64-bit id ({@code txid_current()})
     * @param horizon the oldest transaction still running, seen before the rows were read
     * @param xmin the version's 32-bit id
     * @return the id to record, or {@code null}
     */
    static @org.jspecify.annotations.Nullable Long storableVersion(long xid, long horizon, long xmin) {
        // age(): the signed 32-bit distance from this transaction's id; special ids (frozen, bootstrap) are the
        // oldest there are.
        long age = xmin < 3 ? Integer.MAX_VALUE : (int) ((xid & (TWO_TO_32 - 1)) - xmin);
        long latest = xid - age;
        return latest < horizon ? latest : null;
    }

    /**
     * What the recorded row versions were taken over: when it changes, they are forgotten
     * ({@link #forgetVersions()}).
     *
     * @return a description, or {@code null} when the rows have no versions to trust
     */
    public @org.jspecify.annotations.Nullable String versionScope() {
        return versionScope;
    }

    /** The assignments that forget a snapshot row's recorded version. */
    private static Map<Field<?>, Field<?>> noVersion() {
        return Map.of(field(name(XR)), JobTables.nullXid(), field(name(XE)), DSL.castNull(SQLDataType.BIGINT));
    }

    /**
     * Forgets every recorded row version (each row is hashed and compared on the next run).
     *
     * @return the statement
     */
    public Query forgetVersions() {
        return DSL.update(table(tables.snapshotName()))
            .set(noVersion())
            .where(field(name(XE)).isNotNull());
    }

    /**
     * Records the new version of rows planned as {@link JobTables#TOUCHED} (run in the plan's transaction).
     *
     * @return the statement
     */
    public Query recordTouched() {
        Table<?> pl = tables.plan("pl");
        return DSL.update(tables.snapshot("sn"))
            .set(field(name(XR), SQLDataType.BIGINT), field(name("pl", XR), SQLDataType.BIGINT))
            .set(field(name(XE), SQLDataType.BIGINT), field(name("pl", XE), SQLDataType.BIGINT))
            .from(pl)
            .where(f("sn", K).eq(f("pl", K))).and(kindIn(List.of(JobTables.TOUCHED)));
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
     *   <li>no parallel workers: they are new processes for every statement, each building its share of a hash
     *       table in fresh shared memory, and they take CPU from the application's queries. On a 2-core virtual
     *       machine that charges dearly for fresh memory the parallel plan took 1.7 to 1.9 s, the serial one 1.1 s
     *       (an earlier machine had it the other way round: 0.8 against 1.1 s, at three processes' CPU);</li>
     *   <li>no hash join when the source's rows lie in key order ({@code inKeyOrder}): both sides are read by their
     *       key indexes and merged, no hash table is built: 0.6 to 0.7 s instead of 1.1 s. Not otherwise: an
     *       index read in an order unrelated to where the rows lie costs twice what hashing does.</li>
     * </ul>
     *
     * @return the statement
     */
    public Query planSettings() {
        Field<String> workMem = DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB,
            inline("work_mem"));
        Field<String> atLeast64 = DSL.when(DSL.function(name("pg_catalog", "pg_size_bytes"), SQLDataType.BIGINT, workMem)
            .lt(inline(64L * 1024 * 1024)), inline("64MB")).otherwise(workMem);
        List<SelectField<?>> settings = new ArrayList<>();
        settings.add(Session.setLocal("work_mem", atLeast64));
        settings.add(Session.setLocal("max_parallel_workers_per_gather", inline("0")));
        if (inKeyOrder) {
            settings.add(Session.setLocal("enable_hashjoin", inline("off")));
        }
        return DSL.select(settings);
    }

    /**
     * Settings for the rest of an acknowledgement's transaction: its statements join at most a batch of plan rows
     * with the snapshot, which its key index does best. Without them the planner, counting each index probe as a
     * random read, may scan and hash the whole snapshot instead: measured 235 ms instead of ~15 ms to record 3,333
     * changes of a 1M-row snapshot.
     *
     * @return the statement
     */
    public Query ackSettings() {
        return DSL.select(Session.setLocal("enable_hashjoin", inline("off")),
            Session.setLocal("enable_mergejoin", inline("off")));
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
     * Replaces the issues table's content by the invalid rows of this plan. A row of a duplicated key is described as
     * {@code 3 rows share this key; this row: (…)}, a row with a NULL key by its values alone.
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
        // (Counted by the key's own equality, as the plan found the duplicates: 1.0 and 1.00 are one numeric key.)
        Field<String> sharing = DSL.count().over(DSL.partitionBy(f("pl", K))).cast(SQLDataType.CLOB);
        Field<String> detail = DSL.when(kind.eq(inline(JobTables.DUPLICATE_KEY)),
                DSL.concat(sharing, inline(" rows share this key; this row: "), rowDetail(values)))
            .otherwise(rowDetail(values));
        return replaceIssues(DSL.select(DSL.val(runId), reason, JobTables.text("pl", KT), detail).from(pl)
            .where(kind.in(inline(JobTables.NULL_KEY), inline(JobTables.DUPLICATE_KEY))));
    }

    /** An invalid row's values as a record's text, cut at 300 characters. */
    private static Field<String> rowDetail(List<Field<?>> values) {
        return DSL.left(DSL.field("ROW({0})::text", SQLDataType.CLOB, DSL.list(values)), inline(300));
    }

    /** Replaces the issues table's content by rows of (run_id, reason, key_text, detail). */
    private List<Query> replaceIssues(Select<? extends org.jooq.Record4<String, String, String, String>> rows) {
        return List.of(
            DSL.deleteFrom(table(tables.issuesName())),
            DSL.insertInto(table(tables.issuesName()), JobTables.text(null, "run_id"), JobTables.text(null, "reason"),
                    JobTables.text(null, "key_text"), JobTables.text(null, "detail"))
                .select(rows));
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
            Field<Object> value = f("pl", JobTables.valueColumn(i));
            out.add(types.get(i - 1).selectedAsText() ? value.cast(SQLDataType.CLOB).as(value.getUnqualifiedName())
                : value);
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
     * {@value Bookkeeping#IN_DOUBT} column gets the text forms of every key of the batch (of the kinds given) as
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
     * @param kinds the plan kinds the batch hands out (every one: a late write of an unchanged row can undo a later run)
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
     * The row constructor follows the snapshot's columns (k, h, d, xr, xe, du).
     *
     * <p>Keys left by a run that may still be writing (folded when the next run starts: the earlier run may have lost
     * its connection, and with it its job lock, while a write was on) get a lease ({@link JobTables#DU}): they stay
     * in doubt, whatever is acknowledged, until it has passed.
     *
     * @param jobId the job
     * @param lease how long a write of the run that marked the keys may still land, or {@code null} when none can
     * @return the statement
     */
    public Query foldInDoubt(String jobId, java.time.@org.jspecify.annotations.Nullable Duration lease) {
        Table<?> jobs = table(tables.jobsName()).as("j");
        Table<?> elements = DSL.table("{0}({1})", name("pg_catalog", "unnest"), field(name("j", Bookkeeping.IN_DOUBT)))
            .as("e", "v");
        Field<Object> typedKey = DSL.field("(CAST(CAST(ROW({0}, NULL, true, NULL, NULL, NULL) AS text) AS {1})).{2}",
            field(name("e", "v")), tables.snapshotName(), name(K));
        Table<?> rows = DSL.select(typedKey.as(K)).from(jobs).crossJoin(elements)
            .where(field(name("j", "job_id")).eq(DSL.val((Object) jobId))).asTable("r");
        Field<Object> k = field(name(K));
        Field<Long> h = field(name(H), SQLDataType.BIGINT);
        Field<Boolean> d = field(name(D), SQLDataType.BOOLEAN);
        Field<java.time.OffsetDateTime> du = field(name(DU), SQLDataType.TIMESTAMPWITHTIMEZONE);
        Field<java.time.OffsetDateTime> until = leaseEnd(lease);
        // (The row's own lease, qualified: in ON CONFLICT DO UPDATE a bare column name is ambiguous.)
        Field<java.time.OffsetDateTime> current = field(tables.snapshotName().append(DU),
            SQLDataType.TIMESTAMPWITHTIMEZONE);
        return DSL.insertInto(table(tables.snapshotName()), k, h, d, du)
            .select(DSL.select(f("r", K), DSL.castNull(SQLDataType.BIGINT), inline(true), until).from(rows)
                .where(f("r", K).isNotNull()))
            .onConflict(k).doUpdate().set(d, inline(true))
            .set(du, lease == null ? current : DSL.greatest(DSL.coalesce(current, until), until));
    }

    /**
     * When a lease given now ends: {@code now() + lease}, or {@code NULL} for none.
     *
     * @param lease how long, or {@code null}
     * @return the field
     */
    private static Field<java.time.OffsetDateTime> leaseEnd(java.time.@org.jspecify.annotations.Nullable Duration lease) {
        if (lease == null) {
            return DSL.castNull(SQLDataType.TIMESTAMPWITHTIMEZONE);
        }
        return DSL.field("{0} + {1} * interval '1 millisecond'", SQLDataType.TIMESTAMPWITHTIMEZONE,
            DSL.currentOffsetDateTime(), inline(lease.toMillis()));
    }

    /**
     * Keys under a lease that has not passed ({@link JobTables#DU}) stay in doubt when acknowledged. Never NULL (a key
     * without a lease is not leased: {@code NOT (NULL > now())} would keep it).
     */
    private static Condition leased(String alias) {
        Field<java.time.OffsetDateTime> du = field(name(alias, DU), SQLDataType.TIMESTAMPWITHTIMEZONE);
        return du.isNotNull().and(du.gt(DSL.currentOffsetDateTime()));
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
        Field<Long> xr = field(name(XR), SQLDataType.BIGINT);
        Field<Long> xe = field(name(XE), SQLDataType.BIGINT);
        if (known) {
            Field<java.time.OffsetDateTime> du = field(name(DU), SQLDataType.TIMESTAMPWITHTIMEZONE);
            return DSL.update(tables.snapshot("sn")).set(h, field(name("pl", H), SQLDataType.BIGINT))
                .set(d, DSL.field(leased("sn")))
                .set(du, DSL.when(leased("sn"), f("sn", DU).coerce(du)))
                .set(xr, field(name("pl", XR), SQLDataType.BIGINT)).set(xe, field(name("pl", XE), SQLDataType.BIGINT))
                .from(pl).where(f("sn", K).eq(f("pl", K))).and(kindIn(kinds)).and(ps.isTrue()).and(range(from, to))
                .and(notRejected(rejected));
        }
        return DSL.insertInto(table(tables.snapshotName()), k, h, d, xr, xe)
            .select(DSL.select(f("pl", K), field(name("pl", H), SQLDataType.BIGINT), inline(false),
                    field(name("pl", XR), SQLDataType.BIGINT),
                    field(name("pl", XE), SQLDataType.BIGINT)).from(pl)
                .where(kindIn(kinds)).and(ps.isFalse()).and(range(from, to)).and(notRejected(rejected)));
    }

    private static Condition notRejected(List<String> rejected) {
        return rejected.isEmpty() ? DSL.noCondition() : Sql.inTexts(f("pl", KT), rejected).not();
    }

    /**
     * Deletes the delivered REMOVED keys of a batch from the snapshot (keys under a lease stay, in doubt).
     *
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statements
     */
    public List<Query> applyRemoved(String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        Condition removed = f("sn", K).in(DSL.select(f("pl", K)).from(pl)
            .where(kindIn(List.of(JobTables.REMOVED))).and(range(from, to)).and(notRejected(rejected)));
        // A removal acknowledged while a late write of an earlier run may still land keeps its key, in doubt: the
        // next run after the lease sends the removal again.
        return List.of(
            DSL.deleteFrom(tables.snapshot("sn")).where(removed).and(DSL.not(leased("sn"))),
            DSL.update(tables.snapshot("sn")).set(field(name(H), SQLDataType.BIGINT), DSL.castNull(SQLDataType.BIGINT))
                .set(field(name(D), SQLDataType.BOOLEAN), inline(true)).where(removed).and(leased("sn")));
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

    // ---- First sync: no plan table, batches read from the source by key, snapshot rows written before hand-out ----

    /**
     * Counts the source's rows and its rows with a NULL key (a first sync of a key declared unique has no other
     * invalid rows).
     *
     * @return the query of (rows, NULL keys)
     */
    public Select<?> countSource() {
        Field<Object> key = f("t", keyColumn);
        return DSL.select(DSL.count(), DSL.count().filterWhere(key.isNull()))
            .from(table(name(schema, relation)).as("t"));
    }

    /**
     * The highest key, by the key's index ({@code max()} does not exist for every type with a btree order, e.g. uuid).
     *
     * @return the query of the highest key's text form, or of no row
     */
    public Select<?> highestKey() {
        Field<Object> top = f("t2", keyColumn);
        return DSL.select(top.cast(SQLDataType.CLOB)).from(table(name(schema, relation)).as("t2"))
            .where(top.isNotNull()).orderBy(top.desc()).limit(inline(1));
    }

    /**
     * Replaces the issues table's content by the source's rows with a NULL key.
     *
     * @param runId the run
     * @param any whether there are such rows (else only the old issues are deleted)
     * @return the statements
     */
    public List<Query> recordNullKeys(String runId, boolean any) {
        if (!any) {
            return List.of(DSL.deleteFrom(table(tables.issuesName())));
        }
        List<Field<?>> values = new ArrayList<>();
        for (String column : columns) {
            values.add(f("t", column));
        }
        return replaceIssues(DSL.select(DSL.val(runId), inline("NULL_KEY"), DSL.castNull(SQLDataType.CLOB),
                rowDetail(values))
            .from(table(name(schema, relation)).as("t")).where(f("t", keyColumn).isNull()));
    }

    /**
     * Whether the snapshot has no row.
     *
     * @return the query of one boolean
     */
    public Select<?> snapshotEmpty() {
        return DSL.select(DSL.field(DSL.notExists(DSL.selectOne().from(table(tables.snapshotName())))));
    }

    private Name snapshotKeyName() {
        return name(tables.snapshotName().last() + "_pk");
    }

    /**
     * Whether the snapshot has its primary key.
     *
     * @return the query of one boolean
     */
    public Select<?> snapshotKeyed() {
        return DSL.select(DSL.field(DSL.exists(DSL.selectOne().from(table(name("pg_catalog", "pg_constraint")))
            .where(field(name("conrelid")).eq(DSL.function(name("pg_catalog", "to_regclass"), SQLDataType.OTHER,
                DSL.val(tables.snapshotName().toString()))))
            .and(field(name("contype"), SQLDataType.CHAR).eq(inline("p"))))));
    }

    /**
     * Adds the snapshot's primary key (to a snapshot left without one by an earlier version's first sync).
     *
     * @return the statement
     */
    public Query addSnapshotKey() {
        return DSL.alterTable(tables.snapshotName()).add(DSL.constraint(snapshotKeyName()).primaryKey(K));
    }

    /**
     * Deletes all but one snapshot row of any key (never expected: only as a guard before the key is rebuilt after a
     * first sync that was interrupted).
     *
     * @return the statement
     */
    public Query dropDuplicateSnapshotKeys() {
        return DSL.deleteFrom(tables.snapshot("a")).using(tables.snapshot("b"))
            .where(f("a", K).eq(f("b", K))).and(DSL.field(name("a", "ctid"), SQLDataType.OTHER)
                .lt(DSL.field(name("b", "ctid"), SQLDataType.OTHER)));
    }

    /**
     * Records that a first sync started (before its first batch).
     *
     * @param jobId the job
     * @param runId the run
     * @return the statement
     */
    public Query firstSyncStarted(String jobId, String runId) {
        return DSL.update(table(tables.jobsName())).set(JobTables.text(null, Bookkeeping.FIRST_SYNC_RUN), DSL.val(runId))
            .set(JobTables.text(null, Bookkeeping.FIRST_SYNC_ACKED), DSL.castNull(SQLDataType.CLOB)).where(jobIs(jobId));
    }

    /**
     * Records the acknowledgement of a first sync's batch.
     *
     * @param jobId the job
     * @param lastKeyText the batch's last key
     * @return the statement
     */
    public Query firstSyncAcked(String jobId, String lastKeyText) {
        return DSL.update(table(tables.jobsName())).set(JobTables.text(null, Bookkeeping.FIRST_SYNC_ACKED),
            DSL.val(lastKeyText)).where(jobIs(jobId));
    }

    /**
     * Records that no first sync is in progress.
     *
     * @param jobId the job
     * @return the statement
     */
    public Query firstSyncEnded(String jobId) {
        return DSL.update(table(tables.jobsName()))
            .set(JobTables.text(null, Bookkeeping.FIRST_SYNC_RUN), DSL.castNull(SQLDataType.CLOB))
            .set(JobTables.text(null, Bookkeeping.FIRST_SYNC_ACKED), DSL.castNull(SQLDataType.CLOB)).where(jobIs(jobId));
    }

    /**
     * Puts the snapshot rows of a first sync's key range in doubt ("the destination may or may not hold them": a
     * NULL hash), for a batch that failed or was never acknowledged.
     *
     * @param afterKeyText the range's exclusive start, or {@code null}
     * @param toKeyText the range's inclusive end, or {@code null} for no end
     * @param lease how long a write of the first sync may still land ({@link #foldInDoubt}), or {@code null}
     * @return the statement
     */
    public Query firstSyncInDoubt(String afterKeyText, String toKeyText,
                                  java.time.@org.jspecify.annotations.Nullable Duration lease) {
        Field<Object> k = field(name(K));
        return DSL.update(table(tables.snapshotName()))
            .set(field(name(H), SQLDataType.BIGINT), DSL.castNull(SQLDataType.BIGINT))
            .set(field(name(D), SQLDataType.BOOLEAN), inline(true))
            .set(field(name(DU), SQLDataType.TIMESTAMPWITHTIMEZONE), leaseEnd(lease))
            .set(noVersion())
            .where(afterKeyText == null ? DSL.noCondition() : k.gt(Sql.untyped(afterKeyText)))
            .and(toKeyText == null ? DSL.noCondition() : k.le(Sql.untyped(toKeyText)));
    }

    /**
     * Deletes a first sync's snapshot rows above a key: rows of a batch read ahead that was never handed out.
     *
     * @param afterKeyText the last key handed out, or {@code null} for all rows
     * @return the statement
     */
    public Query firstSyncForgetAbove(@org.jspecify.annotations.Nullable String afterKeyText) {
        return DSL.deleteFrom(table(tables.snapshotName()))
            .where(afterKeyText == null ? DSL.noCondition() : field(name(K)).gt(Sql.untyped(afterKeyText)));
    }

    /**
     * Deletes the snapshot rows of the keys a first sync's destination rejected (recorded in the issues table when
     * each batch was acknowledged): the destination does not hold them.
     *
     * @param runId the first sync's run
     * @return the statement
     */
    public Query firstSyncForgetRejected(String runId) {
        return DSL.deleteFrom(table(tables.snapshotName()))
            .where(field(name(K)).cast(SQLDataType.CLOB).in(DSL.select(JobTables.text(null, "key_text"))
                .from(table(tables.issuesName()))
                .where(field(name("run_id")).eq(DSL.val((Object) runId)))
                .and(field(name("reason")).eq(inline((Object) "REJECTED")))));
    }

    /**
     * A first sync's next batch: reads up to {@code limit} rows with a key above the previous batch's straight from
     * the source (by its unique key's index) and returns, like {@link #nextBatch}, kind, key, key text and mapped
     * values in key order, followed by two columns of the rows' snapshot rows: hash and version ({@code xr}). The
     * kind is always ADDED and left {@code NULL}; so is the key text when {@code printKey} is false (the caller
     * prints keys whose Java value prints as PostgreSQL does: integers, text, uuid). The caller works out the
     * version's 64-bit id ({@link #transactionIds()}) and writes the snapshot rows in the same transaction
     * ({@link #snapshotCopy()}), before the batch is handed out.
     *
     * <p>Why not one statement that also writes the snapshot rows (a data-modifying {@code WITH}): the rows would be
     * materialized and sorted again, and single-row inserts cost twice what {@code COPY}'s multi-row inserts do;
     * together that was half of a first sync's time on the server. Every value printed here is printed once per
     * row, so whatever the client can do as cheaply (the kind, key texts, version ids) it does.
     *
     * <p>With {@code clientHash}, the hash column is NULL and there is no inner level: the client hashes each row
     * from the values as they come ({@link RowHash.Client}, the columns' kinds in {@link #firstSyncKinds()}), which
     * takes about a quarter of the statement's time off the server.
     *
     * @param afterKeyText the last key of the previous batch, or {@code null}
     * @param upToKeyText the highest key when the run was planned: rows added later with higher keys (the usual
     *     case for generated keys) wait for the next run, as with a plan table
     * @param limit the batch size
     * @param printKey whether the server prints the key text
     * @param clientHash whether the client hashes the rows
     * @return the query
     */
    public org.jooq.ResultQuery<?> firstBatch(String afterKeyText, String upToKeyText, int limit, boolean printKey,
                                              boolean clientHash) {
        Field<Object> key = f("t", keyColumn);
        if (clientHash) {
            List<SelectField<?>> out = new ArrayList<>();
            out.add(DSL.castNull(SQLDataType.CLOB).as(KIND));
            out.add(key.as(K));
            out.add(printKey ? key.cast(SQLDataType.CLOB).as(KT) : DSL.castNull(SQLDataType.CLOB).as(KT));
            for (int i = 0; i < columns.size(); i++) {
                Field<Object> column = f("t", columns.get(i));
                out.add((types.get(i).printedOnce() ? column.cast(SQLDataType.CLOB) : column)
                    .as(JobTables.valueColumn(i + 1)));
            }
            out.add(DSL.castNull(SQLDataType.CLOB).as(H));
            out.add((versioned ? f("t", "xmin") : JobTables.nullXid()).cast(SQLDataType.CLOB).as(XR));
            return DSL.select(out).from(table(name(schema, relation)).as("t"))
                .where(afterKeyText == null ? key.isNotNull() : key.gt(Sql.untyped(afterKeyText)))
                .and(key.le(Sql.untyped(upToKeyText)))
                .orderBy(key).limit(inline(limit));
        }
        // Inner level (not flattened: it has a LIMIT): the rows, with the text form of columns that are read as text
        // anyway printed once, for the hash and for the result (jsonb prints slowly: ~0.5 s per 1M values).
        List<SelectField<?>> rows = new ArrayList<>();
        rows.add(key.as(K));
        rows.add(printKey ? key.cast(SQLDataType.CLOB).as(KT) : DSL.castNull(SQLDataType.CLOB).as(KT));
        rows.add(versioned ? f("t", "xmin").as(XR) : JobTables.nullXid().as(XR));
        List<String> hashTypes = new ArrayList<>(types.size());
        types.forEach(t -> hashTypes.add(t.declared()));
        for (int i = 0; i < columns.size(); i++) {
            Field<Object> column = f("t", columns.get(i));
            if (types.get(i).printedOnce()) {
                rows.add(column.cast(SQLDataType.CLOB).as(JobTables.valueColumn(i + 1)));
                hashTypes.set(i, "text");
            } else {
                rows.add(column.as(JobTables.valueColumn(i + 1)));
            }
        }
        Table<?> r = DSL.select(rows).from(table(name(schema, relation)).as("t"))
            .where(afterKeyText == null ? key.isNotNull() : key.gt(Sql.untyped(afterKeyText)))
            .and(key.le(Sql.untyped(upToKeyText)))
            .orderBy(key).limit(inline(limit)).asTable("r");
        List<Field<Object>> values = new ArrayList<>();
        List<SelectField<?>> out = new ArrayList<>();
        out.add(DSL.castNull(SQLDataType.CLOB).as(KIND));
        out.add(f("r", K));
        out.add(f("r", KT));
        for (int i = 1; i <= columns.size(); i++) {
            values.add(f("r", JobTables.valueColumn(i)));
        }
        out.addAll(values);
        // The snapshot row's values as text (never sent in binary): the caller copies their bytes as they come.
        out.add(rowHash(values, hashTypes).cast(SQLDataType.CLOB).as(H));
        out.add(f("r", XR).cast(SQLDataType.CLOB).as(XR));
        // The subquery's rows come in key order already: this ORDER BY costs no sort.
        return DSL.select(out).from(r).orderBy(f("r", K));
    }

    /**
     * This transaction's id (assigning one) and the oldest transaction still running: what a first sync's batch
     * needs to work out the 64-bit ids of the row versions it records ({@link #storableVersion}), asked before the
     * batch's statement, so that the horizon is never later than that statement's.
     *
     * @return the query of one row: {@code txid_current()}, {@code txid_snapshot_xmin(txid_current_snapshot())}
     */
    public Select<?> transactionIds() {
        return DSL.select(DSL.function(name("pg_catalog", "txid_current"), SQLDataType.BIGINT), snapshotXmin());
    }

    /**
     * {@code COPY} of snapshot rows (key, hash, in doubt, version, version id) from the client, in text format:
     * how a first sync writes the snapshot rows of a batch ({@link #firstBatch}).
     *
     * @return the statement
     */
    public Query snapshotCopy() {
        return DSL.query("copy {0} ({1}, {2}, {3}, {4}, {5}) from stdin", table(tables.snapshotName()), name(K),
            name(H), name(D), name(XR), name(XE));
    }

    /**
     * Marks every snapshot key in doubt (after a change of hash algorithm or server version: everything is sent
     * again, and removals are still found).
     *
     * @return the statement
     */
    public Query markAllInDoubt() {
        return DSL.update(table(tables.snapshotName())).set(field(name(D), SQLDataType.BOOLEAN), inline(true))
            .set(noVersion());
    }
}
