package io.valmi.postgres.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Plan;
import io.valmi.RunPath;
import io.valmi.RunRequest;
import io.valmi.SourceException;
import io.valmi.postgres.internal.FirstSyncReader.Fetched;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jooq.Query;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * A first sync (empty snapshot, key declared unique): no plan table; each batch is read straight from the source
 * ({@link FirstSyncReader}) and writes its snapshot rows before it is handed out, and the job record keeps the last
 * acknowledged key. See {@code docs/internals.md#the-first-sync-relay}.
 *
 * <p>A plain table on PostgreSQL 14 or later is read in physical order instead: each batch is the next rows of a TID
 * range scan, from the row address where the batch before ended up to the table's size when the run was planned, and
 * the job record keeps the settled ranges of row addresses ({@link JobsTable#FIRST_SYNC_TIDS}). A table whose rows do
 * not lie in key order is read page by page instead of row by row. See
 * {@code docs/internals.md#a-first-sync-in-physical-order}.
 */
final class FirstSyncRun extends PgRun {
    private static final byte[] FALSE = {'f'};

    /** Whether the job record says this first sync started (before any snapshot row of a batch is written). */
    private boolean started;
    /** Whether the snapshot has its key again before the end ({@link #keySnapshot}); under the runner's source lock. */
    private volatile boolean keyed;
    /** The highest key when the run was planned ({@code null}: the source had no key). */
    private @Nullable String upTo;
    /** Opens the read-ahead connections ({@code null}: no reading ahead). */
    private final @Nullable Supplier<Session> readAheadOpener;
    /** The batches, read ahead. */
    private @Nullable FirstSyncReader reader;
    private int readerBatchSize;
    /** The key's text form is its Java value's ({@link ColumnType#keyTextOnClient()}): the server need not print it. */
    private final boolean keyTextOnClient;
    /**
     * The columns' kinds when the client hashes the rows ({@link RowHash.Client}), or {@code null} when the server does
     * (a mapped type the client cannot hash, or a server that hashes otherwise).
     */
    private final @Nullable List<RowHash.Kind> clientHashKinds;
    /**
     * How the client writes the key in a binary {@code COPY} of the snapshot rows, or {@code null} when they go as text
     * (the server hashes, or a key type without a binary form here).
     */
    private final @Nullable BinaryKey binaryKey;
    /** How long the run waited for batches (reading ahead, {@link #readNanos} sums all readers). */
    private long waitNanos;
    /** Whether the run may read the table in physical order ({@link RunStarter}: a plain table, no sync log). */
    private final boolean physicalAllowed;
    /** When the table is read in physical order: its identity and size when planned; {@code null} in key order. */
    private @Nullable TableFacts physical;

    /**
     * A table read in physical order.
     *
     * @param fileNode its oid and file node ({@link FirstSyncSql#tableFacts()}): a rewrite changes the second
     * @param pages its size in pages when the run was planned: rows beyond wait for the next run
     */
    record TableFacts(String fileNode, long pages) {
    }

    /**
     * Rows per page as the last batches in physical order found them (0: not known yet), to size the next batch's
     * range of pages; a race between readers only makes a range less well sized.
     */
    private volatile double rowsPerPage;

    /** How full of rows a batch read as a whole range of pages should be, at the density seen: room for variance. */
    static final double RANGE_FILL = 0.97;

    private FirstSyncRun(Session session, JobLock lock, RunStatements sql, RunRequest request,
                         @Nullable Supplier<Session> readAheadOpener, boolean clientHash, boolean physicalAllowed) {
        super(session, lock, sql, request, new Plan(new EnumMap<>(ChangeKind.class),
            new EnumMap<>(InvalidReason.class), List.of(), 0L));
        this.readAheadOpener = readAheadOpener;
        this.physicalAllowed = physicalAllowed && !request.syncLog();
        this.keyTextOnClient = sql.shape().keyType().keyTextOnClient();
        this.clientHashKinds = clientHash ? sql.shape().firstSyncKinds() : null;
        this.binaryKey = clientHash ? BinaryKey.of(sql.shape().keyType()) : null;
    }

    /**
     * The key types whose binary form a first sync writes in its snapshot rows' {@code COPY}: those whose text the
     * client prints ({@link ColumnType#keyTextOnClient()}), from their Java values. The snapshot's key column has the
     * source key's type ({@link SnapshotTable}), so the forms agree.
     */
    enum BinaryKey {
        INT2, INT4, INT8, UUID, TEXT;

        static @Nullable BinaryKey of(ColumnType type) {
            if (!type.keyTextOnClient()) {
                return null;
            }
            switch (type.declared()) {
                case "smallint":
                    return INT2;
                case "integer":
                    return INT4;
                case "bigint":
                    return INT8;
                case "uuid":
                    return UUID;
                default:
                    // text, character varying (n)
                    return TEXT;
            }
        }

        void add(Sql.CopyBinary rows, Object key) {
            switch (this) {
                case INT2 -> rows.addInt2(((Number) key).shortValue());
                case INT4 -> rows.addInt4(((Number) key).intValue());
                case INT8 -> rows.addInt8(((Number) key).longValue());
                case UUID -> rows.addUuid((java.util.UUID) key);
                default -> rows.addText(key.toString());
            }
        }
    }

    /**
     * Plans a first sync: counts the source's rows and records its rows with a NULL key; no plan table. When the
     * run's batch size is known and batches are read ahead, the first batches are read while the rows are counted.
     *
     * @param session the run's session
     * @param lock the job's lock
     * @param sql the job's statements
     * @param request the request
     * @param readAhead opens the connections that read batches ahead while the destination writes one, or
     *     {@code null} for no reading ahead
     * @param physicalAllowed whether the source may be read in physical order: a plain table whose rows' versions are
     *     trusted ({@code xmin}), unless the application asked for key order; the run also needs PostgreSQL 14 or later
     *     and no sync log (whose rows are read back by key range)
     * @return the planned run
     */
    static FirstSyncRun plan(Session session, JobLock lock, RunStatements sql, RunRequest request,
                             @Nullable Supplier<Session> readAhead, boolean physicalAllowed) {
        long startedAt = System.nanoTime();
        FirstSyncRun run = new FirstSyncRun(session, lock, sql, request, readAhead,
            clientHashes(session, sql, request.jobId()), physicalAllowed);
        // When the batch size is known and batches will be read ahead, the first ones are read while the rows are
        // counted (the count reads the whole key index). The first sync is recorded as started first: any snapshot
        // row a batch writes belongs to it.
        boolean early = request.batchSize() > 0 && readAhead != null && request.deliver().contains(ChangeKind.ADDED);
        if (early) {
            run.upTo = session.transaction("start the first sync of job '" + request.jobId() + "'", c -> {
                Optional<String> top = Optional.ofNullable(highestKey(c, sql));
                if (top.isPresent()) {
                    run.physical = run.physicalFacts(c);
                    Sql.execute(c, sql.firstSync().firstSyncStarted(request.jobId(), request.runId(),
                        run.physical == null ? null : run.physical.fileNode()));
                    sql.snapshot().dropSnapshotKey(c);
                }
                return top;
            }).orElse(null);
            if (run.upTo != null) {
                run.started = true;
                run.startReader(request.batchSize());
            }
        }
        try {
            run.plan = session.transaction("plan the first sync of job '" + request.jobId() + "'", c -> {
                if (!early) {
                    run.upTo = highestKey(c, sql);
                    run.physical = run.upTo == null ? null : run.physicalFacts(c);
                }
                // (The count reads the whole table too: on one process, as the plan does.)
                Sql.select(c, sql.plan().planSettings());
                SourceCount count = Sql.fetch(c, sql.firstSync().countSource(),
                    rs -> new SourceCount(rs.getLong(1), rs.getLong(2))).get(0);
                if (count.nullKeys() > 0) {
                    for (Query q : sql.issues().replaceByNullKeyRows(request.runId())) {
                        Sql.execute(c, q);
                    }
                } else {
                    Sql.execute(c, sql.issues().clear());
                }
                EnumMap<ChangeKind, Long> byKind = new EnumMap<>(ChangeKind.class);
                byKind.put(ChangeKind.ADDED, count.rows() - count.nullKeys());
                EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
                if (count.nullKeys() > 0) {
                    invalid.put(InvalidReason.NULL_KEY, count.nullKeys());
                }
                List<InvalidRow> samples = count.nullKeys() == 0 ? List.of()
                    : IssuesTable.samples(c, sql.issues(), request);
                return new Plan(byKind, invalid, samples, 0L);
            });
        } catch (RuntimeException | Error e) {
            // (Nothing reads on: the next run completes the first sync that was recorded as started.)
            run.stopReading();
            throw e;
        }
        log.debug("Planned the first sync of job '{}' in {} ms: {}", request.jobId(),
            (System.nanoTime() - startedAt) / 1_000_000, run.plan.counts());
        return run;
    }

    /** The source's rows and how many of them have a NULL key. */
    private record SourceCount(long rows, long nullKeys) {
    }

    /**
     * The table's facts when it is read in physical order: allowed, a plain table, PostgreSQL 14 or later (TID range
     * scans), and not empty; else {@code null} (key order).
     */
    private @Nullable TableFacts physicalFacts(Connection c) throws SQLException {
        if (!physicalAllowed) {
            return null;
        }
        List<Facts> facts = Sql.fetch(c, sql.firstSync().tableFacts(), rs -> new Facts(rs.getString(1),
            rs.getLong(2), rs.getInt(3), rs.getString(4), rs.getDouble(5)));
        if (facts.isEmpty()) {
            return null;
        }
        Facts f = facts.get(0);
        String fileNode = f.fileNode();
        if (f.serverVersion() < 140_000 || !"r".equals(f.kind()) || fileNode == null || f.pages() <= 0) {
            return null;
        }
        rowsPerPage = f.rows() > 0 ? f.rows() / f.pages() : 0;
        return new TableFacts(fileNode, f.pages());
    }

    /** A row of {@link FirstSyncSql#tableFacts()}. */
    private record Facts(@Nullable String fileNode, long pages, int serverVersion, @Nullable String kind,
                         double rows) {
    }

    private static @Nullable String highestKey(Connection c, RunStatements sql) throws SQLException {
        return Sql.fetch(c, sql.firstSync().highestKey(), rs -> rs.getString(1)).stream().findFirst().orElse(null);
    }

    /**
     * Whether a first sync hashes its rows on the client: when every mapped column is of a kind the client hashes,
     * the database's encoding is the client's (UTF8; or SQL_ASCII, which passes bytes through) and the server
     * computes the same hashes for probes of those kinds ({@link RowHash#probes}). Asked in a transaction of its own:
     * a probe the server refuses (a text it cannot represent in its encoding, say) only means the server hashes.
     */
    private static boolean clientHashes(Session session, RunStatements sql, String jobId) {
        List<RowHash.Kind> kinds = sql.shape().firstSyncKinds();
        if (!RowHash.clientHashable(kinds)) {
            return false;
        }
        boolean agree;
        try {
            agree = session.transaction("compare the row hash of sync job '" + jobId + "' with the server's", c -> {
                String encoding = Sql.fetch(c, DSL.select(DSL.function(DSL.name("pg_catalog", "current_setting"),
                    SQLDataType.CLOB, DSL.inline("server_encoding"))), rs -> rs.getString(1)).get(0);
                if (!encoding.equals("UTF8") && !encoding.equals("SQL_ASCII")) {
                    return false;
                }
                List<RowHash.Probe> probes = RowHash.probes(kinds);
                if (probes.isEmpty()) {
                    return true;
                }
                try (PreparedStatement ps = Sql.prepare(c, RowHash.probeQuery(probes));
                     ResultSet rs = ps.executeQuery()) {
                    return rs.next() && RowHash.agrees(rs, probes);
                }
            });
        } catch (RuntimeException e) {
            // (A value the server refuses or the driver cannot read: the server hashes.)
            log.debug("Sync job '{}': probing the row hash failed: {}", jobId, e.toString());
            agree = false;
        }
        if (!agree) {
            log.info("Sync job '{}': this server's encoding or hashes differ from what valmi computes on the client;"
                + " the first sync hashes its rows on the server (slower, same result)", jobId);
        }
        return agree;
    }

    /**
     * {@code first-sync/client-hash} or {@code first-sync/server-hash}
     * ({@code docs/internals.md#client-side-hashing-in-a-first-sync}), with {@code /physical} when the table is read
     * in physical order.
     */
    @Override
    public RunPath path() {
        String order = physical != null ? "in physical order" : "by key";
        String suffix = physical != null ? "/physical" : "";
        if (clientHashKinds != null) {
            return new RunPath("first-sync/client-hash" + suffix, "a first sync: rows read " + order
                + " straight from the source and hashed on the client");
        }
        return new RunPath("first-sync/server-hash" + suffix, "a first sync: rows read " + order
            + " straight from the source and"
            + " hashed by the server, because " + (RowHash.clientHashable(sql.shape().firstSyncKinds())
            ? "the server's encoding or its hashes of the probe values differ from the client's"
            : "a mapped column's type is hashed by its text form, which only the server prints"));
    }

    /** Creates the reader and starts reading ahead. */
    private void startReader(int maxSize) {
        readerBatchSize = maxSize;
        String top = Objects.requireNonNull(upTo);
        reader = new FirstSyncReader(session, readAheadOpener, (c, lo, relay) -> read(c, lo, top, maxSize, relay),
            jobId());
        reader.start();
    }

    @Override
    public List<Change> nextBatch(int maxSize) {
        if (exhausted || upTo == null || request.deliver().isEmpty()) {
            return List.of();
        }
        if (!started) {
            // (The snapshot's primary key is built at the end: docs/internals.md#a-batch.)
            TableFacts table = physical;
            session.run("start the first sync of job '" + jobId() + "'", c -> {
                Sql.execute(c, sql.firstSync().firstSyncStarted(jobId(), request.runId(),
                    table == null ? null : table.fileNode()));
                sql.snapshot().dropSnapshotKey(c);
            });
            started = true;
        }
        // The batch's transaction wrote its snapshot rows and is committed before the batch is handed out.
        FirstSyncReader current = reader;
        if (current == null) {
            startReader(maxSize);
            current = Objects.requireNonNull(reader);
        } else if (maxSize != readerBatchSize) {
            throw new IllegalArgumentException("A first sync's batch size cannot change during the run: "
                + readerBatchSize + ", now " + maxSize);
        }
        long waited = System.nanoTime();
        FirstSyncReader.Batch b = current.next();
        waitNanos += System.nanoTime() - waited;
        if (b == null) {
            exhausted = true;
            return List.of();
        }
        return accept(b.fetched(), b.from());
    }

    /**
     * Reads the batch after {@code from} up to {@code upTo} in the caller's transaction, and writes its snapshot rows
     * (by COPY, before the transaction commits). In physical order, {@code from} is a row address and the batch reads
     * up to the table's size when the run was planned.
     */
    private Fetched read(Connection c, @Nullable String from, String upTo, int maxSize,
                         FirstSyncReader.@Nullable Relay relay) throws SQLException {
        long startedAt = System.nanoTime();
        TableFacts table = physical;
        // (The fence first: a run that lost its lock writes no snapshot row into a job another run has taken over.)
        TransactionIds ids = Sql.fetch(c, sql.firstSync().transactionIdsAndFence(jobId(), request.runId()),
            rs -> new TransactionIds(rs.getLong(1), rs.getLong(2), rs.getBoolean(3))).get(0);
        if (!ids.stillThisFirstSync()) {
            throw new SourceException("The first sync of sync job '" + jobId() + "' (run " + request.runId()
                + ") was taken over by another run (this one lost its lock): it reads no further", null, true);
        }
        BatchRows rows = new BatchRows(ids, Math.min(maxSize, 10_000), table != null);
        long queryTime;
        String after = from == null ? FirstSyncSql.tidText(0, 0) : from;
        long fromPage = table == null ? 0 : parseTid(after.getBytes(StandardCharsets.US_ASCII)) >>> 16;
        // In physical order, a batch is first read as a whole range of pages sized to hold about a batch at the density
        // seen so far, without its rows' addresses (printing them is a fifth of the statement's time): it ends where
        // the range does. A range that holds more rows than a batch is read again as below: the batch is the first
        // rows of the scan from its start, with their addresses, and ends at its last row's.
        long rangeEnd = table == null ? 0 : rangeEnd(fromPage, maxSize, table);
        queryTime = 0;
        boolean readWhole = false;
        @Nullable String last = null;
        for (boolean whole = rangeEnd > 0; ; whole = false) {
            ResultQuery<?> query;
            if (table != null) {
                long end = whole ? rangeEnd : table.pages();
                // (A batch size of Integer.MAX_VALUE is allowed: one more is a long.)
                long limit = whole ? (long) maxSize + 1 : maxSize;
                query = clientHashKinds != null
                    ? sql.firstSync().physicalBatchHashedByClient(after, end, limit, !whole)
                    : sql.firstSync().physicalBatchHashedByServer(after, end, limit, !whole);
            } else {
                query = clientHashKinds != null ? sql.firstSync().firstBatchHashedByClient(from, upTo, maxSize)
                    : sql.firstSync().firstBatchHashedByServer(from, upTo, maxSize);
            }
            try (PreparedStatement ps = Sql.prepare(c, query, relay != null || whole)) {
                ps.setFetchSize(Math.min(maxSize, 10_000));
                long queried = System.nanoTime();
                try (ResultSet rs = ps.executeQuery()) {
                    queryTime += System.nanoTime() - queried;
                    if (whole) {
                        int count = rs.last() ? rs.getRow() : 0;
                        if (count > maxSize) {
                            // (More rows than a batch: the density changed. Read again, by addresses.)
                            rowsPerPage = (double) count / (rangeEnd - fromPage);
                            continue;
                        }
                        rowsPerPage = count > 0 ? (double) count / (rangeEnd - fromPage) : rowsPerPage / 4;
                        rs.beforeFirst();
                    }
                    if (relay != null) {
                        // The next batch can start now: where it starts is the last row's key, or its address, or
                        // the end of the range read whole.
                        String end = null;
                        if (whole) {
                            end = rangeEnd >= Objects.requireNonNull(table).pages() ? null
                                : FirstSyncSql.tidText(rangeEnd, 0);
                        } else if (rs.last()) {
                            int count = rs.getRow();
                            end = table != null ? rs.getString(rows.tidColumn)
                                : keyTextOnClient ? String.valueOf(rows.decoder.key(rs))
                                : rs.getString(BatchDecoder.KEY_TEXT);
                            end = next(count, end, maxSize, upTo);
                        }
                        relay.arrived(end);
                        rs.beforeFirst();
                    }
                    rows.readAll(rs, table != null && !whole);
                }
            }
            int count = rows.batch.size();
            if (rows.lastTidText != null) {
                // (The batch read by addresses ends at its last row's.)
                last = new String(rows.lastTidText, StandardCharsets.US_ASCII);
                rowsPerPage = (double) count / ((rows.lastTid >>> 16) - fromPage + 1);
            } else if (count > 0) {
                last = rows.keyTexts.get(count - 1);
            }
            readWhole = whole;
            break;
        }
        if (!rows.batch.isEmpty()) {
            if (rows.binaryRows != null) {
                Sql.copyIn(c, sql.snapshot().snapshotCopyBinary(), rows.binaryRows);
            } else {
                Sql.copyIn(c, sql.snapshot().snapshotCopy(), Objects.requireNonNull(rows.textRows));
            }
        }
        long took = System.nanoTime() - startedAt;
        int count = rows.batch.size();
        if (table == null) {
            return new Fetched(rows.batch, rows.keyTexts, took, queryTime, next(count, last, maxSize, upTo));
        }
        long[] hashes = rows.hashes;
        if (readWhole) {
            // (Read whole: the batch ends where its range does.)
            String end = FirstSyncSql.tidText(rangeEnd, 0);
            return new Fetched(rows.batch, rows.keyTexts, took, queryTime, end, rangeEnd >= table.pages() ? null : end,
                hashes == null ? null : Arrays.copyOf(hashes, count));
        }
        // A full batch ends at its last row's address; a short one read up to the table's size at planning.
        String next = next(count, last, maxSize, upTo);
        return new Fetched(rows.batch, rows.keyTexts, took, queryTime,
            next != null ? next : FirstSyncSql.tidText(table.pages(), 0), next,
            hashes == null ? null : Arrays.copyOf(hashes, count));
    }

    /**
     * The keys' text forms of a batch whose key prints as its Java value ({@link ColumnType#keyTextOnClient()}), made
     * when asked for (a failed or rejected batch, the batches left over at the end), not as each row is read.
     */
    private static final class KeyTexts extends java.util.AbstractList<String> implements java.util.RandomAccess {
        private final List<Change> changes;

        KeyTexts(List<Change> changes) {
            this.changes = changes;
        }

        @Override
        public String get(int index) {
            return String.valueOf(changes.get(index).key());
        }

        @Override
        public int size() {
            return changes.size();
        }
    }

    /**
     * The rows of one batch as {@link #read} reads them: its changes, their keys' text, their snapshot rows (a binary
     * or a text {@code COPY}) and, in physical order, their hashes and the last row's address. The row loop is a small
     * method of its own: the JIT compiled all of {@code read} around it, about a second of compiler time in a cold JVM
     * (measured with JFR's compilation events, 2M rows).
     */
    private final class BatchRows {
        final BatchDecoder decoder = new BatchDecoder(sql.shape(), layout);
        /** The row version's column, after the values and the server's hash. */
        final int versionColumn = BatchDecoder.FIRST_VALUE + decoder.width() + 1;
        /** The row address's column, read by addresses in physical order. */
        final int tidColumn = versionColumn + 1;
        final TransactionIds ids;
        final List<Change> batch;
        final List<String> keyTexts;
        // (Key, hash and version ids take about 50 to 61 bytes a row for a bigint key: sized so it rarely grows.)
        final Sql.@Nullable CopyText textRows;
        final Sql.@Nullable CopyBinary binaryRows;
        /** In physical order, the batch's hashes, kept for its answer: its rows are not found by a key range. */
        long @Nullable [] hashes;
        long lastTid = -1;
        byte @Nullable [] lastTidText;

        BatchRows(TransactionIds ids, int expected, boolean physicalOrder) {
            this.ids = ids;
            this.batch = new ArrayList<>(expected);
            this.keyTexts = keyTextOnClient ? new KeyTexts(batch) : new ArrayList<>(expected);
            this.textRows = binaryKey == null ? new Sql.CopyText(expected * 64) : null;
            this.binaryRows = binaryKey != null ? new Sql.CopyBinary(expected * 64) : null;
            this.hashes = physicalOrder ? new long[expected] : null;
        }

        /** Reads every row of {@code rs}; {@code byAddress}: the rows carry their addresses, which must rise. */
        void readAll(ResultSet rs, boolean byAddress) throws SQLException {
            RowHash.Client hasher = clientHashKinds != null ? new RowHash.Client(clientHashKinds) : null;
            while (rs.next()) {
                add(rs, hasher, byAddress);
            }
        }

        private void add(ResultSet rs, RowHash.@Nullable Client hasher, boolean byAddress) throws SQLException {
            int row = batch.size();
            Object key = decoder.key(rs);
            // (A key whose text is its Java value's is printed only when asked for: KeyTexts.)
            @Nullable String keyText = null;
            if (!keyTextOnClient) {
                keyText = rs.getString(BatchDecoder.KEY_TEXT);
                keyTexts.add(keyText);
            }
            if (byAddress) {
                address(rs);
            }
            @Nullable Object[] values = decoder.values(rs);
            batch.add(decoder.change(ChangeKind.ADDED, key, values));
            // key, hash, in doubt (no: the job record's acknowledged key says which are), version, its 64-bit id
            // (pgjdbc's getBytes: the text form's bytes, as received)
            byte[] xr = rs.getBytes(versionColumn);
            long xid = xr == null ? 0 : parseDigits(xr);
            Long xe = xr == null ? null : RowVersions.storableVersion(ids.xid(), ids.horizon(), xid);
            long hash = binaryRows != null
                ? binaryRow(binaryRows, Objects.requireNonNull(hasher).hash(rs, BatchDecoder.FIRST_VALUE, values),
                    key, xr == null, xid, xe)
                : textRow(Objects.requireNonNull(textRows), rs, hasher, values,
                    keyText != null ? keyText : String.valueOf(key), xr, xe);
            long[] kept = hashes;
            if (kept != null) {
                if (row == kept.length) {
                    kept = Arrays.copyOf(kept, row * 2);
                    hashes = kept;
                }
                kept[row] = hash;
            }
        }

        /** A TID range scan reads in address order: the batch ends at its last row's address only if so. */
        private void address(ResultSet rs) throws SQLException {
            byte[] tid = Objects.requireNonNull(rs.getBytes(tidColumn));
            long address = parseTid(tid);
            if (address <= lastTid) {
                throw new SourceException("A first sync of sync job '" + jobId() + "' read the rows of "
                    + sql.shape().source() + " out of address order (" + new String(tid, StandardCharsets.US_ASCII)
                    + " after a higher address): a batch cannot tell where it ends. Read this source in key order"
                    + " (PostgresSource.Builder.firstSyncInKeyOrder)", null, false);
            }
            lastTid = address;
            lastTidText = tid;
        }

        /** The row's snapshot row in binary form, from the client's hash; returns the hash. */
        private long binaryRow(Sql.CopyBinary out, long hash, Object key, boolean noVersion, long xid,
                               @Nullable Long xe) {
            out.row(5);
            Objects.requireNonNull(binaryKey).add(out, key);
            out.addInt8(hash);
            out.addBoolean(false);
            if (noVersion) {
                out.addNull();
            } else {
                // (An xid is unsigned 32 bits: its binary form is those bits.)
                out.addInt4((int) xid);
            }
            if (xe == null) {
                out.addNull();
            } else {
                out.addInt8(xe);
            }
            return hash;
        }

        /** The row's snapshot row in text form, hashed by the client or by the server; returns the hash. */
        private long textRow(Sql.CopyText out, ResultSet rs, RowHash.@Nullable Client hasher,
                             @Nullable Object[] values, String keyText, byte @Nullable [] xr, @Nullable Long xe)
            throws SQLException {
            long hash;
            out.add(keyText);
            if (hasher != null) {
                hash = hasher.hash(rs, BatchDecoder.FIRST_VALUE, values);
                out.add(hash);
            } else {
                byte[] h = rs.getBytes(versionColumn - 1);
                hash = hashes != null && h != null ? parseSigned(h) : 0;
                out.add(h);
            }
            out.add(FALSE).add(xr);
            if (xe == null) {
                out.add((byte[]) null);
            } else {
                out.add(xe.longValue());
            }
            out.endRow();
            return hash;
        }
    }

    /**
     * The end (exclusive) of the range of pages from {@code fromPage} that holds about {@link #RANGE_FILL} of a batch
     * at the density seen so far, at most the table's size; 0 when the batch is read by addresses instead (the density
     * is not known yet, or a page holds more than half a batch).
     */
    private long rangeEnd(long fromPage, int maxSize, TableFacts table) {
        double density = rowsPerPage;
        if (density <= 0) {
            return 0;
        }
        long span = (long) Math.min(Math.floor(maxSize * RANGE_FILL / density), table.pages());
        if (span < 2 || fromPage >= table.pages()) {
            return 0;
        }
        return Math.min(table.pages(), fromPage + span);
    }

    /**
     * Where the batch after one of {@code rows} rows ending at {@code end} starts, or {@code null} when it was the
     * last: a short batch is; in key order, so is one that ends at the highest key at planning.
     */
    private @Nullable String next(int rows, @Nullable String end, int maxSize, String upTo) {
        if (rows < maxSize || end == null || (physical == null && end.equals(upTo))) {
            return null;
        }
        return end;
    }

    /** A row address's text form {@code (page,line)} as one number that sorts as the addresses do. */
    static long parseTid(byte[] text) {
        long page = 0;
        long line = 0;
        boolean inLine = false;
        for (byte b : text) {
            if (b >= '0' && b <= '9') {
                if (inLine) {
                    line = line * 10 + (b - '0');
                } else {
                    page = page * 10 + (b - '0');
                }
            } else if (b == ',') {
                inLine = true;
            } else if (b != '(' && b != ')') {
                throw new NumberFormatException("Not a row address: " + new String(text, StandardCharsets.US_ASCII));
            }
        }
        return page << 16 | line;
    }

    /** The reading transaction's 64-bit id and the oldest transaction still running ({@link RowVersions}). */
    private record TransactionIds(long xid, long horizon, boolean stillThisFirstSync) {
    }

    /** A non-negative integer's ASCII digits (a transaction id as the server prints it). */
    private static long parseDigits(byte[] digits) {
        return digitsFrom(digits, 0);
    }

    /** A signed integer's ASCII digits (a row hash as the server prints it; Long.MIN_VALUE wraps back to itself). */
    static long parseSigned(byte[] digits) {
        return digits.length > 0 && digits[0] == '-' ? -digitsFrom(digits, 1) : digitsFrom(digits, 0);
    }

    private static long digitsFrom(byte[] digits, int from) {
        long v = 0;
        for (int i = from; i < digits.length; i++) {
            byte b = digits[i];
            if (b < '0' || b > '9') {
                throw new NumberFormatException("Not a number: " + new String(digits, StandardCharsets.US_ASCII));
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    /**
     * Records the acknowledgement of a batch: the acknowledged key moves over the prefix of settled batches this one
     * completes, or, while a batch before it is still out, the batch is recorded as settled ahead of that key.
     */
    @Override
    public void acknowledge(Acknowledgement ack) {
        if (ack.batch().isEmpty()) {
            return;
        }
        BatchesOut.Batch b = out.find(ack.batch());
        Rejected rejected = rejected(b, ack);
        BatchesOut.Prefix prefix = out.prefixWith(b);
        long startedAt = System.nanoTime();
        TableFacts table = physical;
        if (table != null && rejected.any() && b.writtenAgain()) {
            // (The index below is built while no batch is being read: their COPYs would wait for it.)
            settleReads();
        }
        session.run("record the acknowledged batch of sync job '" + jobId() + "'", c -> {
            if (table == null && (rejected.any() || request.syncLog())) {
                // (These read the batch's snapshot rows by key range: not by a scan of a snapshot growing all along.)
                keySnapshot(c);
            }
            // The snapshot rows were written with the batch; rejected ones are deleted when the first sync ends.
            if (table != null) {
                Sql.execute(c, sql.firstSync().firstSyncTidsAcked(jobId(), request.runId(), table.fileNode(), prefix));
            } else {
                Sql.execute(c, sql.firstSync().firstSyncAcked(jobId(), prefix));
            }
            if (rejected.any()) {
                // (A first sync starts no earlier streak: RunStarter plans through a plan table when there are any.)
                for (Query q : sql.issues().recordAnswer(request.runId(), table != null ? keptHashes(b, rejected)
                    : sql.snapshot().batchHashes(b.from, b.to), rejected, false)) {
                    Sql.execute(c, q);
                }
            }
            if (rejected.any() && b.writtenAgain()) {
                if (table != null) {
                    // (Found by key: the snapshot has no key yet, it gets an index to find them by.)
                    Sql.execute(c, sql.snapshot().addLookupIndex());
                }
                // An earlier attempt (or a part of the batch split off) failed and may have been applied: the rejected
                // keys' rows stay, in doubt (the first sync's end forgets only rows of rejected keys not in doubt).
                // (After the streaks above, which take the hashes of the values sent from these rows.)
                Sql.execute(c, sql.firstSync().firstSyncKeysInDoubt(rejected.keyTexts()));
            }
            if (request.syncLog()) {
                Sql.execute(c, sql.log().firstSyncBatch(jobId(), request.runId(),
                    sql.snapshot().batchHashes(b.from, b.to), rejected));
            }
        });
        out.settle(b, BatchesOut.Fate.ACKNOWLEDGED);
        ackNanos += System.nanoTime() - startedAt;
    }

    /**
     * The hashes of a batch's rejected keys as its snapshot rows have them, kept with the batch (a first sync in
     * physical order does not give the snapshot its key before its end: a row that moved during the run may be read
     * twice, and its two rows are resolved then).
     */
    private Select<Record2<String, Long>> keptHashes(BatchesOut.Batch b, Rejected rejected) {
        List<String> keys = Objects.requireNonNull(b.keyTexts());
        long[] kept = Objects.requireNonNull(b.hashes);
        Map<String, Integer> at = new HashMap<>(keys.size() * 2);
        for (int i = 0; i < keys.size(); i++) {
            at.putIfAbsent(keys.get(i), i);
        }
        List<Long> hashes = new ArrayList<>(rejected.keyTexts().size());
        for (String key : rejected.keyTexts()) {
            hashes.add(kept[Objects.requireNonNull(at.get(key), "a rejected key of the batch")]);
        }
        return sql.firstSync().keptHashes(rejected.keyTexts(), hashes);
    }

    /**
     * Gives the snapshot its key before the first sync's end, once: before the first statement that reads or updates
     * its rows by key (a sync log, rejections, a failed batch). From then on the batches maintain it row by row. The key
     * is also the replica identity such updates need under a publication of all tables.
     */
    private void keySnapshot(Connection c) throws SQLException {
        if (keyed) {
            return;
        }
        if (Sql.fetch(c, sql.snapshot().snapshotKeyed(), rs -> rs.getBoolean(1)).get(0)) {
            // (Seen from a transaction of its own: the key is committed. One built below is remembered only when the
            // next call sees it, so a transaction that fails after building it takes the key back with it.)
            keyed = true;
            return;
        }
        log.debug("Sync job '{}': its first sync gives the snapshot its key now", jobId());
        Sql.execute(c, sql.snapshot().addSnapshotKey());
    }

    /** A batch still being read ahead must be committed (or failed) before its rows are put in doubt. */
    @Override
    void settleReads() {
        FirstSyncReader current = reader;
        if (current != null) {
            current.settle();
        }
    }

    /**
     * The batch's rows are in the snapshot above the acknowledged key: they are put in doubt, and the batch counts as
     * settled for the acknowledged key.
     */
    @Override
    void putBatchInDoubt(Connection c, BatchesOut.Batch b) throws SQLException {
        TableFacts table = physical;
        if (table != null) {
            // By its keys: the snapshot has no key before the end (a row read twice has two rows), but the first failed
            // batch gives it an index to find them by, so that each later one does not scan the whole snapshot.
            Sql.execute(c, sql.snapshot().addLookupIndex());
            Sql.execute(c, sql.firstSync().firstSyncKeysInDoubt(Objects.requireNonNull(b.keyTexts()), null));
            Sql.execute(c, sql.firstSync().firstSyncTidsAcked(jobId(), request.runId(), table.fileNode(),
                out.prefixWith(b)));
            return;
        }
        keySnapshot(c);
        Sql.execute(c, sql.firstSync().firstSyncInDoubt(b.from, b.to, null));
        Sql.execute(c, sql.firstSync().firstSyncAcked(jobId(), out.prefixWith(b)));
    }

    @Override
    void putInDoubt(BatchesOut.Batch b) {
        out.settle(b, BatchesOut.Fate.IN_DOUBT);
    }

    @Override
    String onNotPutInDoubt() {
        return "this first sync puts them in doubt when it ends, or the next run when it completes it";
    }

    @Override
    long readingNanos() {
        return waitNanos;
    }

    /**
     * A batch read ahead but never handed out is in the snapshot above the last acknowledged key: the reader is
     * stopped (its batches committed or failed) before the first sync is completed, which puts such rows in doubt.
     */
    @Override
    void stopReading() {
        FirstSyncReader current = reader;
        if (current != null) {
            current.close();
        }
    }

    /**
     * Completes the first sync: batches still out (their writes were abandoned, or their answers could not be
     * recorded) are put in doubt under a lease, as the next run would after a crash.
     */
    @Override
    void settle(Connection c) throws SQLException {
        if (!started) {
            return;
        }
        JobsTable.FirstSyncState state = JobsTable.firstSync(c, sql.shape().tables(), jobId());
        if (state != null && state.physical()) {
            FirstSyncReader current = reader;
            Recovery.finishPhysicalFirstSync(c, sql, jobId(), state, out.unanswered(),
                current == null ? List.of() : current.notHandedOut(), lease(request.writeTimeout()));
        } else if (state != null) {
            Recovery.finishFirstSync(c, sql, jobId(), state, out.unanswered(), lastKeyText,
                lease(request.writeTimeout()));
        }
    }
}
