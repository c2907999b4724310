package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.HASH;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_FLAG;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_UNTIL;
import static io.valmi.postgres.internal.JobTables.KEY;
import static io.valmi.postgres.internal.JobTables.KEY_TEXT;
import static io.valmi.postgres.internal.JobTables.PLAN_KIND;
import static io.valmi.postgres.internal.JobTables.ROW_VERSION;
import static io.valmi.postgres.internal.JobTables.bigint;
import static io.valmi.postgres.internal.JobTables.bool;
import static io.valmi.postgres.internal.JobTables.col;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The statements of a first sync ({@code docs/internals.md#the-first-sync-relay}): its batches read straight from the
 * source by the key's index, and its progress in the job record.
 */
final class FirstSyncSql {
    private final JobTables tables;
    private final SourceRef source;
    private final String keyColumn;
    private final List<String> columns;
    private final List<ColumnType> types;
    private final boolean versioned;
    private final boolean keyTextOnClient;

    FirstSyncSql(RunShape shape) {
        this.tables = shape.tables();
        this.source = shape.source();
        this.keyColumn = shape.keyColumn();
        this.columns = shape.columns();
        this.types = shape.types();
        this.versioned = shape.versioned();
        this.keyTextOnClient = shape.keyType().keyTextOnClient();
    }


    // ---- First sync: no plan table, batches read from the source by key, snapshot rows written before hand-out ----

    /**
     * Counts the source's rows and its rows with a NULL key (a first sync of a key declared unique has no other
     * invalid rows).
     *
     * @return the query of (rows, NULL keys)
     */
    public Select<?> countSource() {
        Field<Object> key = col("t", keyColumn);
        return DSL.select(DSL.count(), DSL.count().filterWhere(key.isNull()))
            .from(source.table().as("t"));
    }

    /**
     * The highest key, by the key's index ({@code max()} does not exist for every type with a btree order, e.g. uuid).
     *
     * @return the query of the highest key's text form, or of no row
     */
    public Select<?> highestKey() {
        Field<Object> top = col("t2", keyColumn);
        return DSL.select(top.cast(SQLDataType.CLOB)).from(source.table().as("t2"))
            .where(top.isNotNull()).orderBy(top.desc()).limit(inline(1));
    }

    /**
     * Records that a first sync started (before its first batch).
     *
     * @param jobId the job
     * @param runId the run
     * @return the statement
     */
    public Query firstSyncStarted(String jobId, String runId) {
        return firstSyncStarted(jobId, runId, null);
    }

    /**
     * Records that a first sync started (before its first batch), in key order or in physical order.
     *
     * @param jobId the job
     * @param runId the run
     * @param fileNode for a first sync in physical order, the table's file node ({@link #tableFacts()}); {@code null}
     *     for one in key order
     * @return the statement
     */
    public Query firstSyncStarted(String jobId, String runId, @Nullable String fileNode) {
        return DSL.update(table(tables.jobsName())).set(JobTables.text(null, JobsTable.FIRST_SYNC_RUN), DSL.val(runId))
            .set(JobTables.text(null, JobsTable.FIRST_SYNC_ACKED), DSL.castNull(SQLDataType.CLOB))
            .set(settledAhead(), DSL.castNull(SQLDataType.CLOB.array()))
            .set(tids(), fileNode == null ? DSL.castNull(SQLDataType.CLOB.array())
                : Sql.untyped(Sql.arrayLiteral(List.of(runId, fileNode), Object::toString))
                    .cast(SQLDataType.CLOB.array()))
            .where(JobsTable.jobIs(jobId));
    }

    /**
     * The first statement of a first sync's batch: the transaction's ids ({@link RowVersions#transactionIds}) and the
     * fence. The job record must still name this run's first sync, and is locked {@code FOR KEY SHARE} until the
     * commit, so the next run's preparation, which locks the record {@code FOR UPDATE} before it touches the job's
     * tables ({@link JobsTable#jobLocked}), either waits for the batch's snapshot rows and sees them, or makes the third
     * column NULL. See {@code docs/internals.md#a-batch}.
     *
     * @param jobId the job
     * @param runId this run
     * @return the query: {@code txid_current()}, the snapshot's xmin, {@code true} or NULL when another run has taken
     *     the job over
     */
    public Select<?> transactionIdsAndFence(String jobId, String runId) {
        // (And no parallel plan for the batch: a parallel TID range scan, PostgreSQL 19, would not read in address
        // order.)
        return RowVersions.transactionIds(DSL.field(DSL.select(inline(true)).from(table(tables.jobsName()))
            .where(JobsTable.jobIs(jobId)).and(JobTables.text(null, JobsTable.FIRST_SYNC_RUN).eq(DSL.val(runId)))
            .forKeyShare()), Session.setLocal("max_parallel_workers_per_gather", inline("0")));
    }

    private static Field<String[]> settledAhead() {
        return field(name(JobsTable.FIRST_SYNC_AHEAD), SQLDataType.CLOB.array());
    }

    private static Field<String[]> tids() {
        return field(name(JobsTable.FIRST_SYNC_TIDS), SQLDataType.CLOB.array());
    }

    /**
     * Records where a first sync's prefix of settled batches ends, and the batches settled above it: when a batch is
     * acknowledged or put in doubt. With one batch out at a time only the first moves. See
     * {@code docs/internals.md#the-acknowledged-key-and-how-a-first-sync-ends}.
     *
     * @param jobId the job
     * @param prefix the prefix after the batch, which moves or whose batches settled ahead change
     * @return the statement
     */
    public Query firstSyncAcked(String jobId, BatchesOut.Prefix prefix) {
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        if (prefix.moved()) {
            set.put(JobTables.text(null, JobsTable.FIRST_SYNC_ACKED), DSL.val(prefix.acked()));
        }
        if (prefix.aheadChanged()) {
            set.put(settledAhead(), prefix.settledAhead().isEmpty() ? DSL.castNull(SQLDataType.CLOB.array())
                : Sql.untyped(Sql.arrayLiteral(prefix.settledAhead(), Object::toString)));
        }
        return DSL.update(table(tables.jobsName())).set(set).where(JobsTable.jobIs(jobId));
    }

    /**
     * Records that no first sync is in progress.
     *
     * @param jobId the job
     * @return the statement
     */
    public Query firstSyncEnded(String jobId) {
        return DSL.update(table(tables.jobsName()))
            .set(JobTables.text(null, JobsTable.FIRST_SYNC_RUN), DSL.castNull(SQLDataType.CLOB))
            .set(JobTables.text(null, JobsTable.FIRST_SYNC_ACKED), DSL.castNull(SQLDataType.CLOB))
            .set(settledAhead(), DSL.castNull(SQLDataType.CLOB.array()))
            .set(tids(), DSL.castNull(SQLDataType.CLOB.array()))
            .where(JobsTable.jobIs(jobId));
    }

    /**
     * Puts the snapshot rows of a first sync's key range in doubt ("the destination may or may not hold them": a
     * NULL hash), for a batch that failed or was never acknowledged.
     *
     * @param afterKeyText the range's exclusive start, or {@code null}
     * @param toKeyText the range's inclusive end, or {@code null} for no end
     * @param lease how long a write of the first sync may still land ({@link InDoubtMarks#foldLeftInDoubt}), or
     *     {@code null}
     * @return the statement
     */
    public Query firstSyncInDoubt(@Nullable String afterKeyText, @Nullable String toKeyText,
                                  @Nullable Duration lease) {
        return firstSyncInDoubt(afterKeyText, toKeyText, lease, List.of());
    }

    /**
     * Puts the snapshot rows of a first sync's key range in doubt, but for the rows of batches settled in it.
     *
     * @param afterKeyText the range's exclusive start, or {@code null}
     * @param toKeyText the range's inclusive end, or {@code null} for no end
     * @param lease how long a write of the first sync may still land, or {@code null}
     * @param settled ranges left as they are, as pairs of key texts (exclusive start, inclusive end)
     * @return the statement
     */
    public Query firstSyncInDoubt(@Nullable String afterKeyText, @Nullable String toKeyText,
                                  @Nullable Duration lease, List<String> settled) {
        Field<Object> k = field(name(KEY));
        Condition outside = DSL.noCondition();
        for (int i = 0; i + 1 < settled.size(); i += 2) {
            outside = outside.andNot(k.gt(Sql.untyped(settled.get(i))).and(k.le(Sql.untyped(settled.get(i + 1)))));
        }
        return DSL.update(table(tables.snapshotName()))
            .set(inDoubt(lease))
            .where(afterKeyText == null ? DSL.noCondition() : k.gt(Sql.untyped(afterKeyText)))
            .and(toKeyText == null ? DSL.noCondition() : k.le(Sql.untyped(toKeyText)))
            .and(outside);
    }

    /**
     * The columns of a snapshot row put in doubt ("the destination may or may not hold it"): no hash, in doubt, the
     * lease, no version.
     */
    private static Map<Field<?>, Field<?>> inDoubt(@Nullable Duration lease) {
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        set.put(bigint(null, HASH), DSL.castNull(SQLDataType.BIGINT));
        set.put(bool(null, IN_DOUBT_FLAG), inline(true));
        set.put(field(name(IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE), InDoubtMarks.leaseEnd(lease));
        set.putAll(SnapshotTable.noVersion());
        return set;
    }

    /**
     * Puts the snapshot rows of some keys of a first sync in doubt (rejected keys of a batch that was written more than
     * once: an earlier attempt may have been applied).
     *
     * @param keyTexts the keys' text forms
     * @return the statement
     */
    public Query firstSyncKeysInDoubt(List<String> keyTexts) {
        return firstSyncKeysInDoubt(keyTexts, null);
    }

    /**
     * Puts the snapshot rows of some keys of a first sync in doubt, under a lease (a batch of a first sync in physical
     * order that failed, or was never answered: its rows are known by their keys, not by a key range).
     *
     * @param keyTexts the keys' text forms
     * @param lease how long a write of the first sync may still land, or {@code null}
     * @return the statement
     */
    public Query firstSyncKeysInDoubt(List<String> keyTexts, @Nullable Duration lease) {
        return DSL.update(table(tables.snapshotName()))
            .set(inDoubt(lease))
            .where(Sql.inTexts(field(name(KEY)), keyTexts));
    }

    /**
     * Deletes the snapshot rows of some keys: those of batches of a first sync in physical order that were read ahead
     * and never handed out, but for rows in doubt (a key also read by a batch handed out: its row moved during the
     * run, and the destination may hold it).
     *
     * @param keyTexts the keys' text forms
     * @return the statement
     */
    public Query firstSyncForgetKeys(List<String> keyTexts) {
        return DSL.deleteFrom(table(tables.snapshotName())).where(Sql.inTexts(field(name(KEY)), keyTexts))
            .and(bool(null, IN_DOUBT_FLAG).isFalse());
    }

    /**
     * Deletes a first sync's snapshot rows above a key: rows of a batch read ahead that was never handed out.
     *
     * @param afterKeyText the last key handed out, or {@code null} for all rows
     * @return the statement
     */
    public Query firstSyncForgetAbove(@Nullable String afterKeyText) {
        return DSL.deleteFrom(table(tables.snapshotName()))
            .where(afterKeyText == null ? DSL.noCondition() : field(name(KEY)).gt(Sql.untyped(afterKeyText)));
    }

    /**
     * Deletes the snapshot rows of the keys a first sync's destination rejected (recorded in the issues table when
     * each batch was acknowledged): the destination does not hold them. Rows in doubt stay: the rejected keys of a
     * batch written more than once ({@link #firstSyncKeysInDoubt}) may be at the destination.
     *
     * @param runId the first sync's run
     * @return the statement
     */
    public Query firstSyncForgetRejected(String runId) {
        return DSL.deleteFrom(table(tables.snapshotName()))
            .where(field(name(KEY)).cast(SQLDataType.CLOB).in(IssuesTable.rejectedKeyTexts(tables, runId)))
            .and(bool(null, IN_DOUBT_FLAG).isFalse());
    }

    /**
     * A first sync's next batch when the client hashes its rows ({@link RowHash.Client}): like
     * {@link PlanTable#nextBatch}, kind (left {@code NULL}: always ADDED), key, key text ({@code NULL} when the client
     * prints it) and mapped values in key order, then the snapshot row's hash ({@code NULL}) and version as text. The
     * caller writes the snapshot rows ({@link SnapshotTable#snapshotCopy()}) before the batch is handed out. See
     * {@code docs/internals.md#a-batch}.
     *
     * @param afterKeyText the last key of the previous batch, or {@code null}
     * @param upToKeyText the highest key when the run was planned: rows added later with higher keys (the usual
     *     case for generated keys) wait for the next run, as with a plan table
     * @param limit the batch size
     * @return the query
     */
    public ResultQuery<?> firstBatchHashedByClient(@Nullable String afterKeyText, String upToKeyText, int limit) {
        return batchRows(hashedByClient(), afterKeyText, upToKeyText, limit);
    }

    /** The columns of a batch hashed by the client: kind, key, key text, the values, no hash, the version as text. */
    private List<SelectField<?>> hashedByClient() {
        List<SelectField<?>> out = new ArrayList<>();
        out.add(DSL.castNull(SQLDataType.CLOB).as(PLAN_KIND));
        out.add(sourceKey().as(KEY));
        out.add(keyText());
        out.addAll(values());
        out.add(DSL.castNull(SQLDataType.CLOB).as(HASH));
        out.add(rowVersion().cast(SQLDataType.CLOB).as(ROW_VERSION));
        return out;
    }

    /**
     * A first sync's next batch when the server hashes its rows: the columns of {@link #firstBatchHashedByClient},
     * with the hash ({@link RowHash#sql}) computed over the rows of an inner level.
     *
     * @param afterKeyText the last key of the previous batch, or {@code null}
     * @param upToKeyText the highest key when the run was planned
     * @param limit the batch size
     * @return the query
     */
    public ResultQuery<?> firstBatchHashedByServer(@Nullable String afterKeyText, String upToKeyText, int limit) {
        // Inner level (not flattened: it has a LIMIT): the rows, with columns read as text anyway printed once, for the
        // hash and for the result.
        List<SelectField<?>> rows = new ArrayList<>();
        rows.add(sourceKey().as(KEY));
        rows.add(keyText());
        rows.add(rowVersion().as(ROW_VERSION));
        rows.addAll(values());
        Table<?> r = batchRows(rows, afterKeyText, upToKeyText, limit).asTable("r");
        // The subquery's rows come in key order already: this ORDER BY costs no sort.
        return DSL.select(hashedByServer(false)).from(r).orderBy(col("r", KEY));
    }

    /**
     * The columns of a batch hashed by the server, over the rows of its inner level {@code r}: kind, key, key text,
     * the values, the hash and the version as text, and the row's address when {@code withTid}.
     */
    private List<SelectField<?>> hashedByServer(boolean withTid) {
        List<String> hashTypes = new ArrayList<>(types.size());
        types.forEach(t -> hashTypes.add(t.printedOnce() ? "text" : t.declared()));
        List<Field<Object>> values = new ArrayList<>();
        List<SelectField<?>> out = new ArrayList<>();
        out.add(DSL.castNull(SQLDataType.CLOB).as(PLAN_KIND));
        out.add(col("r", KEY));
        out.add(col("r", KEY_TEXT));
        for (int i = 1; i <= columns.size(); i++) {
            values.add(col("r", JobTables.valueColumn(i)));
        }
        out.addAll(values);
        // The snapshot row's values as text (never sent in binary): the caller copies their bytes as they come.
        out.add(RowHash.sql(values, hashTypes).cast(SQLDataType.CLOB).as(HASH));
        out.add(col("r", ROW_VERSION).cast(SQLDataType.CLOB).as(ROW_VERSION));
        if (withTid) {
            out.add(col("r", TID).cast(SQLDataType.CLOB).as(TID));
        }
        return out;
    }

    /** The rows of a batch: up to {@code limit} rows of the source after a key and up to another, in key order. */
    private Select<?> batchRows(List<SelectField<?>> fields, @Nullable String afterKeyText, String upToKeyText,
                                int limit) {
        Field<Object> key = sourceKey();
        return DSL.select(fields).from(source.table().as("t"))
            .where(afterKeyText == null ? key.isNotNull() : key.gt(Sql.untyped(afterKeyText)))
            .and(key.le(Sql.untyped(upToKeyText)))
            .orderBy(key).limit(inline(limit));
    }

    private Field<Object> sourceKey() {
        return col("t", keyColumn);
    }

    /** The key's text form, or {@code NULL} where the client prints it ({@link ColumnType#keyTextOnClient()}). */
    private Field<String> keyText() {
        return (keyTextOnClient ? DSL.castNull(SQLDataType.CLOB) : sourceKey().cast(SQLDataType.CLOB)).as(KEY_TEXT);
    }

    /** The source row's version, or a NULL {@code xid} when versions are not trusted. */
    private Field<?> rowVersion() {
        return versioned ? col("t", RowVersions.rowVersion()) : JobTables.nullXid();
    }

    /** The mapped values as {@code v1} to {@code vn}, those printed once ({@link ColumnType#printedOnce()}) as text. */
    private List<Field<?>> values() {
        List<Field<?>> values = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Field<Object> column = col("t", columns.get(i));
            values.add((types.get(i).printedOnce() ? column.cast(SQLDataType.CLOB) : column)
                .as(JobTables.valueColumn(i + 1)));
        }
        return values;
    }

    // ---- A first sync in physical order: batches by ranges of row addresses (ctid), PostgreSQL 14+ ----

    /**
     * The facts of the source table a first sync in physical order needs: its file node (a rewrite gives it a new one:
     * VACUUM FULL, CLUSTER, a rewriting ALTER TABLE, pg_repack), its size in pages and the server's version number.
     *
     * @return the query of (the table's oid and file node as text, its pages, {@code server_version_num}, its kind,
     *     the planner's estimate of its rows, -1 or 0 when unknown), or of no row when the source is not a relation
     */
    public Select<?> tableFacts() {
        Field<Object> oid = field(name("c", "oid"));
        Field<String> setting = DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB,
            inline("block_size"));
        return DSL.select(
                oid.cast(SQLDataType.CLOB).concat(inline("/"))
                    .concat(DSL.function(name("pg_catalog", "pg_relation_filenode"), SQLDataType.BIGINT, oid)
                        .cast(SQLDataType.CLOB)),
                DSL.function(name("pg_catalog", "pg_relation_size"), SQLDataType.BIGINT, oid)
                    .div(setting.cast(SQLDataType.BIGINT)),
                DSL.function(name("pg_catalog", "current_setting"), SQLDataType.CLOB, inline("server_version_num"))
                    .cast(SQLDataType.INTEGER),
                PgCatalog.C_KIND,
                field(name("c", "reltuples"), SQLDataType.DOUBLE).cast(SQLDataType.DOUBLE))
            .from(PgCatalog.C)
            .where(oid.eq(DSL.function(name("pg_catalog", "to_regclass"), SQLDataType.OTHER,
                DSL.val(name(source.schema(), source.name()).toString()))));
    }

    /**
     * A first sync's batch in physical order when the client hashes its rows: the columns of
     * {@link #firstBatchHashedByClient}, then the row's address as text, for the rows (NULL keys left out) whose
     * address lies after {@code afterTid} and before page {@code endPage}: the first {@code limit} rows of a TID range
     * scan, which reads pages and rows in address order (the caller checks that they come in that order).
     *
     * @param afterTid the exclusive start, a {@code ctid} (the first batch starts after {@code (0,0)}: no row has it)
     * @param endPage the exclusive end: the first page not read (the table's size when the run was planned)
     * @param limit the batch size
     * @param withTid whether the rows' addresses are read (left out when the range is read whole: its end is known)
     * @return the query
     */
    public ResultQuery<?> physicalBatchHashedByClient(String afterTid, long endPage, long limit, boolean withTid) {
        List<SelectField<?>> out = hashedByClient();
        if (withTid) {
            out.add(col("t", TID).cast(SQLDataType.CLOB).as(TID));
        }
        return DSL.select(out).from(source.table().as("t")).where(tidRange(afterTid, endPage)).limit(inline(limit));
    }

    /**
     * A first sync's batch in physical order when the server hashes its rows: the columns of
     * {@link #firstBatchHashedByServer}, then the row's address as text.
     *
     * @param afterTid the exclusive start, a {@code ctid}
     * @param endPage the exclusive end: the first page not read
     * @param limit the batch size
     * @param withTid whether the rows' addresses are read
     * @return the query
     */
    public ResultQuery<?> physicalBatchHashedByServer(String afterTid, long endPage, long limit, boolean withTid) {
        List<SelectField<?>> rows = new ArrayList<>();
        rows.add(sourceKey().as(KEY));
        rows.add(keyText());
        rows.add(rowVersion().as(ROW_VERSION));
        if (withTid) {
            rows.add(col("t", TID).as(TID));
        }
        rows.addAll(values());
        // (Not flattened, it has a LIMIT: the columns printed once are printed once, for the hash and the result.)
        Table<?> r = DSL.select(rows).from(source.table().as("t")).where(tidRange(afterTid, endPage))
            .limit(inline(limit)).asTable("r");
        // (No ORDER BY: the scan's order is the addresses', which the caller checks.)
        return DSL.select(hashedByServer(withTid)).from(r);
    }

    /** The rows with a key whose address lies after a {@code ctid} and before a page: a TID range scan. */
    private Condition tidRange(String afterTid, long endPage) {
        Field<Object> tid = col("t", TID);
        return tid.gt(Sql.untyped(afterTid)).and(tid.lt(Sql.untyped(tidText(endPage, 0))))
            .and(sourceKey().isNotNull());
    }

    /** The system column of a row's address. */
    static final String TID = "ctid";

    /**
     * A row address's text form.
     *
     * @param page the page
     * @param offset the line pointer (0: before the page's first row)
     * @return {@code (page,offset)}
     */
    static String tidText(long page, int offset) {
        return "(" + page + "," + offset + ")";
    }

    /**
     * Records where a first sync in physical order stands: its table's file node, the end of the prefix of its settled
     * batches and the ranges of those settled above it ({@link JobsTable#FIRST_SYNC_TIDS}).
     *
     * @param jobId the job
     * @param runId the first sync's run
     * @param fileNode the table's file node when the first sync started
     * @param prefix the prefix after the batch, its ends {@code ctid}s
     * @return the statement
     */
    public Query firstSyncTidsAcked(String jobId, String runId, String fileNode, BatchesOut.Prefix prefix) {
        List<String> state = new ArrayList<>(3 + prefix.settledAhead().size());
        state.add(runId);
        state.add(fileNode);
        String acked = prefix.acked();
        state.add(acked == null ? "" : acked);
        state.addAll(prefix.settledAhead());
        return DSL.update(table(tables.jobsName()))
            .set(tids(), Sql.untyped(Sql.arrayLiteral(state, Object::toString)).cast(SQLDataType.CLOB.array()))
            .where(JobsTable.jobIs(jobId));
    }

    /**
     * Puts in doubt, under a lease, every snapshot row of an interrupted first sync in physical order that is not known
     * to be delivered: delivered is a row whose source row still has the key, the version the snapshot recorded and
     * an address in a range its settled batches read ({@link JobsTable#FIRST_SYNC_TIDS}). A row read by a batch not
     * acknowledged lies outside those ranges, unless it moved since, which gave it a new version. (The caller checks
     * the file node first: a rewrite moves rows and keeps their versions.) Rows already in doubt stay as they are: a
     * batch put in doubt by its own run, whose write is over.
     *
     * @param ackedTid the end of the settled prefix (inclusive), or {@code null} for none
     * @param settled the ranges of the batches settled above it, as pairs of {@code ctid}s (exclusive, inclusive)
     * @param lease how long a write of the first sync may still land
     * @return the statement
     */
    public Query firstSyncInDoubtUnlessSettled(@Nullable String ackedTid, List<String> settled, Duration lease) {
        Field<Object> tid = col("t", TID);
        Condition read = ackedTid == null ? DSL.falseCondition() : tid.le(Sql.untyped(ackedTid));
        for (int i = 0; i + 1 < settled.size(); i += 2) {
            read = read.or(tid.gt(Sql.untyped(settled.get(i))).and(tid.le(Sql.untyped(settled.get(i + 1)))));
        }
        Table<?> s = tables.snapshot("s");
        return DSL.update(s)
            .set(inDoubt(lease))
            .where(bool("s", IN_DOUBT_FLAG).isFalse())
            .and(DSL.notExists(DSL.selectOne().from(source.table().as("t"))
                .where(sourceKey().eq(col("s", KEY)))
                .and(col("t", RowVersions.rowVersion()).eq(col("s", ROW_VERSION)))
                .and(read)));
    }

    /**
     * The hashes of some keys' snapshot rows as a first sync in physical order kept them ({@link BatchesOut.Batch}):
     * the rows of the {@code batch} argument of {@link IssuesTable#recordAnswer}.
     *
     * @param keyTexts the keys' text forms
     * @param hashes their hashes, same order
     * @return the query of (key text, hash)
     */
    public Select<Record2<String, Long>> keptHashes(List<String> keyTexts, List<Long> hashes) {
        return DSL.select(
            DSL.function(name("pg_catalog", "unnest"), SQLDataType.CLOB,
                Sql.untyped(Sql.arrayLiteral(keyTexts, Object::toString)).cast(SQLDataType.CLOB.array()))
                .as(KEY_TEXT),
            DSL.function(name("pg_catalog", "unnest"), SQLDataType.BIGINT,
                Sql.untyped(Sql.arrayLiteral(hashes, Object::toString)).cast(SQLDataType.BIGINT.array())).as(HASH));
    }
}
