package io.valmi.postgres.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Plan;
import io.valmi.RunPath;
import io.valmi.RunRequest;
import io.valmi.SourceMode;
import io.valmi.postgres.internal.FirstSyncReader.Fetched;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jooq.Query;
import org.jspecify.annotations.Nullable;

/**
 * A run that reads its batches from a plan table: the plan is made when the run starts (one statement over the
 * source); batches are read from it in key order (keyset paging, one short transaction per batch, no transaction held
 * while the destination works), marked in doubt before they are handed out, and applied to the snapshot when
 * acknowledged. See {@code docs/internals.md#plan} and {@code docs/internals.md#hand-out}.
 */
final class PlanTableRun extends PgRun {
    /** A plan kind whose rows had no snapshot row when the run was planned: {@code A} + this. */
    private static final String NEW = "+new";

    private final List<String> deliverKinds = new ArrayList<>();
    private final List<String> markKinds = new ArrayList<>();
    private final List<String> applyKinds = new ArrayList<>();
    private final boolean deliverRemoved;
    private final boolean applyNew;
    private final boolean applyKnown;
    private final boolean markAny;
    /** The rejection streaks, which each acknowledgement lengthens or ends ({@code docs/internals.md#quarantine}). */
    private final Quarantine quarantine;

    private PlanTableRun(Session session, JobLock lock, RunStatements sql, RunRequest request, Plan plan,
                         Set<String> present, Quarantine quarantine) {
        super(session, lock, sql, request, plan);
        this.quarantine = quarantine;
        for (ChangeKind kind : request.deliver()) {
            deliverKinds.add(PlanTable.letter(kind));
            // Every key handed out is marked, unchanged ones too: a write of this run that lands late (after the run
            // lost its lock, and a later run sent the key's new value or its removal) would undo that run's work.
            markKinds.add(PlanTable.letter(kind));
            if (kind == ChangeKind.UNCHANGED && request.mapping().sourceMode() != SourceMode.INCREMENTAL) {
                deliverKinds.add(JobTables.TOUCHED);
                markKinds.add(JobTables.TOUCHED);
            }
            if (kind == ChangeKind.ADDED || kind == ChangeKind.CHANGED) {
                applyKinds.add(PlanTable.letter(kind));
            }
        }
        Collections.sort(deliverKinds);
        this.deliverRemoved = request.deliver().contains(ChangeKind.REMOVED) && present.contains(JobTables.REMOVED);
        this.applyNew = applyKinds.stream().anyMatch(k -> present.contains(k + NEW));
        this.applyKnown = applyKinds.stream().anyMatch(present::contains);
        this.markAny = markKinds.stream().anyMatch(k -> present.contains(k) || present.contains(k + NEW));
    }

    /**
     * Plans a run: creates the plan table, records invalid rows, counts.
     *
     * @param session the run's session
     * @param lock the job's lock
     * @param sql the job's statements
     * @param request the request
     * @param checkDuplicates whether the key may hold duplicates
     * @param bookkeeping the bookkeeping schema, to hand the plan table to its owner
     * @return the planned run
     */
    static PlanTableRun plan(Session session, JobLock lock, RunStatements sql, RunRequest request,
                             boolean checkDuplicates, BookkeepingSchema.State bookkeeping) {
        boolean incremental = request.mapping().sourceMode() == SourceMode.INCREMENTAL;
        // A mode without removals plans a key's removal once (counted, skipped) and leaves it out after that.
        boolean skipGone = !request.mapping().destinationMode().sends(ChangeKind.REMOVED);
        long started = System.nanoTime();
        // Which plan kinds occur, with (kind) or without (kind + NEW) a snapshot row: statements for kinds that do
        // not occur are left out of every batch (e.g. the upsert and the delete of a first sync).
        Set<String> present = new HashSet<>();
        Quarantine quarantine = new Quarantine(sql, request);
        Plan plan = session.transaction("plan sync job '" + request.jobId() + "'", c -> {
            Sql.execute(c, sql.plan().dropPlan());
            Sql.select(c, sql.plan().planSettings());
            quarantine.look(c);
            long planRows = Sql.execute(c, sql.plan().createPlan(incremental, checkDuplicates, skipGone,
                quarantine.candidates()));
            bookkeeping.share(c, sql.shape().tables().planName());
            if (planRows > 0) {
                // (An empty plan, the usual incremental run of a quiet table, is neither indexed nor analyzed.)
                Sql.execute(c, sql.plan().indexPlan());
                Sql.select(c, sql.plan().smallStatisticsTarget());
                Sql.execute(c, sql.plan().analyzePlan());
            }
            for (Query q : sql.issues().recordInvalid(request.runId())) {
                Sql.execute(c, q);
            }
            quarantine.afterPlan(c);
            present.clear();
            long quarantined = 0;
            long knownInPlan = 0;
            EnumMap<ChangeKind, Long> counts = new EnumMap<>(ChangeKind.class);
            EnumMap<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
            for (PlanTable.KindCount row : planRows == 0 ? List.<PlanTable.KindCount>of() : Sql.fetch(c,
                sql.plan().countPlan(), rs -> new PlanTable.KindCount(rs.getString(1), rs.getLong(2), rs.getLong(3)))) {
                if (row.known() > 0) {
                    present.add(row.kind());
                }
                knownInPlan += row.known();
                if (row.rows() > row.known()) {
                    present.add(row.kind() + NEW);
                }
                if (row.kind().equals(JobTables.NULL_KEY)) {
                    invalid.put(InvalidReason.NULL_KEY, row.rows());
                } else if (row.kind().equals(JobTables.DUPLICATE_KEY)) {
                    invalid.put(InvalidReason.DUPLICATE_KEY, row.rows());
                } else if (row.kind().equals(JobTables.QUARANTINED)) {
                    quarantined = row.rows();
                } else if (!(incremental && row.kind().equals(JobTables.TOUCHED))) {
                    // (An incremental plan keeps touched rows only to record their version: they are not planned.)
                    counts.merge(PlanTable.kind(row.kind()), row.rows(), Long::sum);
                }
            }
            if (skipGone && (present.contains(JobTables.REMOVED) || present.contains(JobTables.REMOVED + NEW))) {
                Sql.execute(c, sql.plan().recordGone());
            }
            if (present.contains(JobTables.TOUCHED)) {
                // Unchanged rows with a new version: the snapshot learns it now, so they are not hashed next time.
                Sql.execute(c, sql.plan().recordTouched());
            }
            List<InvalidRow> samples = IssuesTable.samples(c, sql.issues(), request);
            // The base of the removal guards and, in incremental mode, of the invalid-row guard. A full-table plan
            // holds every snapshot row (its count is the plan's rows that had one); an incremental plan leaves
            // unchanged rows out, so the snapshot is counted, but only when a guard can use the number: removals
            // planned that may be sent (or a dry run), or invalid rows (Plan.knownKeys may be 0 otherwise).
            long known;
            if (!incremental && !skipGone && !invalid.containsKey(InvalidReason.DUPLICATE_KEY)) {
                // (A duplicated key joins its snapshot row once per source row: then the snapshot is counted.)
                known = knownInPlan;
            } else {
                // (A dry run, SyncRunner.plan, delivers nothing: its plan is read by a person, who sees the number.)
                boolean dryRun = request.deliver().isEmpty();
                boolean removalsMatter = request.deliver().contains(ChangeKind.REMOVED)
                    && counts.getOrDefault(ChangeKind.REMOVED, 0L) > 0;
                known = dryRun || removalsMatter || !invalid.isEmpty() || (!incremental && !skipGone)
                    ? Sql.fetch(c, sql.snapshot().countSnapshot(skipGone), rs -> rs.getLong(1)).get(0) : 0L;
            }
            return new Plan(counts, invalid, samples, known, quarantined);
        });
        log.debug("Planned sync job '{}' in {} ms: {}", request.jobId(), (System.nanoTime() - started) / 1_000_000,
            plan.counts());
        quarantine.report(plan);
        return new PlanTableRun(session, lock, sql, request, plan, present, quarantine);
    }

    /**
     * {@code plan/row-versions} when the plan trusted the rows' versions, {@code plan/hash-all} when it hashed every row
     * ({@code docs/internals.md#row-versions}).
     */
    @Override
    public RunPath path() {
        if (sql.shape().versioned()) {
            return new RunPath("plan/row-versions", "a plan table: the source compared with the snapshot, rows whose"
                + " row version (xmin) is the recorded one trusted without being read, the others hashed");
        }
        return new RunPath("plan/hash-all", "a plan table: the source compared with the snapshot, every row hashed,"
            + " because the relation's row versions cannot be trusted (a view or foreign table, a mapped column whose"
            + " text can change without a new row version, or no privilege to read xmin)");
    }

    @Override
    public List<Change> nextBatch(int maxSize) {
        if (exhausted || deliverKinds.isEmpty()) {
            return List.of();
        }
        String from = lastKeyText;
        int number = out.nextNumber();
        Fetched f = session.transaction("read the next batch of sync job '" + jobId() + "'", c -> {
            Fetched read = read(c, from, maxSize);
            if (!read.changes().isEmpty() && markAny) {
                long marked = System.nanoTime();
                // (The batch's own row of marks: the batches out before it keep theirs, whatever their answers.)
                Sql.execute(c, sql.marks().markInDoubt(jobId(), request.runId(), number, markKinds, from,
                    Objects.requireNonNull(read.to())));
                markNanos += System.nanoTime() - marked;
            }
            return read;
        });
        if (f.changes().size() < maxSize) {
            // (Keyset paging: a batch shorter than asked for is the last one.)
            exhausted = true;
        }
        return accept(f, from);
    }

    /** Reads the batch after {@code from} from the plan table, in the caller's transaction. */
    private Fetched read(Connection c, @Nullable String from, int maxSize) throws SQLException {
        long started = System.nanoTime();
        List<Change> batch = new ArrayList<>(Math.min(maxSize, 10_000));
        List<String> keyTexts = new ArrayList<>(Math.min(maxSize, 10_000));
        BatchDecoder decoder = new BatchDecoder(sql.shape(), layout);
        long queryTime;
        try (PreparedStatement ps = Sql.prepare(c, sql.plan().nextBatch(deliverKinds, from, maxSize), false)) {
            ps.setFetchSize(Math.min(maxSize, 10_000));
            long queried = System.nanoTime();
            try (ResultSet rs = ps.executeQuery()) {
                queryTime = System.nanoTime() - queried;
                while (rs.next()) {
                    ChangeKind kind = PlanTable.kind(rs.getString(BatchDecoder.KIND));
                    Object key = decoder.key(rs);
                    keyTexts.add(rs.getString(BatchDecoder.KEY_TEXT));
                    batch.add(decoder.change(kind, key, kind == ChangeKind.REMOVED ? null : decoder.values(rs)));
                }
            }
        }
        return new Fetched(batch, keyTexts, System.nanoTime() - started, queryTime, null);
    }

    @Override
    public void acknowledge(Acknowledgement ack) {
        if (ack.batch().isEmpty()) {
            return;
        }
        BatchesOut.Batch b = out.find(ack.batch());
        String to = b.to;
        String from = b.from;
        Rejected rejected = rejected(b, ack);
        // Rejected changes are left out: the snapshot was not touched for them, so they keep their earlier state.
        long started = System.nanoTime();
        session.run("record the acknowledged batch of sync job '" + jobId() + "'", c -> {
            Sql.select(c, sql.snapshot().ackSettings());
            if (applyNew) {
                Sql.execute(c, sql.snapshot().insertNewKeys(applyKinds, from, to, rejected.keyTexts()));
            }
            if (applyKnown) {
                Sql.execute(c, sql.snapshot().updateKnownKeys(applyKinds, from, to, rejected.keyTexts()));
            }
            if (deliverRemoved) {
                for (Query q : sql.snapshot().applyRemoved(from, to, rejected.keyTexts())) {
                    Sql.execute(c, q);
                }
            }
            if (markAny) {
                Sql.execute(c, sql.marks().clearInDoubt(jobId(), request.runId(), b.number));
            }
            if (rejected.any() && b.writtenAgain()) {
                // An earlier attempt (or a part of the batch split off) failed and may have been applied: the
                // rejected keys are in doubt, not back to their state before.
                Sql.execute(c, sql.marks().foldRejected(from, to, rejected.keyTexts()));
            }
            for (Query q : quarantine.recordAnswer(deliverKinds, from, to, rejected)) {
                Sql.execute(c, q);
            }
            if (request.syncLog()) {
                Sql.execute(c, sql.log().planBatch(jobId(), request.runId(), deliverKinds, from, to, rejected));
            }
        });
        out.remove(b, BatchesOut.Fate.ACKNOWLEDGED);
        ackNanos += System.nanoTime() - started;
    }

    /** The keys marked before the hand-out are put in doubt in the snapshot, and the batch's marks deleted. */
    @Override
    void putBatchInDoubt(Connection c, BatchesOut.Batch b) throws SQLException {
        if (markAny) {
            Sql.execute(c, sql.marks().foldInDoubt(jobId(), request.runId(), b.number));
            Sql.execute(c, sql.marks().clearInDoubt(jobId(), request.runId(), b.number));
        }
    }

    @Override
    void putInDoubt(BatchesOut.Batch b) {
        out.remove(b, BatchesOut.Fate.IN_DOUBT);
    }

    @Override
    String onNotPutInDoubt() {
        return "they stay marked in the marks table, and the next run puts them in doubt when it starts";
    }

    @Override
    long readingNanos() {
        return readNanos;
    }

    /**
     * Batches still out (their writes were abandoned, or their answers could not be recorded) keep their marks: the
     * next run puts their keys in doubt under a lease, as after a crash. (The plan table is dropped when the run is
     * recorded.)
     */
    @Override
    void settle(Connection c) {
    }
}
