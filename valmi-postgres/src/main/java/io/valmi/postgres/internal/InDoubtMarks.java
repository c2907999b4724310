package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.HASH;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_FLAG;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_UNTIL;
import static io.valmi.postgres.internal.JobTables.KEY;
import static io.valmi.postgres.internal.JobTables.KEY_TEXT;
import static io.valmi.postgres.internal.JobTables.bigint;
import static io.valmi.postgres.internal.JobTables.bool;
import static io.valmi.postgres.internal.JobTables.col;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.types.DayToSecond;
import org.jspecify.annotations.Nullable;

/**
 * The in-doubt marks of a job: the keys of the batch in flight, in the job record, folded into the snapshot (with a
 * lease when their run may still be writing) when they are not acknowledged. See
 * {@code docs/internals.md#in-doubt-marks-fencing-and-leases}.
 */
final class InDoubtMarks {
    private final JobTables tables;

    InDoubtMarks(RunShape shape) {
        this.tables = shape.tables();
    }


    private static Field<String[]> inDoubt() {
        return field(name(JobsTable.IN_DOUBT), SQLDataType.CLOB.array());
    }

    /**
     * Marks the keys of a batch in doubt before it is handed out: the job record's {@value JobsTable#IN_DOUBT} column
     * gets their text forms as one array, taken from the plan table, until the acknowledgement clears it. See
     * {@code docs/internals.md#the-mark}.
     *
     * @param jobId the job
     * @param kinds the plan kinds the batch hands out (every one: a late write of an unchanged row can undo a later run)
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @return the statement
     */
    public Query markInDoubt(String jobId, List<String> kinds, @Nullable String from, String to) {
        Table<?> pl = tables.plan("pl");
        Field<String[]> keys = DSL.field(DSL.select(DSL.function(name("pg_catalog", "array_agg"),
            SQLDataType.CLOB.array(), col("pl", KEY_TEXT))).from(pl).where(PlanTable.kindIn(kinds))
            .and(PlanTable.range(from, to)));
        return DSL.update(table(tables.jobsName())).set(inDoubt(), keys).where(JobsTable.jobIs(jobId));
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
            .where(JobsTable.jobIs(jobId)).and(inDoubt().isNotNull());
    }

    /**
     * Puts the keys in the job record into the snapshot in doubt: a new key with a NULL hash, a known key flagged; with
     * a lease when their run may still be writing. The key texts are parsed through the snapshot's row type, whose
     * columns the {@code ROW(...)} below must follow. See {@code docs/internals.md#the-mark}.
     *
     * @param jobId the job
     * @param lease how long a write of the run that marked the keys may still land, or {@code null} when none can
     * @return the statement
     */
    public Query foldInDoubt(String jobId, @Nullable Duration lease) {
        Table<?> jobs = table(tables.jobsName()).as("j");
        Table<?> elements = DSL.unnest(field(name("j", JobsTable.IN_DOUBT), SQLDataType.CLOB.array())).as("e", "v");
        Field<Object> typedKey = PgTemplates.keyFromText(JobTables.text("e", "v"), tables.snapshotName(), name(KEY));
        Table<?> rows = DSL.select(typedKey.as(KEY)).from(jobs).crossJoin(elements)
            .where(field(name("j", JobsTable.JOB_ID)).eq(DSL.val((Object) jobId))).asTable("r");
        Field<Object> k = field(name(KEY));
        Field<Long> h = bigint(null, HASH);
        Field<Boolean> d = bool(null, IN_DOUBT_FLAG);
        Field<OffsetDateTime> du = field(name(IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE);
        Field<OffsetDateTime> until = leaseEnd(lease);
        // (The row's own lease, qualified: in ON CONFLICT DO UPDATE a bare column name is ambiguous.)
        Field<OffsetDateTime> current = field(tables.snapshotName().append(IN_DOUBT_UNTIL),
            SQLDataType.TIMESTAMPWITHTIMEZONE);
        return DSL.insertInto(table(tables.snapshotName()), k, h, d, du)
            .select(DSL.select(col("r", KEY), DSL.castNull(SQLDataType.BIGINT), inline(true), until).from(rows)
                .where(col("r", KEY).isNotNull()))
            .onConflict(k).doUpdate().set(d, inline(true))
            .set(du, lease == null ? current : DSL.greatest(DSL.coalesce(current, until), until));
    }

    /**
     * When a lease given now ends: {@code now() + lease}, or {@code NULL} for none.
     *
     * @param lease how long, or {@code null}
     * @return the field
     */
    static Field<OffsetDateTime> leaseEnd(@Nullable Duration lease) {
        if (lease == null) {
            return DSL.castNull(SQLDataType.TIMESTAMPWITHTIMEZONE);
        }
        // (Whole milliseconds, as the lease has always been counted.)
        return DSL.currentOffsetDateTime().plus(inline(DayToSecond.valueOf(Duration.ofMillis(lease.toMillis()))));
    }

    /**
     * Keys under a lease that has not passed ({@link JobTables#IN_DOUBT_UNTIL}) stay in doubt when acknowledged. Never
     * NULL (a key without a lease is not leased: {@code NOT (NULL > now())} would keep it).
     */
    static Condition leased(String alias) {
        Field<OffsetDateTime> du = field(name(alias, IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE);
        return du.isNotNull().and(du.gt(DSL.currentOffsetDateTime()));
    }
}
