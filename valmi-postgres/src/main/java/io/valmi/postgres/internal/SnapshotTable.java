package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.JobTables.GONE;
import static io.valmi.postgres.internal.JobTables.HAD_SNAPSHOT_ROW;
import static io.valmi.postgres.internal.JobTables.HASH;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_FLAG;
import static io.valmi.postgres.internal.JobTables.IN_DOUBT_UNTIL;
import static io.valmi.postgres.internal.JobTables.KEY;
import static io.valmi.postgres.internal.JobTables.KEY_TEXT;
import static io.valmi.postgres.internal.JobTables.ROW_VERSION;
import static io.valmi.postgres.internal.JobTables.ROW_VERSION_64;
import static io.valmi.postgres.internal.JobTables.bigint;
import static io.valmi.postgres.internal.JobTables.bool;
import static io.valmi.postgres.internal.JobTables.col;
import static org.jooq.impl.DSL.constraint;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.valmi.ConfigurationException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Record1;
import org.jooq.Record2;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The snapshot of a job ({@code snap_<job>}, LOGGED): what the destination holds, key by key (hash, in-doubt flag,
 * lease, row version); advanced only by acknowledged changes. See {@code docs/internals.md#the-bookkeeping-schema}.
 */
final class SnapshotTable {
    private final JobTables tables;
    private final SourceRef source;
    private final String keyColumn;

    SnapshotTable(RunShape shape) {
        this.tables = shape.tables();
        this.source = shape.source();
        this.keyColumn = shape.keyColumn();
    }


    /**
     * A select of the key column, for creating the snapshot with the key's type.
     *
     * @return the select
     */
    public Select<?> keyOnly() {
        return DSL.select(col("t", keyColumn).as(KEY)).from(source.table().as("t"));
    }

    /** The assignments that forget a snapshot row's recorded version. */
    static Map<Field<?>, Field<?>> noVersion() {
        return Map.of(field(name(ROW_VERSION)), JobTables.nullXid(), field(name(ROW_VERSION_64)),
            DSL.castNull(SQLDataType.BIGINT));
    }

    /**
     * Forgets every recorded row version (each row is hashed and compared on the next run).
     *
     * @return the statement
     */
    public Query forgetVersions() {
        return DSL.update(table(tables.snapshotName()))
            .set(noVersion())
            .where(field(name(ROW_VERSION_64)).isNotNull());
    }

    /**
     * Settings for the rest of an acknowledgement's transaction: no hash or merge joins, so that each statement joins
     * its batch of plan rows with the snapshot through the key index. See {@code docs/internals.md#acknowledge}.
     *
     * @return the statement
     */
    public Query ackSettings() {
        return DSL.select(Session.setLocal("enable_hashjoin", inline("off")),
            Session.setLocal("enable_mergejoin", inline("off")));
    }

    /**
     * Gathers statistics of the snapshot's key from a small sample, after a run that changed much of it, for the next
     * plan; run it after {@link PlanTable#smallStatisticsTarget()}. See {@code docs/internals.md#finish}.
     *
     * @return the statement
     */
    public Query analyzeSnapshot() {
        return PgTemplates.analyze(tables.snapshotName(), name(KEY));
    }

    /**
     * Counts the snapshot's keys (what the destination holds or may hold).
     *
     * @param withoutGone leave out the keys marked {@link JobTables#GONE} (a mode without removals: they are gone from
     *     the source, and its plans leave them out)
     * @return the query
     */
    public Select<?> countSnapshot(boolean withoutGone) {
        var count = DSL.selectCount().from(table(tables.snapshotName()));
        return withoutGone ? count.where(bool(null, GONE).isDistinctFrom(inline(true))) : count;
    }

    /**
     * Applies the delivered ADDED and CHANGED keys of a batch that had no snapshot row when the run was planned:
     * inserted with their hash and version, not in doubt (they cannot conflict: the job is locked and each key is in one
     * batch). See {@code docs/internals.md#acknowledge}.
     *
     * @param kinds ADDED and/or CHANGED
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statement
     */
    public Query insertNewKeys(List<String> kinds, @Nullable String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        return DSL.insertInto(table(tables.snapshotName()), col(null, KEY), bigint(null, HASH),
                bool(null, IN_DOUBT_FLAG), bigint(null, ROW_VERSION), bigint(null, ROW_VERSION_64))
            .select(DSL.select(col("pl", KEY), bigint("pl", HASH), inline(false), bigint("pl", ROW_VERSION),
                    bigint("pl", ROW_VERSION_64)).from(pl)
                .where(PlanTable.kindIn(kinds)).and(bool("pl", HAD_SNAPSHOT_ROW).isFalse())
                .and(PlanTable.range(from, to)).and(notRejected(rejected)));
    }

    /**
     * Applies the delivered ADDED and CHANGED keys of a batch that had a snapshot row when the run was planned:
     * updated in place with their hash and version, not in doubt unless under a lease. See
     * {@code docs/internals.md#acknowledge}.
     *
     * @param kinds ADDED and/or CHANGED
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statement
     */
    public Query updateKnownKeys(List<String> kinds, @Nullable String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        Field<OffsetDateTime> du = field(name(IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE);
        return DSL.update(tables.snapshot("sn")).set(bigint(null, HASH), bigint("pl", HASH))
            .set(bool(null, IN_DOUBT_FLAG), DSL.field(InDoubtMarks.leased("sn")))
            .set(du, DSL.when(InDoubtMarks.leased("sn"), col("sn", IN_DOUBT_UNTIL).coerce(du)))
            .set(bigint(null, ROW_VERSION), bigint("pl", ROW_VERSION))
            .set(bigint(null, ROW_VERSION_64), bigint("pl", ROW_VERSION_64))
            .set(bool(null, GONE), DSL.castNull(SQLDataType.BOOLEAN))
            .from(pl).where(col("sn", KEY).eq(col("pl", KEY))).and(PlanTable.kindIn(kinds))
            .and(bool("pl", HAD_SNAPSHOT_ROW).isTrue()).and(PlanTable.range(from, to)).and(notRejected(rejected));
    }

    private static Condition notRejected(List<String> rejected) {
        return rejected.isEmpty() ? DSL.noCondition() : Sql.inTexts(col("pl", KEY_TEXT), rejected).not();
    }

    /**
     * Deletes the delivered REMOVED keys of a batch from the snapshot (keys under a lease stay, in doubt).
     *
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @param rejected key texts of rejected changes, left out
     * @return the statements
     */
    public List<Query> applyRemoved(@Nullable String from, String to, List<String> rejected) {
        Table<?> pl = tables.plan("pl");
        Condition removed = col("sn", KEY).in(DSL.select(col("pl", KEY)).from(pl)
            .where(PlanTable.kindIn(List.of(JobTables.REMOVED))).and(PlanTable.range(from, to)).and(notRejected(rejected)));
        // A removal acknowledged while a late write of an earlier run may still land keeps its key, in doubt: the
        // next run after the lease sends the removal again.
        return List.of(
            DSL.deleteFrom(tables.snapshot("sn")).where(removed).and(DSL.not(InDoubtMarks.leased("sn"))),
            DSL.update(tables.snapshot("sn")).set(bigint(null, HASH), DSL.castNull(SQLDataType.BIGINT))
                .set(bool(null, IN_DOUBT_FLAG), inline(true)).where(removed).and(InDoubtMarks.leased("sn")));
    }

    /**
     * The keys of a first sync's batch as its snapshot rows hold them, for the rejection streaks
     * ({@link IssuesTable#recordAnswer}): key text and hash.
     *
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of this batch
     * @return the query of ({@code kt}, {@code h})
     */
    public Select<Record2<String, Long>> batchHashes(@Nullable String from, String to) {
        Field<Object> k = col("sn", KEY);
        return DSL.select(k.cast(SQLDataType.CLOB).as(KEY_TEXT), bigint("sn", HASH))
            .from(tables.snapshot("sn"))
            .where(from == null ? DSL.noCondition() : k.gt(Sql.untyped(from))).and(k.le(Sql.untyped(to)));
    }

    /**
     * Whether the snapshot has no row.
     *
     * @return the query of one boolean
     */
    public Select<?> snapshotEmpty() {
        return DSL.select(DSL.field(DSL.notExists(DSL.selectOne().from(table(tables.snapshotName())))));
    }

    /**
     * An index on the snapshot's keys, not unique, for a first sync in physical order that must find rows by key before
     * its end (a failed batch, the rejections of a batch written again): until its end, a row that moved while the
     * table was read may have two snapshot rows, which a primary key would refuse. Dropped when the first sync ends
     * ({@link #dropLookupIndex()}).
     *
     * @return the statement
     */
    public Query addLookupIndex() {
        return DSL.createIndexIfNotExists(lookupIndexName()).on(table(tables.snapshotName()), field(name(KEY)));
    }

    /**
     * Drops the index of {@link #addLookupIndex()}, if there is one.
     *
     * @return the statement
     */
    public Query dropLookupIndex() {
        return PgTemplates.dropIndexIfExists(name(tables.schema(), lookupIndexName().last()));
    }

    private Name lookupIndexName() {
        return name(tables.snapshotName().last() + "_k");
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
     * Adds the snapshot's primary key: at the end of a first sync (which drops it, {@link #dropSnapshotKey}), or to a
     * snapshot a first sync left without one when its process died.
     *
     * @return the statement
     */
    public Query addSnapshotKey() {
        return DSL.alterTable(tables.snapshotName()).add(DSL.constraint(snapshotKeyName()).primaryKey(KEY));
    }

    /**
     * The name of the snapshot's primary key constraint, whatever an earlier version or a key conversion called it.
     *
     * @return the query of the constraint's name, or of no row
     */
    public Select<Record1<String>> snapshotKeyConstraint() {
        return DSL.select(field(name("conname"), SQLDataType.CLOB).cast(SQLDataType.CLOB))
            .from(table(name("pg_catalog", "pg_constraint")))
            .where(field(name("conrelid")).eq(DSL.function(name("pg_catalog", "to_regclass"), SQLDataType.OTHER,
                DSL.val(tables.snapshotName().toString()))))
            .and(field(name("contype"), SQLDataType.CHAR).eq(inline("p")));
    }

    /**
     * Drops the snapshot's primary key (an empty snapshot, at the start of a first sync: the key is built once at its
     * end, which writes a fraction of the WAL that maintaining it row by row does;
     * {@code docs/internals.md#a-batch}).
     *
     * @param c the connection, in a transaction
     * @throws SQLException on failure
     */
    void dropSnapshotKey(Connection c) throws SQLException {
        for (String constraint : Sql.fetch(c, snapshotKeyConstraint(), rs -> rs.getString(1))) {
            Sql.execute(c, DSL.alterTable(tables.snapshotName()).dropConstraint(name(constraint)));
        }
    }

    /**
     * Puts every key the snapshot holds more than once in doubt with a NULL hash (which row's hash the destination
     * holds is unknown), before {@link #dropDuplicateSnapshotKeys()}; under a lease when one of the rows may belong to a
     * batch whose write may still land (a first sync that died), keeping a later lease a row has.
     *
     * @param lease the lease, or {@code null} for none (a lease a row has stays)
     * @return the statement
     */
    public Query duplicatedKeysInDoubt(@Nullable Duration lease) {
        Field<OffsetDateTime> du = field(name(IN_DOUBT_UNTIL), SQLDataType.TIMESTAMPWITHTIMEZONE);
        Field<OffsetDateTime> until = InDoubtMarks.leaseEnd(lease);
        return DSL.update(table(tables.snapshotName()))
            .set(bigint(null, HASH), DSL.castNull(SQLDataType.BIGINT))
            .set(bool(null, IN_DOUBT_FLAG), inline(true))
            .set(du, lease == null ? du : DSL.greatest(DSL.coalesce(du, until), until))
            .set(noVersion())
            .where(field(name(KEY)).in(DSL.select(col("x", KEY)).from(tables.snapshot("x")).groupBy(col("x", KEY))
                .having(DSL.count().gt(inline(1)))));
    }

    /**
     * Deletes all but one snapshot row of any key (never expected: only as a guard before the key is rebuilt after a
     * first sync that was interrupted).
     *
     * @return the statement
     */
    public Query dropDuplicateSnapshotKeys() {
        return DSL.deleteFrom(tables.snapshot("a")).using(tables.snapshot("b"))
            .where(col("a", KEY).eq(col("b", KEY))).and(DSL.field(name("a", "ctid"), SQLDataType.OTHER)
                .lt(DSL.field(name("b", "ctid"), SQLDataType.OTHER)));
    }

    /**
     * {@code COPY} of snapshot rows (key, hash, in doubt, version, version id) from the client, in text format:
     * how a first sync writes the snapshot rows of a batch ({@link FirstSyncSql#firstBatchHashedByClient}).
     *
     * @return the statement
     */
    public Query snapshotCopy() {
        return PgTemplates.copyFromStdin(tables.snapshotName(), name(KEY), name(HASH), name(IN_DOUBT_FLAG),
            name(ROW_VERSION), name(ROW_VERSION_64));
    }

    /**
     * {@code COPY} of snapshot rows as {@link #snapshotCopy()}, in binary format: for keys whose binary form the
     * client writes ({@link FirstSyncRun}) and hashes the client computed.
     *
     * @return the statement
     */
    public Query snapshotCopyBinary() {
        return PgTemplates.copyFromStdinBinary(tables.snapshotName(), name(KEY), name(HASH), name(IN_DOUBT_FLAG),
            name(ROW_VERSION), name(ROW_VERSION_64));
    }

    /**
     * Marks every snapshot key in doubt (after a change of hash algorithm or server version: everything is sent
     * again, and removals are still found).
     *
     * @return the statement
     */
    public Query markAllInDoubt() {
        return DSL.update(table(tables.snapshotName())).set(bool(null, IN_DOUBT_FLAG), inline(true))
            .set(noVersion());
    }

    /** How full a snapshot's pages are written (percent). */
    static final int SNAPSHOT_FILLFACTOR = 90;

    /**
     * Creates the job's snapshot (LOGGED, keyed) if missing, and brings one an earlier version made to the columns
     * this one needs ({@code docs/internals.md#job-tables-and-their-version}).
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param keySource a select of one column named {@code k} with the source key's type (no rows are read)
     * @param schema the bookkeeping schema, to hand a new table to its owner
     * @return whether the snapshot was created now
     * @throws SQLException on failure
     */
    static boolean ensure(Connection c, JobTables t, Select<?> keySource, BookkeepingSchema.State schema)
        throws SQLException {
        boolean created = false;
        BookkeepingSchema.lockDdl(c, t.schema());
        if (!BookkeepingSchema.tableExists(c, t.schema(), t.snapshotName().last())) {
            Sql.execute(c, createEmpty(t.snapshotName(), keySource));
            Sql.execute(c, DSL.alterTable(t.snapshotName()).add(
                constraint(t.snapshotName().last() + "_pk").primaryKey(KEY)));
            Sql.execute(c, DSL.alterTable(t.snapshotName()).alter(IN_DOUBT_FLAG).setNotNull());
            // Room on each page for HOT updates by acknowledgements (docs/internals.md#acknowledge).
            Sql.execute(c, PgTemplates.setFillfactor(t.snapshotName(), SNAPSHOT_FILLFACTOR));
            schema.share(c, t.snapshotName());
            created = true;
        } else {
            long oid = CatalogQueries.relation(c, t.schema(), t.snapshotName().last()).orElseThrow().oid();
            if (!BookkeepingSchema.hasColumn(c, oid, ROW_VERSION)) {
                // A snapshot made by an earlier version: no row versions yet (every row is hashed on the next run).
                Sql.execute(c, DSL.alterTable(t.snapshotName()).add(field(name(ROW_VERSION), PgTemplates.XID),
                    field(name(ROW_VERSION_64), SQLDataType.BIGINT)));
            }
            Sql.execute(c, DSL.alterTable(t.snapshotName()).addColumnIfNotExists(IN_DOUBT_UNTIL,
                SQLDataType.TIMESTAMPWITHTIMEZONE));
            Sql.execute(c, DSL.alterTable(t.snapshotName()).addColumnIfNotExists(GONE, SQLDataType.BOOLEAN));
        }
        return created;
    }

    /** {@code CREATE TABLE ... AS SELECT} of a snapshot without rows, its key column of the source key's type. */
    private static Query createEmpty(Name table, Select<?> keySource) {
        return DSL.createTable(table).as(DSL.select(
                col("x", KEY).as(KEY),
                DSL.castNull(SQLDataType.BIGINT).as(HASH),
                inline(false).as(IN_DOUBT_FLAG),
                JobTables.nullXid().as(ROW_VERSION),
                DSL.castNull(SQLDataType.BIGINT).as(ROW_VERSION_64),
                DSL.castNull(SQLDataType.TIMESTAMPWITHTIMEZONE).as(IN_DOUBT_UNTIL),
                DSL.castNull(SQLDataType.BOOLEAN).as(GONE))
            .from(keySource.asTable("x"))).withNoData();
    }


    /**
     * Reads the snapshot's keys again as the source key column's new type and collation, through a new table; a key
     * the new type cannot read, or two that become one, fail the run with what to do. See
     * {@code docs/internals.md#recover}.
     *
     * @param c the connection, in a transaction
     * @param t the job's tables
     * @param keySource a select of one column named {@code k} with the source key's type (no rows are read)
     * @param schema the bookkeeping schema, to hand the new table to its owner
     * @param jobId the job, for messages
     * @param before the key's recorded type
     * @param after the key's type now
     * @return how many keys were converted
     * @throws SQLException on failure
     */
    static long convertKeys(Connection c, JobTables t, Select<?> keySource,
                                    BookkeepingSchema.State schema, String jobId, String before, String after)
        throws SQLException {
        BookkeepingSchema.lockDdl(c, t.schema());
        Name converted = name(t.schema(), t.snapshotName().last() + "_conv");
        Sql.execute(c, DSL.dropTableIfExists(converted));
        Sql.execute(c, createEmpty(converted, keySource));
        Field<Object> newKey = PgTemplates.keyFromText(col("o", KEY).cast(SQLDataType.CLOB), converted, name(KEY));
        long keys;
        try {
            keys = Sql.execute(c, DSL.insertInto(table(converted), col(null, KEY), col(null, HASH),
                    col(null, IN_DOUBT_FLAG), col(null, ROW_VERSION), col(null, ROW_VERSION_64), col(null, IN_DOUBT_UNTIL),
                    col(null, GONE))
                .select(DSL.select(newKey, col("o", HASH), col("o", IN_DOUBT_FLAG), col("o", ROW_VERSION),
                        col("o", ROW_VERSION_64), col("o", IN_DOUBT_UNTIL), col("o", GONE))
                    .from(table(t.snapshotName()).as("o"))));
            // (The key is built before the old snapshot goes: two keys that the new type or collation reads as one
            // fail here, as a key the new type cannot read fails above.)
            Sql.execute(c, DSL.alterTable(converted).add(
                constraint(t.snapshotName().last() + "_conv_pk").primaryKey(KEY)));
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("22") || state.equals("23505")) {
                throw new ConfigurationException("Sync job '" + jobId + "': its key column changed from "
                    + before + " to " + after + ", and the keys the destination holds cannot all be read as "
                    + after + (state.equals("23505") ? " without two of them becoming one" : "") + " ("
                    + e.getMessage() + "). Keys the source can no longer have are still at the destination: remove"
                    + " them there, then call PostgresSource.resetJob(\"" + jobId + "\") (the next run sends every row"
                    + " as ADDED), or change the column back");
            }
            throw e;
        }
        Sql.execute(c, DSL.dropTable(t.snapshotName()));
        Sql.execute(c, DSL.alterTable(converted).renameTo(name(t.snapshotName().last())));
        Sql.execute(c, DSL.alterTable(t.snapshotName()).renameConstraint(name(t.snapshotName().last() + "_conv_pk"))
            .to(name(t.snapshotName().last() + "_pk")));
        Sql.execute(c, DSL.alterTable(t.snapshotName()).alter(IN_DOUBT_FLAG).setNotNull());
        Sql.execute(c, PgTemplates.setFillfactor(t.snapshotName(), SNAPSHOT_FILLFACTOR));
        schema.share(c, t.snapshotName());
        return keys;
    }
}
