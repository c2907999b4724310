package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * Transaction-id arithmetic for row versions: which 64-bit id a row's 32-bit {@code xmin} stands for, and when a
 * recorded version may be trusted. See {@code docs/internals.md#row-versions}.
 */
final class RowVersions {
    private RowVersions() {
    }


    /**
     * The system column that holds a source row's version. Why an unchanged {@code xmin} means an unchanged row, and
     * why the record stays sound across wraparound: {@code docs/internals.md#row-versions}.
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
    static Field<Long> oldestTrusted() {
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
    static @Nullable Long storableVersion(long xid, long horizon, long xmin) {
        // age(): the signed 32-bit distance from this transaction's id; special ids (frozen, bootstrap) are the
        // oldest there are.
        long age = xmin < 3 ? Integer.MAX_VALUE : (int) ((xid & (TWO_TO_32 - 1)) - xmin);
        long latest = xid - age;
        return latest < horizon ? latest : null;
    }

    /**
     * This transaction's id (assigning one) and the oldest transaction still running: what a first sync's batch
     * needs to work out the 64-bit ids of the row versions it records ({@link #storableVersion}), asked before the
     * batch's statement, so that the horizon is never later than that statement's.
     *
     * @param more further columns of the same row (a first sync's fence)
     * @return the query of one row: {@code txid_current()}, {@code txid_snapshot_xmin(txid_current_snapshot())}, then
     *     {@code more}
     */
    static Select<?> transactionIds(SelectField<?>... more) {
        List<SelectField<?>> fields = new ArrayList<>(List.of(
            DSL.function(name("pg_catalog", "txid_current"), SQLDataType.BIGINT), snapshotXmin()));
        fields.addAll(List.of(more));
        return DSL.select(fields);
    }
}
