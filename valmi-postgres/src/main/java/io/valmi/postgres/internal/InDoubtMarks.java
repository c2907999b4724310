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
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.types.DayToSecond;
import org.jspecify.annotations.Nullable;

/**
 * The in-doubt marks of a job: the keys of each batch handed out and not yet answered, one row per batch in the
 * schema-wide {@code valmi_in_doubt} table, folded into the snapshot (with a lease when their run may still be writing)
 * when they are not acknowledged. See {@code docs/internals.md#in-doubt-marks-fencing-and-leases}.
 */
final class InDoubtMarks {
    /** Column: the job. */
    static final String JOB_ID = "job_id";
    /** Column: the run that handed the batch out. */
    static final String RUN_ID = "run_id";
    /** Column: the batch's number in that run, from 1. */
    static final String BATCH = "batch";
    /** Column: the text forms of the batch's keys. */
    static final String KEY_TEXTS = "key_texts";
    /** Column: when the batch was marked. */
    static final String MARKED_AT = "marked_at";

    private final JobTables tables;

    InDoubtMarks(RunShape shape) {
        this.tables = shape.tables();
    }

    /** The job record's column of an earlier version's marks (one batch at a time): folded as the marks are. */
    private static Field<String[]> legacyInDoubt(@Nullable String alias) {
        return field(alias == null ? name(JobsTable.IN_DOUBT) : name(alias, JobsTable.IN_DOUBT),
            SQLDataType.CLOB.array());
    }

    private static Field<String[]> keyTexts(String alias) {
        return field(name(alias, KEY_TEXTS), SQLDataType.CLOB.array());
    }

    private static Condition batchIs(@Nullable String alias, String jobId, String runId, int batch) {
        return markOfJob(alias, jobId).and(field(qualified(alias, RUN_ID), SQLDataType.CLOB).eq(DSL.val(runId)))
            .and(field(qualified(alias, BATCH), SQLDataType.INTEGER).eq(DSL.val(batch)));
    }

    private static Condition markOfJob(@Nullable String alias, String jobId) {
        return field(qualified(alias, JOB_ID), SQLDataType.CLOB).eq(DSL.val(jobId));
    }

    private static Name qualified(@Nullable String alias, String column) {
        return alias == null ? name(column) : name(alias, column);
    }

    /**
     * Marks the keys of a batch in doubt before it is handed out: a row of the marks table gets their text forms as
     * one array, taken from the plan table, until the batch's answer deletes it. See
     * {@code docs/internals.md#the-mark}.
     *
     * @param jobId the job
     * @param runId the run
     * @param batch the batch's number in the run
     * @param kinds the plan kinds the batch hands out (every one: a late write of an unchanged row can undo a later run)
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @return the statement
     */
    public Query markInDoubt(String jobId, String runId, int batch, List<String> kinds, @Nullable String from,
                             String to) {
        Table<?> pl = tables.plan("pl");
        Field<String[]> keys = DSL.function(name("pg_catalog", "array_agg"), SQLDataType.CLOB.array(),
            col("pl", KEY_TEXT));
        return DSL.insertInto(table(tables.inDoubtName()), field(name(JOB_ID), SQLDataType.CLOB),
                field(name(RUN_ID), SQLDataType.CLOB), field(name(BATCH), SQLDataType.INTEGER),
                field(name(KEY_TEXTS), SQLDataType.CLOB.array()))
            .select(DSL.select(DSL.val(jobId), DSL.val(runId), DSL.val(batch), keys).from(pl)
                .where(PlanTable.kindIn(kinds)).and(PlanTable.range(from, to)));
    }

    /**
     * Deletes the marks of one batch: in the transaction that records its acknowledgement, or after
     * {@link #foldInDoubt(String, String, int)}.
     *
     * @param jobId the job
     * @param runId the run
     * @param batch the batch's number in the run
     * @return the statement
     */
    public Query clearInDoubt(String jobId, String runId, int batch) {
        return DSL.deleteFrom(table(tables.inDoubtName())).where(batchIs(null, jobId, runId, batch));
    }

    /**
     * Puts the keys of one batch marked in doubt into the snapshot in doubt, without a lease (its run knows that the
     * batch's write is over).
     *
     * @param jobId the job
     * @param runId the run
     * @param batch the batch's number in the run
     * @return the statement
     */
    public Query foldInDoubt(String jobId, String runId, int batch) {
        Table<?> texts = DSL.select(DSL.function(name("pg_catalog", "unnest"), SQLDataType.CLOB, keyTexts("m")))
            .from(table(tables.inDoubtName()).as("m")).where(batchIs("m", jobId, runId, batch)).asTable("e", "v");
        return fold(DSL.select(typedKey().as(KEY)).from(texts).asTable("r"), null);
    }

    /**
     * Puts rejected keys of a batch in doubt in the snapshot, without a lease, from the plan (a batch written more
     * than once: an earlier attempt, or a part of the batch split off, failed and may have been applied).
     *
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of the batch
     * @param rejected the rejected keys' text forms
     * @return the statement
     */
    public Query foldRejected(@Nullable String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        return fold(DSL.select(col("pl", KEY).as(KEY)).from(pl).where(PlanTable.range(from, to))
            .and(Sql.inTexts(col("pl", KEY_TEXT), rejected)).asTable("r"), null);
    }

    /**
     * Puts every key a job's earlier runs left marked in doubt (in the marks table, or in the job record's column of
     * an earlier version) into the snapshot in doubt, with a lease: their runs may still be writing.
     *
     * @param jobId the job
     * @param lease how long a write of a run that marked the keys may still land
     * @return the statement
     */
    public Query foldLeftInDoubt(String jobId, Duration lease) {
        Field<String> unnest = DSL.function(name("pg_catalog", "unnest"), SQLDataType.CLOB, keyTexts("m"));
        Field<String> unnestLegacy = DSL.function(name("pg_catalog", "unnest"), SQLDataType.CLOB,
            legacyInDoubt("j"));
        Table<?> texts = DSL.select(unnest).from(table(tables.inDoubtName()).as("m")).where(markOfJob("m", jobId))
            .unionAll(DSL.select(unnestLegacy).from(table(tables.jobsName()).as("j"))
                .where(field(name("j", JobsTable.JOB_ID)).eq(DSL.val((Object) jobId))))
            .asTable("e", "v");
        // (Distinct: two marks of the same key, if ever, would make the upsert below change a row twice.)
        return fold(DSL.selectDistinct(typedKey().as(KEY)).from(texts).asTable("r"), lease);
    }

    /**
     * Deletes every mark of a job, and clears the job record's column of an earlier version's marks: after
     * {@link #foldLeftInDoubt}, or when the job is reset or dropped.
     *
     * @param jobId the job
     * @return the statements
     */
    public List<Query> clearLeftInDoubt(String jobId) {
        return List.of(DSL.deleteFrom(table(tables.inDoubtName())).where(markOfJob(null, jobId)),
            DSL.update(table(tables.jobsName())).set(legacyInDoubt(null), DSL.castNull(SQLDataType.CLOB.array()))
                .where(JobsTable.jobIs(jobId)).and(legacyInDoubt(null).isNotNull()));
    }

    /** A key text of {@code e.v} as the key's type, parsed through the snapshot's row type. */
    private Field<Object> typedKey() {
        return PgTemplates.keyFromText(JobTables.text("e", "v"), tables.snapshotName(), name(KEY));
    }

    /**
     * Puts keys into the snapshot in doubt: a new key with a NULL hash, a known key flagged; with a lease when their
     * run may still be writing. The key texts are parsed through the snapshot's row type, whose columns the
     * {@code ROW(...)} of {@link PgTemplates#keyFromText} must follow. See {@code docs/internals.md#the-mark}.
     *
     * @param rows the keys, as column {@code k} of a table aliased {@code r}
     * @param lease how long a write of the run that marked the keys may still land, or {@code null} when none can
     * @return the statement
     */
    private Query fold(Table<?> rows, @Nullable Duration lease) {
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
