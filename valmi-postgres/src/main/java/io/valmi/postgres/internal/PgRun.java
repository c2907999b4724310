package io.valmi.postgres.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Plan;
import io.valmi.Rejection;
import io.valmi.RowLayout;
import io.valmi.RunRequest;
import io.valmi.SourceColumn;
import io.valmi.SourceException;
import io.valmi.SourceRun;
import io.valmi.SyncResult;
import io.valmi.postgres.internal.FirstSyncReader.Fetched;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One planned run of a PostgreSQL source, handing out batches in key order and recording what the destination
 * acknowledged. What is common to its two delivery modes lives here: the batches out ({@link BatchesOut}; several may
 * be, answered in any order), rejections matched to their batch, the lock check before a write, the run record and
 * closing; {@link PlanTableRun} reads batches from a plan table, {@link FirstSyncRun} straight from the source. See
 * {@code docs/internals.md#the-run-protocol}.
 */
abstract class PgRun implements SourceRun {
    /** Runs log under the public source's name: what they say is about the source, not about this class. */
    static final Logger log = Logs.SOURCE;

    final Session session;
    private final JobLock lock;
    final RunStatements sql;
    final RunRequest request;
    Plan plan;
    final RowLayout layout;

    /**
     * How recently a transaction of the run's own session (which holds the job lock) must have begun for the first
     * write of a batch to start without checking the lock; every lease a later run gives adds it. See
     * {@code docs/internals.md#fencing-a-run-that-lost-its-lock-cannot-undo-a-later-one}.
     */
    static final Duration LOCK_PROOF_WINDOW = Duration.ofMillis(200);

    /** The last key handed out (text form), where the next batch starts. */
    @Nullable String lastKeyText;
    /** The batches handed out and not yet settled. */
    final BatchesOut out;
    boolean exhausted;
    private boolean finished;

    /** Where a run's time goes, logged at debug level when it finishes (for the benchmark and for tuning). */
    long readNanos;
    /** Of {@link #readNanos}: until the batch's statement returned its first rows (the server's part, mostly). */
    long queryNanos;
    long markNanos;
    long ackNanos;
    private final long plannedAt = System.nanoTime();
    /** How long the job's runs and sync log are kept ({@code ZERO}: for ever); pruned when the run has finished. */
    private Duration historyRetention = Duration.ZERO;

    PgRun(Session session, JobLock lock, RunStatements sql, RunRequest request, Plan plan) {
        this.session = session;
        this.lock = lock;
        this.sql = sql;
        this.request = request;
        this.plan = plan;
        this.layout = new RowLayout(request.mapping().destinationFields());
        this.out = new BatchesOut(request.jobId());
    }

    /**
     * The lease a run gives keys that an earlier run may still write: the write timeout, and the
     * {@linkplain #LOCK_PROOF_WINDOW window} in which a write may start after the lock was last proven held.
     *
     * @param writeTimeout the request's write timeout
     * @return the lease
     */
    static Duration lease(Duration writeTimeout) {
        return writeTimeout.plus(LOCK_PROOF_WINDOW);
    }

    /**
     * Sets how long the job's run history and sync log are kept: {@link #finish} deletes what is older.
     *
     * @param retention how long; {@code ZERO} keeps them for ever
     */
    final void keepHistoryFor(Duration retention) {
        this.historyRetention = retention;
    }

    @Override
    public Plan plan() {
        return plan;
    }

    /** The key column, then the mapped columns in mapping order, with their declared types (not known: nullable). */
    @Override
    public List<SourceColumn> columns() {
        List<SourceColumn> columns = new ArrayList<>(sql.shape().mapped().size() + 1);
        columns.add(new SourceColumn(sql.shape().key().name(), sql.shape().key().type().declared(), true));
        for (RunShape.MappedColumn column : sql.shape().mapped()) {
            columns.add(new SourceColumn(column.name(), column.type().declared(), true));
        }
        return columns;
    }

    /**
     * The key order of the relation's key column, when Java reproduces it ({@link KeyOrder}); a transaction of catalog
     * queries for a text key only.
     */
    @Override
    public Optional<Comparator<Object>> keyOrder() {
        if (KeyOrder.needsCollation(sql.shape())) {
            return session.transaction("read the collation of the key of sync job '" + jobId() + "'",
                c -> KeyOrder.byCollation(c, sql.shape()));
        }
        return KeyOrder.byType(sql.shape());
    }

    /** The job's id, for messages. */
    final String jobId() {
        return request.jobId();
    }

    /**
     * Records a batch as handed out (called once it may be: its keys are marked in doubt).
     *
     * @param f the batch as read
     * @param from where its range starts (exclusive): the key before its first, or {@code null}; in a first sync in
     *     physical order, a row address
     * @return the changes to hand out (none: the run is exhausted)
     */
    final List<Change> accept(Fetched f, @Nullable String from) {
        readNanos += f.readNanos();
        queryNanos += f.queryNanos();
        List<Change> batch = f.changes();
        String last = f.to();
        if (batch.isEmpty() || last == null) {
            exhausted = true;
            return List.of();
        }
        out.add(from, last, batch, f.keyTexts()).hashes = f.hashes();
        lastKeyText = last;
        return Collections.unmodifiableList(batch);
    }

    /**
     * The rejected changes of an acknowledgement, by their keys' text forms.
     *
     * @param keyTexts the rejected keys' text forms, same order as {@code reasons}
     * @param reasons why each was rejected
     */
    record Rejected(List<String> keyTexts, List<String> reasons) {
        boolean any() {
            return !keyTexts.isEmpty();
        }
    }

    /**
     * The acknowledgement's rejections, matched to its batch by the batch's own key objects (the runner hands them
     * back as the batch holds them).
     *
     * @param b the batch acknowledged
     * @param ack the acknowledgement
     * @return the rejected keys' text forms and reasons
     */
    final Rejected rejected(BatchesOut.Batch b, Acknowledgement ack) {
        List<String> texts = new ArrayList<>(ack.rejections().size());
        List<String> reasons = new ArrayList<>(ack.rejections().size());
        if (ack.rejections().isEmpty()) {
            return new Rejected(texts, reasons);
        }
        List<Change> changes = Objects.requireNonNull(b.changes());
        List<String> keyTexts = Objects.requireNonNull(b.keyTexts());
        Map<Object, String> byKey = new HashMap<>();
        for (int i = 0; i < changes.size(); i++) {
            byKey.put(changes.get(i).key(), keyTexts.get(i));
        }
        for (Rejection r : ack.rejections()) {
            String text = byKey.get(r.key());
            if (text == null) {
                throw new IllegalStateException("Rejected key " + r.key() + " is not in the acknowledged batch of sync"
                    + " job '" + jobId() + "': the runner acknowledges only keys of the batch, as the batch holds them");
            }
            texts.add(text);
            reasons.add(r.reason());
        }
        return new Rejected(texts, reasons);
    }

    /**
     * Before each write attempt (the attempts are noted: the rejections of a batch written more than once are kept in
     * doubt, see {@link BatchesOut.Batch#writtenAgain()}): a retry, or a first attempt when no transaction of the run's session began within
     * {@link #LOCK_PROOF_WINDOW}, checks that the run still holds its lock. A batch handed out just now was marked in a
     * transaction of that session (a plan-table run), or follows the acknowledgement of the batch before it (a first
     * sync): with one batch out at a time the first attempt needs no check. See
     * {@code docs/internals.md#fencing-a-run-that-lost-its-lock-cannot-undo-a-later-one}.
     */
    @Override
    public final void beforeWrite(List<Change> batch, int attempt) {
        BatchesOut.Batch b = out.lookup(batch);
        if (b != null) {
            b.attempt(attempt);
        }
        if (attempt > 1 || !session.committedWithin(LOCK_PROOF_WINDOW.toNanos())) {
            checkLockHeld();
        }
    }

    /**
     * Checks that the run still holds its job lock: it lives as long as the session's connection, and once that has
     * died another run may have started, so no write of this run may start
     * ({@code docs/internals.md#in-doubt-marks-fencing-and-leases}).
     */
    final void checkLockHeld() {
        try {
            session.run("check that sync job '" + jobId() + "' still holds its lock",
                c -> Sql.select(c, DSL.selectOne()));
        } catch (SourceException e) {
            throw new SourceException("Sync job '" + jobId() + "' lost its lock (its connection to"
                + " PostgreSQL ended, so another run may have started): no write of this run starts, and the batch's"
                + " keys stay in doubt for the next run. " + e.getMessage(), e, true, e.sqlState());
        }
    }

    /**
     * Records that writing a batch failed: its keys are put in doubt in the snapshot now (no lease: this run's write
     * has returned); if that fails too (the connection is gone, say), the batch stays out, its keys marked in doubt,
     * and the next run puts them in doubt (see {@link #onNotPutInDoubt()}).
     */
    @Override
    public final void markInDoubt(List<Change> batch) {
        if (batch.isEmpty()) {
            return;
        }
        BatchesOut.Batch b = out.find(batch);
        settleReads();
        try {
            session.run("put the keys of a failed batch of sync job '" + jobId() + "' in doubt",
                c -> putBatchInDoubt(c, b));
            putInDoubt(b);
        } catch (RuntimeException e) {
            log.warn("Sync job '{}': could not record the keys of the failed batch in the snapshot now ({}); {}",
                jobId(), e.toString(), onNotPutInDoubt());
        }
        log.info("Sync job '{}': {} changes (keys {} to {}) stay in doubt and are offered again next run",
            jobId(), batch.size(), b.from == null ? "start" : b.from, b.to);
    }

    /** Waits for whatever reads on before a batch is put in doubt. */
    void settleReads() {
    }

    /**
     * Puts a batch's keys in doubt in the snapshot, in the caller's transaction.
     *
     * @param c the connection, in a transaction
     * @param b the batch
     * @throws SQLException on failure
     */
    abstract void putBatchInDoubt(Connection c, BatchesOut.Batch b) throws SQLException;

    /**
     * Called once a batch's keys were put in doubt (the transaction committed).
     *
     * @param b the batch
     */
    abstract void putInDoubt(BatchesOut.Batch b);

    /**
     * Called when a batch's keys could not be put in doubt now.
     *
     * @return what happens to the keys, for the end of the log line that says so
     */
    abstract String onNotPutInDoubt();

    /** How long the run spent getting its batches (for the debug log of where the time went). */
    abstract long readingNanos();

    /**
     * Settles the delivery mode's own state at the end of the run, in the transaction that records it.
     *
     * @param c the connection, in a transaction
     * @throws SQLException on failure
     */
    abstract void settle(Connection c) throws SQLException;

    /** Stops whatever reads on for the run; called before the run is recorded and when it is closed. */
    void stopReading() {
    }

    @Override
    public void finish(SyncResult result) {
        stopReading();
        List<BatchesOut.Batch> unanswered = out.unanswered();
        if (!unanswered.isEmpty()) {
            int changes = unanswered.stream().mapToInt(b -> b.size).sum();
            log.info("Sync job '{}': {} batches ({} changes) were handed out and not answered (their writes were"
                    + " abandoned, or their answers not recorded); their keys stay in doubt, under a lease of {} ms, and"
                    + " are offered again", jobId(), unanswered.size(), changes, lease(request.writeTimeout()).toMillis());
        }
        if (log.isDebugEnabled()) {
            long reading = readingNanos();
            log.debug("Sync job '{}' delivered in {} ms: reading batches {} ms (on all connections: reading {} ms,"
                    + " statements {} ms), in-doubt marks {} ms, acknowledgements {} ms, destination and the rest {} ms",
                jobId(), (System.nanoTime() - plannedAt) / 1_000_000, reading / 1_000_000,
                readNanos / 1_000_000, queryNanos / 1_000_000, markNanos / 1_000_000, ackNanos / 1_000_000,
                (System.nanoTime() - plannedAt - reading - markNanos - ackNanos) / 1_000_000);
        }
        session.run("record the run of sync job '" + jobId() + "'", c -> {
            settle(c);
            RunsTable.record(c, sql.shape().tables(), result);
            Sql.execute(c, sql.plan().dropPlan());
        });
        finished = true;
        pruneHistory();
        long changes = plan.count(ChangeKind.ADDED) + plan.count(ChangeKind.CHANGED) + plan.count(ChangeKind.REMOVED);
        if (result.counts().delivered() > 0 && changes >= 1000 && changes * 10 >= plan.total()) {
            try {
                session.run("analyze the snapshot of sync job '" + jobId() + "'", c -> {
                    Sql.select(c, sql.plan().smallStatisticsTarget());
                    Sql.execute(c, sql.snapshot().analyzeSnapshot());
                });
            } catch (RuntimeException e) {
                // Only the next plan's speed depends on it; autovacuum analyzes the snapshot later anyway.
                log.info("Sync job '{}': statistics of the snapshot not gathered now: {}", jobId(), e.toString());
            }
        }
    }

    /**
     * Deletes the job's runs and sync log rows older than the retention, in a transaction of its own after the run is
     * recorded (a failure is only logged: the next run prunes again). Each statement reads the job's rows by age
     * through an index, so a run that finds nothing to delete pays two index probes.
     */
    private void pruneHistory() {
        if (historyRetention.isZero()) {
            return;
        }
        JobTables tables = sql.shape().tables();
        try {
            Pruned pruned = session.transaction("prune the history of sync job '" + jobId() + "'",
                c -> new Pruned(Sql.execute(c, RunsTable.prune(tables, jobId(), historyRetention)),
                    Sql.execute(c, SyncLogTable.prune(tables, jobId(), historyRetention))));
            if (pruned.runs() > 0 || pruned.logRows() > 0) {
                log.debug("Sync job '{}': pruned {} runs and {} sync log rows older than {}", jobId(), pruned.runs(),
                    pruned.logRows(), historyRetention);
            }
        } catch (RuntimeException e) {
            log.info("Sync job '{}': its history was not pruned now (the next run tries again): {}", jobId(),
                e.toString());
        }
    }

    /** How many rows a prune deleted. */
    private record Pruned(long runs, long logRows) {
    }

    @Override
    public void close() {
        try {
            stopReading();
            if (!finished) {
                dropPlanQuietly();
            }
            lock.release(session);
        } finally {
            session.close();
        }
    }

    private void dropPlanQuietly() {
        try {
            session.transaction("drop the plan of sync job '" + jobId() + "'",
                c -> Sql.execute(c, sql.plan().dropPlan()));
        } catch (RuntimeException e) {
            log.debug("Could not drop the plan of sync job '{}' (the next run replaces it): {}", jobId(), e.toString());
        }
    }
}
