package io.valmi.postgres.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Plan;
import io.valmi.Rejection;
import io.valmi.RowLayout;
import io.valmi.RunRequest;
import io.valmi.SourceRun;
import io.valmi.SyncResult;
import io.valmi.postgres.internal.FirstSyncReader.Fetched;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Query;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a PostgreSQL source: the plan table is made when the run starts; batches are read from it in key
 * order (keyset paging, one short transaction per batch, no transaction held while the destination works), marked
 * in doubt before they are handed out, and applied to the snapshot when acknowledged.
 */
public final class PgRun implements SourceRun {
    private static final Logger log = LoggerFactory.getLogger(PgRun.class);

    private final Session session;
    private final JobLock lock;
    private final RunStatements sql;
    private final JobTables tables;
    private final RunRequest request;
    /** The plan (of a first sync: set after its batches started to be read, {@link #planFirst}). */
    private Plan plan;
    private final RowLayout layout;
    private final List<String> deliverKinds;
    private final List<String> markKinds;
    private final List<String> applyKinds;
    private final boolean deliverRemoved;
    private final boolean applyNew;
    private final boolean applyKnown;
    private final boolean markAny;
    private static final String NEW = "+new";
    private static final byte[] FALSE = {'f'};
    private static final java.nio.charset.Charset US_ASCII = java.nio.charset.StandardCharsets.US_ASCII;
    /**
     * First-sync mode: the snapshot was empty and the key is declared unique, so every valid row is ADDED and there
     * is nothing to compare. Instead of a plan table, each batch is read straight from the source by key and writes
     * its own snapshot rows before it is handed out; the job record keeps the last acknowledged key, and snapshot
     * rows above it count as in doubt if the run ends early ({@link #completeFirstSync}).
     */
    private final boolean first;
    private boolean firstStarted;
    /** First-sync mode: the highest key when the run was planned ({@code null}: the source had no key). */
    private @Nullable String firstUpTo;
    /** First-sync mode: opens the read-ahead connections ({@code null}: no reading ahead). */
    private java.util.function.@Nullable Supplier<Session> readAheadOpener;
    /** First-sync mode: the batches, read ahead. */
    private @Nullable FirstSyncReader reader;
    private int readerBatchSize;
    /**
     * First-sync mode: the key's text form is its Java value's ({@link ColumnType#keyTextOnClient()}), so the server
     * need not print it.
     */
    private boolean keyTextOnClient;
    /**
     * First-sync mode: the columns' kinds when the client hashes the rows ({@link RowHash.Client}), or {@code null}
     * when the server does (a mapped type the client cannot hash, or a server that hashes otherwise).
     */
    private @Nullable List<RowHash.Kind> clientHashKinds;

    private @Nullable String lastKeyText;
    private @Nullable String batchFrom;
    private @Nullable String batchTo;
    /** The current batch and its keys' text forms, same order; a key-to-text map is built only for rejections. */
    private List<Change> batchChanges = List.of();
    private List<String> batchKeyTexts = List.of();
    private boolean exhausted;
    private boolean finished;
    private boolean doubtLeft;
    /** Where a run's time goes, logged at debug level when it finishes (for the benchmark and for tuning). */
    private long readNanos;
    /** Of {@link #readNanos}: until the batch's statement returned its first rows (the server's part, mostly). */
    private long queryNanos;
    /** First-sync mode: how long the run waited for batches (reading ahead, {@link #readNanos} sums all readers). */
    private long waitNanos;
    private long markNanos;
    private long ackNanos;
    private final long plannedAt = System.nanoTime();

    PgRun(Session session, JobLock lock, RunStatements sql, JobTables tables, RunRequest request, Plan plan,
          java.util.Set<String> present, boolean first) {
        this.first = first;
        this.session = session;
        this.lock = lock;
        this.sql = sql;
        this.tables = tables;
        this.request = request;
        this.plan = plan;
        this.layout = new RowLayout(request.mapping().destinationFields());
        this.deliverKinds = new ArrayList<>();
        this.markKinds = new ArrayList<>();
        this.applyKinds = new ArrayList<>();
        for (ChangeKind kind : request.deliver()) {
            deliverKinds.add(letter(kind));
            // Every key handed out is marked, unchanged ones too: a write of this run that lands late (after the run
            // lost its lock, and a later run sent the key's new value or its removal) would undo that run's work.
            markKinds.add(letter(kind));
            if (kind == ChangeKind.UNCHANGED && request.mapping().sourceMode() != io.valmi.SourceMode.INCREMENTAL) {
                deliverKinds.add(JobTables.TOUCHED);
                markKinds.add(JobTables.TOUCHED);
            }
            if (kind == ChangeKind.ADDED || kind == ChangeKind.CHANGED) {
                applyKinds.add(letter(kind));
            }
        }
        java.util.Collections.sort(deliverKinds);
        this.deliverRemoved = request.deliver().contains(ChangeKind.REMOVED) && present.contains(JobTables.REMOVED);
        this.applyNew = applyKinds.stream().anyMatch(k -> present.contains(k + NEW));
        this.applyKnown = applyKinds.stream().anyMatch(present::contains);
        this.markAny = markKinds.stream().anyMatch(k -> present.contains(k) || present.contains(k + NEW));
    }

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

    /**
     * Plans a run: creates the plan table, records invalid rows, counts.
     *
     * @param session the run's session
     * @param lock the job's lock
     * @param sql the job's statements
     * @param tables the job's tables
     * @param request the request
     * @param checkDuplicates whether the key may hold duplicates
     * @param bookkeeping the bookkeeping schema, to hand the plan table to its owner
     * @return the planned run
     */
    static PgRun plan(Session session, JobLock lock, RunStatements sql, JobTables tables, RunRequest request,
                      boolean checkDuplicates, BookkeepingSchema.State bookkeeping) {
        boolean incremental = request.mapping().sourceMode() == io.valmi.SourceMode.INCREMENTAL;
        long started = System.nanoTime();
        // Which plan kinds occur, with (kind) or without (kind + NEW) a snapshot row: statements for kinds that do
        // not occur are left out of every batch (e.g. the upsert and the delete of a first sync).
        java.util.Set<String> present = new java.util.HashSet<>();
        Plan plan = session.transaction("plan sync job '" + request.jobId() + "'", c -> {
            Sql.execute(c, sql.plan().dropPlan());
            Sql.fetch(c, sql.plan().planSettings(), rs -> null);
            Sql.execute(c, sql.plan().createPlan(incremental, checkDuplicates));
            bookkeeping.share(c, tables.planName());
            Sql.execute(c, sql.plan().indexPlan());
            Sql.fetch(c, sql.plan().smallStatisticsTarget(), rs -> null);
            Sql.execute(c, sql.plan().analyzePlan());
            for (Query q : sql.issues().recordInvalid(request.runId())) {
                Sql.execute(c, q);
            }
            present.clear();
            EnumMap<ChangeKind, Long> counts = new EnumMap<>(ChangeKind.class);
            EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
            for (Object[] row : Sql.fetch(c, sql.plan().countPlan(),
                rs -> new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)})) {
                String k = (String) row[0];
                long n = (Long) row[1];
                long known = (Long) row[2];
                if (known > 0) {
                    present.add(k);
                }
                if (n > known) {
                    present.add(k + NEW);
                }
                if (k.equals(JobTables.NULL_KEY)) {
                    invalid.put(InvalidReason.NULL_KEY, n);
                } else if (k.equals(JobTables.DUPLICATE_KEY)) {
                    invalid.put(InvalidReason.DUPLICATE_KEY, n);
                } else if (!(incremental && k.equals(JobTables.TOUCHED))) {
                    // (An incremental plan keeps touched rows only to record their version: they are not planned.)
                    counts.merge(kind(k), n, Long::sum);
                }
            }
            if (present.contains(JobTables.TOUCHED)) {
                // Unchanged rows with a new version: the snapshot learns it now, so they are not hashed next time.
                Sql.execute(c, sql.plan().recordTouched());
            }
            List<InvalidRow> samples = request.maxSamples() == 0 ? List.of()
                : Sql.fetch(c, sql.issues().invalidSamples(request.runId(), request.maxSamples()),
                    rs -> new InvalidRow(InvalidReason.valueOf(rs.getString(1)), rs.getString(2),
                        rs.getString(3) == null ? "" : rs.getString(3)));
            // The base of the removal guards; counted only when removals can be sent (or for a dry run), or when the
            // invalid-row guard needs it (an incremental plan does not count unchanged rows).
            boolean removalsMatter = request.deliver().isEmpty() || request.deliver().contains(ChangeKind.REMOVED)
                || !invalid.isEmpty();
            long known = removalsMatter ? Sql.fetch(c, sql.snapshot().countSnapshot(), rs -> rs.getLong(1)).get(0) : 0L;
            return new Plan(counts, invalid, samples, known);
        });
        log.debug("Planned sync job '{}' in {} ms: {}", request.jobId(), (System.nanoTime() - started) / 1_000_000,
            plan.counts());
        return new PgRun(session, lock, sql, tables, request, plan, present, false);
    }

    /**
     * Plans a first sync (empty snapshot, key declared unique): counts the source's rows and records its rows with a
     * NULL key; no plan table. When the run's batch size is known and batches are read ahead, the first batches are
     * read while the rows are counted.
     *
     * @param session the run's session
     * @param lock the job's lock
     * @param sql the job's statements
     * @param tables the job's tables
     * @param request the request
     * @param readAhead opens a second connection for reading the next batch while the destination writes one, or
     *     {@code null} for no reading ahead
     * @return the planned run
     */
    static PgRun planFirst(Session session, JobLock lock, RunStatements sql, JobTables tables, RunRequest request,
                           java.util.function.@Nullable Supplier<Session> readAhead) {
        long started = System.nanoTime();
        boolean clientHash = clientHashes(session, sql, request.jobId());
        PgRun run = new PgRun(session, lock, sql, tables, request, new Plan(new EnumMap<>(ChangeKind.class),
            new EnumMap<>(InvalidReason.class), List.of(), 0L), java.util.Set.of(JobTables.ADDED + NEW), true);
        run.readAheadOpener = readAhead;
        run.keyTextOnClient = sql.shape().keyType().keyTextOnClient();
        run.clientHashKinds = clientHash ? sql.shape().firstSyncKinds() : null;
        // When the batch size is known and batches will be read ahead, the first ones are read while the rows are
        // counted (the count reads the whole key index). The first sync is recorded as started first: any snapshot
        // row a batch writes belongs to it.
        boolean early = request.batchSize() > 0 && readAhead != null && request.deliver().contains(ChangeKind.ADDED);
        if (early) {
            run.firstUpTo = session.transaction("start the first sync of job '" + request.jobId() + "'", c -> {
                String top = Sql.fetch(c, sql.firstSync().highestKey(), rs -> rs.getString(1)).stream().findFirst().orElse(null);
                if (top != null) {
                    Sql.execute(c, sql.firstSync().firstSyncStarted(request.jobId(), request.runId()));
                }
                return top;
            });
            if (run.firstUpTo != null) {
                run.firstStarted = true;
                run.startReader(request.batchSize());
            }
        }
        Plan plan;
        try {
            plan = session.transaction("plan the first sync of job '" + request.jobId() + "'", c -> {
                if (!early) {
                    run.firstUpTo = Sql.fetch(c, sql.firstSync().highestKey(), rs -> rs.getString(1)).stream().findFirst()
                        .orElse(null);
                }
                // (The count reads the whole table too: on one process, as the plan does.)
                Sql.fetch(c, sql.plan().planSettings(), rs -> null);
                long[] counts = Sql.fetch(c, sql.firstSync().countSource(), rs -> new long[] {rs.getLong(1), rs.getLong(2)}).get(0);
                for (Query q : sql.issues().recordNullKeys(request.runId(), counts[1] > 0)) {
                    Sql.execute(c, q);
                }
                EnumMap<ChangeKind, Long> byKind = new EnumMap<>(ChangeKind.class);
                byKind.put(ChangeKind.ADDED, counts[0] - counts[1]);
                EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
                if (counts[1] > 0) {
                    invalid.put(InvalidReason.NULL_KEY, counts[1]);
                }
                List<InvalidRow> samples = request.maxSamples() == 0 || counts[1] == 0 ? List.of()
                    : Sql.fetch(c, sql.issues().invalidSamples(request.runId(), request.maxSamples()),
                        rs -> new InvalidRow(InvalidReason.valueOf(rs.getString(1)), rs.getString(2),
                            rs.getString(3) == null ? "" : rs.getString(3)));
                return new Plan(byKind, invalid, samples, 0L);
            });
        } catch (RuntimeException | Error e) {
            // (Nothing reads on: the next run completes the first sync that was recorded as started.)
            run.closeReader();
            throw e;
        }
        log.debug("Planned the first sync of job '{}' in {} ms: {}", request.jobId(),
            (System.nanoTime() - started) / 1_000_000, plan.counts());
        run.plan = plan;
        return run;
    }

    /** Creates the first sync's reader and starts reading ahead. */
    private void startReader(int maxSize) {
        readerBatchSize = maxSize;
        reader = new FirstSyncReader(session, readAheadOpener, java.util.Objects.requireNonNull(firstUpTo), maxSize,
            (c, lo, hi, relay) -> fetch(c, lo, hi, maxSize, relay), request.jobId());
        reader.start();
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
                    org.jooq.impl.SQLDataType.CLOB, DSL.inline("server_encoding"))), rs -> rs.getString(1)).get(0);
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
     * Ends a first sync, in the caller's transaction: snapshot rows above the last acknowledged key are put in doubt
     * (their batch was handed out but never acknowledged, or failed), rows of rejected keys are deleted, the
     * snapshot's primary key is built again and the job record forgets the first sync. Run by the first sync's
     * {@code finish}, or by the next run when the process died before that.
     *
     * @param c the connection, in a transaction
     * @param sql the job's statements
     * @param jobId the job
     * @param runId the first sync's run
     * @param ackedKeyText the last acknowledged key, or {@code null}
     * @param interrupted whether the first sync ended without its {@code finish}
     * @param handedOutKnown whether the caller knows the last batch handed out (the first sync's own
     *     {@code finish}); otherwise every row above the acknowledged key is put in doubt
     * @param handedOutTo the last key handed out, or {@code null} when no batch was
     * @param lease how long a write of the first sync may still land (it ended without its {@code finish}: its
     *     connection may have died while a write was on), or {@code null}
     * @throws java.sql.SQLException on failure
     */
    static void completeFirstSync(java.sql.Connection c, RunStatements sql, String jobId, String runId,
                                  @Nullable String ackedKeyText, boolean interrupted, boolean handedOutKnown,
                                  @Nullable String handedOutTo, java.time.@Nullable Duration lease)
        throws java.sql.SQLException {
        if (!Sql.fetch(c, sql.snapshot().snapshotKeyed(), rs -> rs.getBoolean(1)).get(0)) {
            if (interrupted) {
                Sql.execute(c, sql.snapshot().dropDuplicateSnapshotKeys());
            }
            Sql.execute(c, sql.snapshot().addSnapshotKey());
        }
        // (With the key built, the range is found by it rather than by reading the whole snapshot.)
        if (handedOutKnown) {
            // Rows of a batch read ahead but never handed out: the destination never saw them.
            if (handedOutTo == null) {
                Sql.execute(c, sql.firstSync().firstSyncForgetAbove(null));
            } else {
                Sql.execute(c, sql.firstSync().firstSyncInDoubt(ackedKeyText, handedOutTo, lease));
                Sql.execute(c, sql.firstSync().firstSyncForgetAbove(handedOutTo));
            }
        } else {
            Sql.execute(c, sql.firstSync().firstSyncInDoubt(ackedKeyText, null, lease));
        }
        Sql.execute(c, sql.firstSync().firstSyncForgetRejected(runId));
        Sql.execute(c, sql.firstSync().firstSyncEnded(jobId));
    }

    @Override
    public Plan plan() {
        return plan;
    }

    /**
     * Reads the batch after {@code from} in the caller's transaction (for a first sync: up to {@code upTo}, and also
     * writes its snapshot rows).
     */
    private Fetched fetch(java.sql.Connection c, @Nullable String from, @Nullable String upTo, int maxSize,
                          FirstSyncReader.@Nullable Relay relay) throws java.sql.SQLException {
        long started = System.nanoTime();
        List<Change> batch = new ArrayList<>(Math.min(maxSize, 10_000));
        List<String> keyTexts = new ArrayList<>(Math.min(maxSize, 10_000));
        org.jooq.Query query;
        long[] ids = {0, 0};
        if (first) {
            ids = Sql.fetch(c, RowVersions.transactionIds(), rs -> new long[] {rs.getLong(1), rs.getLong(2)}).get(0);
            query = sql.firstSync().firstBatch(from, java.util.Objects.requireNonNull(upTo), maxSize, !keyTextOnClient,
                clientHashKinds != null);
        } else {
            query = sql.plan().nextBatch(deliverKinds, from, maxSize);
        }
        long queryTime;
        // First sync: the batch's snapshot rows, written by COPY before the transaction commits.
        // (Key, hash and version ids take about 50 bytes a row for a bigint key: sized so it rarely grows.)
        Sql.CopyText snapshotRows = first ? new Sql.CopyText(Math.min(maxSize, 10_000) * 64) : null;
        try (PreparedStatement ps = Sql.prepare(c, query, relay != null)) {
            ps.setFetchSize(Math.min(maxSize, 10_000));
            long queried = System.nanoTime();
            try (ResultSet rs = ps.executeQuery()) {
                queryTime = System.nanoTime() - queried;
                int n = layout.size();
                // (Chosen by the catalog's types, never by the result's: pgjdbc names a serial column's type "serial".)
                Values.Reader keyReader = sql.shape().keyType().reader();
                Values.Reader[] readers = sql.shape().valueReaders();
                if (relay != null) {
                    // The next batch can start now: where it starts is the last row's key.
                    String last = null;
                    int rows = 0;
                    if (rs.last()) {
                        rows = rs.getRow();
                        last = keyTextOnClient ? String.valueOf(keyReader.read(rs, 2)) : rs.getString(3);
                    }
                    relay.arrived(rows, last);
                    rs.beforeFirst();
                }
                RowHash.Client hasher = first && clientHashKinds != null ? new RowHash.Client(clientHashKinds) : null;
                while (rs.next()) {
                    ChangeKind kind = first ? ChangeKind.ADDED : kind(rs.getString(1));
                    Object key = keyReader.read(rs, 2);
                    String keyText = first && keyTextOnClient ? String.valueOf(key) : rs.getString(3);
                    keyTexts.add(keyText);
                    Object[] values = null;
                    if (kind == ChangeKind.REMOVED) {
                        batch.add(Change.removed(key));
                    } else {
                        values = new Object[n];
                        for (int i = 0; i < n; i++) {
                            values[i] = readers[i].read(rs, 4 + i);
                        }
                        batch.add(new Change(kind, key, layout.row(values)));
                    }
                    if (snapshotRows != null) {
                        // key, hash, in doubt (no: the job record's acknowledged key says which are), version, its
                        // 64-bit id (pgjdbc's getBytes: the text form's bytes, as received)
                        snapshotRows.add(keyText);
                        if (hasher != null) {
                            snapshotRows.add(hasher.hash(rs, 4, java.util.Objects.requireNonNull(values)));
                        } else {
                            snapshotRows.add(rs.getBytes(4 + n));
                        }
                        byte[] xr = rs.getBytes(5 + n);
                        snapshotRows.add(FALSE).add(xr);
                        Long xe = xr == null ? null : RowVersions.storableVersion(ids[0], ids[1], parseDigits(xr));
                        if (xe == null) {
                            snapshotRows.add((byte[]) null);
                        } else {
                            snapshotRows.add(xe.longValue());
                        }
                        snapshotRows.endRow();
                    }
                }
            }
        }
        if (snapshotRows != null && !batch.isEmpty()) {
            Sql.copyIn(c, sql.snapshot().snapshotCopy(), snapshotRows);
        }
        return new Fetched(batch, keyTexts, System.nanoTime() - started, queryTime);
    }

    /** A non-negative integer's ASCII digits (a transaction id as the server prints it). */
    private static long parseDigits(byte[] digits) {
        long v = 0;
        for (byte b : digits) {
            if (b < '0' || b > '9') {
                throw new NumberFormatException("Not a transaction id: " + new String(digits, US_ASCII));
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    @Override
    public List<Change> nextBatch(int maxSize) {
        if (exhausted || deliverKinds.isEmpty() || (first && firstUpTo == null)) {
            return List.of();
        }
        String from = lastKeyText;
        if (first && !firstStarted) {
            // (The snapshot keeps its primary key: its index is written beside the batches, off the path of the reads,
            // which costs less than building it at the end while the other core idles.)
            session.transaction("start the first sync of job '" + request.jobId() + "'",
                c -> Sql.execute(c, sql.firstSync().firstSyncStarted(request.jobId(), request.runId())));
            firstStarted = true;
        }
        if (first) {
            // The batch's transaction wrote its snapshot rows and is committed before the batch is handed out.
            if (reader == null) {
                startReader(maxSize);
            } else if (maxSize != readerBatchSize) {
                throw new IllegalArgumentException("A first sync's batch size cannot change during the run: "
                    + readerBatchSize + ", now " + maxSize);
            }
            long waited = System.nanoTime();
            FirstSyncReader.Batch b = reader.next();
            waitNanos += System.nanoTime() - waited;
            if (b == null) {
                exhausted = true;
                return List.of();
            }
            return accept(b.fetched(), b.from(), maxSize);
        }
        return session.transaction("read the next batch of sync job '" + request.jobId() + "'", c -> {
            Fetched f = fetch(c, from, null, maxSize, null);
            if (!f.changes().isEmpty() && markAny) {
                long read = System.nanoTime();
                if (doubtLeft) {
                    // An earlier batch of this run failed and its keys could not be put in doubt then.
                    Sql.execute(c, sql.marks().foldInDoubt(request.jobId(), null));
                    doubtLeft = false;
                }
                Sql.execute(c, sql.marks().markInDoubt(request.jobId(), markKinds, from, f.last()));
                markNanos += System.nanoTime() - read;
            }
            return accept(f, from, maxSize);
        });
    }

    /** Makes a batch read the current one (called once it may be handed out). */
    private List<Change> accept(Fetched f, @Nullable String from, int maxSize) {
        readNanos += f.readNanos();
        queryNanos += f.queryNanos();
        List<Change> batch = f.changes();
        if (batch.isEmpty()) {
            exhausted = true;
            return List.of();
        }
        String last = f.last();
        batchFrom = from;
        batchTo = last;
        batchChanges = batch;
        batchKeyTexts = f.keyTexts();
        lastKeyText = last;
        if (!first && batch.size() < maxSize) {
            exhausted = true;
        }
        return java.util.Collections.unmodifiableList(batch);
    }

    private void closeReader() {
        if (reader != null) {
            reader.close();
        }
    }


    /**
     * Checks, before a write, that the run still holds its job lock: the lock lives as long as the session's
     * connection, and once that has died another run may have started, so no write of this run may start. (The first
     * write of a batch read from a plan table follows the transaction that marked it, which proved as much.)
     */
    @Override
    public void beforeWrite(List<Change> batch, int attempt) {
        if (!first && attempt == 1) {
            return;
        }
        try {
            session.transaction("check that sync job '" + request.jobId() + "' still holds its lock",
                c -> Sql.fetch(c, DSL.selectOne(), rs -> null));
        } catch (io.valmi.SourceException e) {
            throw new io.valmi.SourceException("Sync job '" + request.jobId() + "' lost its lock (its connection to"
                + " PostgreSQL ended, so another run may have started): no write of this run starts, and the batch's"
                + " keys stay in doubt for the next run. " + e.getMessage(), e, true);
        }
    }

    @Override
    public void acknowledge(Acknowledgement ack) {
        if (ack.batch().isEmpty()) {
            return;
        }
        String to = java.util.Objects.requireNonNull(batchTo, "acknowledge() before nextBatch()");
        String from = batchFrom;
        List<String> rejectedTexts = new ArrayList<>(ack.rejections().size());
        List<String> reasons = new ArrayList<>(ack.rejections().size());
        Map<Object, String> keyTexts = new HashMap<>();
        if (!ack.rejections().isEmpty()) {
            for (int i = 0; i < batchChanges.size(); i++) {
                keyTexts.put(batchChanges.get(i).key(), batchKeyTexts.get(i));
            }
        }
        for (Rejection r : ack.rejections()) {
            String text = keyTexts.get(r.key());
            if (text == null) {
                throw new IllegalStateException("Rejected key " + r.key() + " is not in the current batch of sync job '"
                    + request.jobId() + "': the runner acknowledges only keys of the batch, as the batch holds them");
            }
            rejectedTexts.add(text);
            reasons.add(r.reason());
        }
        // Rejected changes are left out: the snapshot was not touched for them, so they keep their earlier state.
        long started = System.nanoTime();
        session.transaction("record the acknowledged batch of sync job '" + request.jobId() + "'", c -> {
            if (first) {
                // The snapshot rows were written with the batch; rejected ones are deleted when the first sync ends.
                Sql.execute(c, sql.firstSync().firstSyncAcked(request.jobId(), to));
                if (!rejectedTexts.isEmpty()) {
                    Sql.execute(c, sql.issues().recordRejections(request.runId(), rejectedTexts, reasons));
                }
                return null;
            }
            Sql.fetch(c, sql.snapshot().ackSettings(), rs -> null);
            if (applyNew) {
                Sql.execute(c, sql.snapshot().applyDelivered(applyKinds, false, from, to, rejectedTexts));
            }
            if (applyKnown) {
                Sql.execute(c, sql.snapshot().applyDelivered(applyKinds, true, from, to, rejectedTexts));
            }
            if (deliverRemoved) {
                for (Query q : sql.snapshot().applyRemoved(from, to, rejectedTexts)) {
                    Sql.execute(c, q);
                }
            }
            if (markAny) {
                Sql.execute(c, sql.marks().clearInDoubt(request.jobId()));
            }
            if (!rejectedTexts.isEmpty()) {
                Sql.execute(c, sql.issues().recordRejections(request.runId(), rejectedTexts, reasons));
            }
            return null;
        });
        ackNanos += System.nanoTime() - started;
    }

    private void dropPlanQuietly() {
        try {
            session.transaction("drop the plan of sync job '" + request.jobId() + "'", c -> Sql.execute(c, sql.plan().dropPlan()));
        } catch (RuntimeException e) {
            log.debug("Could not drop the plan of sync job '{}' (the next run replaces it): {}", request.jobId(),
                e.toString());
        }
    }

    @Override
    public void markInDoubt(List<Change> batch) {
        if (reader != null) {
            reader.settle();
        }
        // The keys were marked in doubt in nextBatch(), before the batch was handed out. Put them in doubt in the
        // snapshot now; if that fails too (e.g. the connection is gone), the next run does it when it starts.
        try {
            session.transaction("put the keys of a failed batch of sync job '" + request.jobId() + "' in doubt", c -> {
                if (first) {
                    Sql.execute(c, sql.firstSync().firstSyncInDoubt(batchFrom, batchTo, null));
                    Sql.execute(c, sql.firstSync().firstSyncAcked(request.jobId(), java.util.Objects.requireNonNull(batchTo)));
                    return null;
                }
                Sql.execute(c, sql.marks().foldInDoubt(request.jobId(), null));
                Sql.execute(c, sql.marks().clearInDoubt(request.jobId()));
                return null;
            });
        } catch (RuntimeException e) {
            doubtLeft = true;
            log.warn("Sync job '{}': could not record the keys of the failed batch in the snapshot now ({}); they stay"
                + " marked in the job record and are put in doubt when the next run starts", request.jobId(),
                e.toString());
        }
        log.info("Sync job '{}': {} changes (keys {} to {}) stay in doubt and are offered again next run",
            request.jobId(), batch.size(), batchFrom == null ? "start" : batchFrom, batchTo);
    }

    @Override
    public void finish(SyncResult result) {
        // A batch read ahead but never handed out is in the snapshot above the last acknowledged key: it must be
        // committed (or failed) before the first sync is completed, which puts it in doubt.
        closeReader();
        if (log.isDebugEnabled()) {
            long reading = first ? waitNanos : readNanos;
            log.debug("Sync job '{}' delivered in {} ms: reading batches {} ms (on all connections: reading {} ms,"
                    + " statements {} ms), in-doubt marks {} ms, acknowledgements {} ms, destination and the rest {} ms",
                request.jobId(), (System.nanoTime() - plannedAt) / 1_000_000, reading / 1_000_000,
                readNanos / 1_000_000, queryNanos / 1_000_000, markNanos / 1_000_000, ackNanos / 1_000_000,
                (System.nanoTime() - plannedAt - reading - markNanos - ackNanos) / 1_000_000);
        }
        session.transaction("record the run of sync job '" + request.jobId() + "'", c -> {
            if (first && firstStarted) {
                String[] state = JobsTable.firstSync(c, tables, request.jobId());
                if (state != null) {
                    completeFirstSync(c, sql, request.jobId(), state[0], state[1], false, true, batchTo, null);
                }
            }
            var counts = result.counts();
            Sql.execute(c, DSL.insertInto(DSL.table(tables.runsName()),
                    DSL.field(DSL.name("run_id")), DSL.field(DSL.name("job_id")), DSL.field(DSL.name("started_at")),
                    DSL.field(DSL.name("finished_at")), DSL.field(DSL.name("status")), DSL.field(DSL.name("planned")),
                    DSL.field(DSL.name("delivered")), DSL.field(DSL.name("rejected")), DSL.field(DSL.name("skipped")),
                    DSL.field(DSL.name("in_doubt")), DSL.field(DSL.name("invalid")), DSL.field(DSL.name("error")))
                .values(DSL.val((Object) result.runId()), DSL.val((Object) result.jobId()),
                    DSL.val((Object) result.startedAt().atOffset(java.time.ZoneOffset.UTC)),
                    DSL.val((Object) result.finishedAt().atOffset(java.time.ZoneOffset.UTC)),
                    DSL.val((Object) result.status().name()), DSL.val((Object) counts.planned()),
                    DSL.val((Object) counts.delivered()), DSL.val((Object) counts.rejected()),
                    DSL.val((Object) counts.skipped()), DSL.val((Object) counts.inDoubt()),
                    DSL.val((Object) counts.invalidTotal()),
                    DSL.val((Object) (result.error() == null ? null : String.valueOf(result.error().getMessage())))));
            Sql.execute(c, DSL.update(DSL.table(tables.jobsName()))
                .set(DSL.field(DSL.name("last_run_at")), (Object) result.finishedAt().atOffset(java.time.ZoneOffset.UTC))
                .set(DSL.field(DSL.name("last_status")), (Object) result.status().name())
                .where(DSL.field(DSL.name("job_id")).eq(DSL.val((Object) result.jobId()))));
            Sql.execute(c, sql.plan().dropPlan());
            return null;
        });
        finished = true;
        long changes = plan.count(ChangeKind.ADDED) + plan.count(ChangeKind.CHANGED) + plan.count(ChangeKind.REMOVED);
        if (result.counts().delivered() > 0 && changes >= 1000 && changes * 10 >= plan.total()) {
            try {
                session.transaction("analyze the snapshot of sync job '" + request.jobId() + "'", c -> {
                    Sql.fetch(c, sql.plan().smallStatisticsTarget(), rs -> null);
                    Sql.execute(c, sql.snapshot().analyzeSnapshot());
                    return null;
                });
            } catch (RuntimeException e) {
                // Only the next plan's speed depends on it; autovacuum analyzes the snapshot later anyway.
                log.info("Sync job '{}': statistics of the snapshot not gathered now: {}", request.jobId(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            closeReader();
            if (!finished) {
                dropPlanQuietly();
            }
            lock.release(session);
        } finally {
            session.close();
        }
    }
}
