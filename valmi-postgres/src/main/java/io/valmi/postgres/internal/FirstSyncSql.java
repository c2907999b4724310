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
        return DSL.update(table(tables.jobsName())).set(JobTables.text(null, JobsTable.FIRST_SYNC_RUN), DSL.val(runId))
            .set(JobTables.text(null, JobsTable.FIRST_SYNC_ACKED), DSL.castNull(SQLDataType.CLOB))
            .set(settledAhead(), DSL.castNull(SQLDataType.CLOB.array()))
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
        return RowVersions.transactionIds(DSL.field(DSL.select(inline(true)).from(table(tables.jobsName()))
            .where(JobsTable.jobIs(jobId)).and(JobTables.text(null, JobsTable.FIRST_SYNC_RUN).eq(DSL.val(runId)))
            .forKeyShare()));
    }

    private static Field<String[]> settledAhead() {
        return field(name(JobsTable.FIRST_SYNC_AHEAD), SQLDataType.CLOB.array());
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
            .set(bigint(null, HASH), DSL.castNull(SQLDataType.BIGINT))
            .set(bool(null, IN_DOUBT_FLAG), inline(true))
            .set(field(name(IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE), InDoubtMarks.leaseEnd(lease))
            .set(SnapshotTable.noVersion())
            .where(afterKeyText == null ? DSL.noCondition() : k.gt(Sql.untyped(afterKeyText)))
            .and(toKeyText == null ? DSL.noCondition() : k.le(Sql.untyped(toKeyText)))
            .and(outside);
    }

    /**
     * Puts the snapshot rows of some keys of a first sync in doubt (rejected keys of a batch that was written more than
     * once: an earlier attempt may have been applied).
     *
     * @param keyTexts the keys' text forms
     * @return the statement
     */
    public Query firstSyncKeysInDoubt(List<String> keyTexts) {
        return DSL.update(table(tables.snapshotName()))
            .set(bigint(null, HASH), DSL.castNull(SQLDataType.BIGINT))
            .set(bool(null, IN_DOUBT_FLAG), inline(true))
            .set(SnapshotTable.noVersion())
            .where(Sql.inTexts(field(name(KEY)), keyTexts));
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
        List<SelectField<?>> out = new ArrayList<>();
        out.add(DSL.castNull(SQLDataType.CLOB).as(PLAN_KIND));
        out.add(sourceKey().as(KEY));
        out.add(keyText());
        out.addAll(values());
        out.add(DSL.castNull(SQLDataType.CLOB).as(HASH));
        out.add(rowVersion().cast(SQLDataType.CLOB).as(ROW_VERSION));
        return batchRows(out, afterKeyText, upToKeyText, limit);
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
        // The subquery's rows come in key order already: this ORDER BY costs no sort.
        return DSL.select(out).from(r).orderBy(col("r", KEY));
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
}
