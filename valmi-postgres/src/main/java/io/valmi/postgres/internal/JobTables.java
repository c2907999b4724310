package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The names of one job's bookkeeping tables ({@code snap_<id>}, {@code plan_<id>}, {@code issues_<id>}; {@code <id>}
 * from {@code suffix(jobId)}), of the schema-wide job, run and sync log tables, and of the snapshot's and plan's
 * columns. See
 * {@code docs/internals.md#the-bookkeeping-schema}.
 */
public final class JobTables {
    /** Plan kinds as stored in the plan table. */
    public static final String ADDED = "A";
    /** Changed. */
    public static final String CHANGED = "C";
    /** Unchanged (full-table mode only). */
    public static final String UNCHANGED = "U";
    /** Removed. */
    public static final String REMOVED = "R";
    /** Invalid: NULL key. */
    public static final String NULL_KEY = "N";
    /** Invalid: duplicated key. */
    public static final String DUPLICATE_KEY = "D";

    /** Key column of snapshot and plan. */
    public static final String KEY = "k";
    /** Hash column. */
    public static final String HASH = "h";
    /** In-doubt column of the snapshot. */
    public static final String IN_DOUBT_FLAG = "d";
    /** Kind column of the plan. */
    public static final String PLAN_KIND = "kind";
    /** Key text column of the plan. */
    public static final String KEY_TEXT = "kt";
    /** Plan: whether the key had a snapshot row when the run was planned. */
    public static final String HAD_SNAPSHOT_ROW = "ps";
    /** Row version of snapshot and plan: the source row's {@code xmin} when its hash was taken, or {@code NULL}. */
    public static final String ROW_VERSION = "xr";
    /** The 64-bit transaction id that {@link #ROW_VERSION} stands for (with its epoch), or {@code NULL}. */
    public static final String ROW_VERSION_64 = "xe";
    /** Snapshot: until when the key stays in doubt whatever is acknowledged, or {@code NULL} (no lease). */
    public static final String IN_DOUBT_UNTIL = "du";
    /**
     * Snapshot: {@code true} when the key's source row is gone and the job's destination mode does not send removals
     * (the destination still holds it): later plans of such a mode leave the key out instead of planning and skipping
     * its removal on every run; a MIRROR plan sends it. {@code NULL} otherwise.
     */
    public static final String GONE = "g";
    /**
     * The snapshot's columns, in their order: what {@code SnapshotTable} creates and adds, and the width of the row
     * {@link PgTemplates#keyFromText} reads a key through. A new snapshot column goes here, last
     * ({@code SnapshotColumnsTest} compares this list with the table a job gets).
     */
    public static final List<String> SNAPSHOT_COLUMNS = List.of(KEY, HASH, IN_DOUBT_FLAG, ROW_VERSION, ROW_VERSION_64,
        IN_DOUBT_UNTIL, GONE);
    /** Plan kind: unchanged, but the row's version moved (an unmapped column changed): the snapshot learns it. */
    public static final String TOUCHED = "T";
    /**
     * Plan kind: a valid row left out because the destination rejected its values on enough consecutive runs
     * ({@link Quarantine}); never handed out.
     */
    public static final String QUARANTINED = "Q";

    private final String schema;
    private final String suffix;

    /**
     * The tables of a job.
     *
     * @param schema the bookkeeping schema
     * @param jobId the exact job id
     */
    public JobTables(String schema, String jobId) {
        this(schema, jobId, false);
    }

    private JobTables(String schema, String jobId, boolean legacy) {
        this.schema = schema;
        this.suffix = legacy ? legacySuffix(jobId) : suffix(jobId);
    }

    /**
     * The tables of a job as versions before job tables version 3 named them (a slug of 30 characters and 32 bits of
     * a hash: two job ids with the same first 30 characters shared their tables with a chance of 1 in 2^32 per pair),
     * for moving them to today's names.
     *
     * @param schema the bookkeeping schema
     * @param jobId the exact job id
     * @return the tables under their old names
     */
    static JobTables legacy(String schema, String jobId) {
        return new JobTables(schema, jobId, true);
    }

    /**
     * What names a job's tables: the job id made an identifier (at most 24 characters) and 64 bits of its SHA-256, so
     * that two ids never share tables in practice, however alike they are.
     */
    static String suffix(String jobId) {
        return slug(jobId, 24) + "_" + HexFormat.of().formatHex(sha256(jobId), 0, 8);
    }

    private static String legacySuffix(String jobId) {
        return slug(jobId, 30) + "_" + HexFormat.of().formatHex(sha256(jobId), 0, 4);
    }

    private static String slug(String jobId, int length) {
        String slug = jobId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        if (slug.length() > length) {
            slug = slug.substring(0, length);
        }
        return slug.isEmpty() ? "job" : slug;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The bookkeeping schema.
     *
     * @return its name
     */
    public String schema() {
        return schema;
    }

    /**
     * The snapshot table's name.
     *
     * @return the qualified name
     */
    public Name snapshotName() {
        return name(schema, "snap_" + suffix);
    }

    /**
     * The plan table's name.
     *
     * @return the qualified name
     */
    public Name planName() {
        return name(schema, "plan_" + suffix);
    }

    /**
     * The issues table's name.
     *
     * @return the qualified name
     */
    public Name issuesName() {
        return name(schema, "issues_" + suffix);
    }

    /**
     * The jobs table's name.
     *
     * @return the qualified name
     */
    public Name jobsName() {
        return name(schema, "valmi_jobs");
    }

    /**
     * The in-doubt marks table's name: one row per batch handed out and not yet answered
     * ({@code docs/internals.md#the-mark}).
     *
     * @return the qualified name
     */
    public Name inDoubtName() {
        return name(schema, "valmi_in_doubt");
    }

    /**
     * The runs table's name.
     *
     * @return the qualified name
     */
    public Name runsName() {
        return name(schema, "valmi_runs");
    }

    /**
     * The sync log's name: the keys each run of a job that keeps a log sent, and what became of them
     * ({@code docs/internals.md#valmi_sync_log}).
     *
     * @return the qualified name
     */
    public Name syncLogName() {
        return name(schema, "valmi_sync_log");
    }

    /**
     * The snapshot table, aliased.
     *
     * @param alias the alias
     * @return the table
     */
    public Table<?> snapshot(String alias) {
        return table(snapshotName()).as(alias);
    }

    /**
     * The plan table, aliased.
     *
     * @param alias the alias
     * @return the table
     */
    public Table<?> plan(String alias) {
        return table(planName()).as(alias);
    }

    /**
     * A NULL of type {@code xid} (a version not recorded).
     *
     * @return the field
     */
    public static Field<Long> nullXid() {
        return DSL.castNull(PgTemplates.XID);
    }

    /**
     * The plan column of the i-th mapped value.
     *
     * @param i from 1
     * @return the column name
     */
    public static String valueColumn(int i) {
        return "v" + i;
    }

    /**
     * A column of an aliased table.
     *
     * @param alias the alias, or {@code null} for an unqualified column
     * @param column the column
     * @return the field
     */
    static Field<Object> col(@Nullable String alias, String column) {
        return field(alias == null ? name(column) : name(alias, column));
    }

    /**
     * A string column of an aliased table.
     *
     * @param alias the alias, or {@code null} for an unqualified column
     * @param column the column
     * @return the field
     */
    public static Field<String> text(@Nullable String alias, String column) {
        return field(alias == null ? name(column) : name(alias, column), SQLDataType.CLOB);
    }

    /**
     * A {@code bigint} column of an aliased table (e.g. {@link #HASH}, {@link #ROW_VERSION_64}).
     *
     * @param alias the alias, or {@code null} for an unqualified column
     * @param column the column
     * @return the field
     */
    static Field<Long> bigint(@Nullable String alias, String column) {
        return field(alias == null ? name(column) : name(alias, column), SQLDataType.BIGINT);
    }

    /**
     * A {@code boolean} column of an aliased table (e.g. {@link #IN_DOUBT_FLAG}, {@link #HAD_SNAPSHOT_ROW}).
     *
     * @param alias the alias, or {@code null} for an unqualified column
     * @param column the column
     * @return the field
     */
    static Field<Boolean> bool(@Nullable String alias, String column) {
        return field(alias == null ? name(column) : name(alias, column), SQLDataType.BOOLEAN);
    }
}
