package io.valmi.postgres.internal;

import io.valmi.SourceException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The batches of a first sync, in key order, read ahead on up to {@value #DEPTH} extra connections while the
 * destination writes the current one.
 *
 * <p>Each batch is a key range {@code (lo, hi]}: {@code hi} is found first by the key's index (the key
 * {@code maxSize} places after {@code lo}, a cheap index-only read), so that the following ranges can be read at
 * the same time, each in a transaction that reads it ({@link PlanSql#firstBatch}) and writes its snapshot rows.
 * Ranges are handed out strictly in key order. A range that gained rows since its bound was found comes back cut at
 * {@code maxSize} rows; the rest of it (a gap) is read on the run's own connection before the next range is handed
 * out, so no row in between is skipped.
 *
 * <p>Rows of ranges read but not yet handed out lie in the snapshot above the last acknowledged key: if the run
 * ends early they count as in doubt, and a run that finishes deletes them ({@code PgRun.completeFirstSync}).
 * {@link #settle()} waits for every range being read, so that nothing is written after the run records its end.
 */
final class FirstSyncReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FirstSyncReader.class);

    /** How many ranges may be read ahead at once, each on its own connection. */
    static final int DEPTH = 2;

    /** Reads the rows of a range in the caller's transaction. */
    @FunctionalInterface
    interface Fetcher {
        /**
         * Reads.
         *
         * @param c the connection, in a transaction
         * @param lo the exclusive start, or {@code null} for the first key
         * @param hi the inclusive end
         * @return the batch, at most {@code maxSize} rows
         * @throws SQLException on failure
         */
        Fetched fetch(Connection c, @Nullable String lo, String hi) throws SQLException;
    }

    /** A batch as read: its changes, their keys' text forms (same order), and the time it took. */
    record Fetched(List<io.valmi.Change> changes, List<String> keyTexts, long readNanos, long queryNanos) {
        @Nullable String last() {
            return keyTexts.isEmpty() ? null : keyTexts.get(keyTexts.size() - 1);
        }
    }

    /** A batch ready to be handed out: its range's exclusive start and its rows. */
    record Batch(@Nullable String from, Fetched fetched) {
    }

    private record InFlight(@Nullable String lo, String hi, Future<Fetched> future) {
    }

    private final Session main;
    private final PlanSql sql;
    private final String upTo;
    private final int maxSize;
    private final Fetcher fetcher;
    private final String jobId;
    private final long openTimeoutMs;
    private @Nullable Supplier<Session> opener;
    private final List<Session> readers = new ArrayList<>();
    private final BlockingQueue<Session> idle = new LinkedBlockingQueue<>();
    private @Nullable ExecutorService threads;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

    /** Everything up to here (inclusive) has been handed out; {@code null}: nothing yet. */
    private @Nullable String coveredTo;
    private boolean coveredAll;
    /** Ranges up to here have been scheduled. */
    private @Nullable String scheduledTo;
    private boolean scheduledAll;

    /**
     * A reader.
     *
     * @param main the run's session
     * @param opener opens a read-ahead connection, or {@code null} to read one batch after the other on {@code main}
     * @param sql the job's statements
     * @param upTo the highest key at planning
     * @param maxSize the batch size
     * @param fetcher reads a range
     * @param jobId the job, for messages
     */
    FirstSyncReader(Session main, @Nullable Supplier<Session> opener, PlanSql sql, String upTo, int maxSize,
                    Fetcher fetcher, String jobId) {
        this(main, opener, sql, upTo, maxSize, fetcher, jobId, OPEN_TIMEOUT_MS);
    }

    /** As above, with another limit for opening a read-ahead connection (for tests). */
    FirstSyncReader(Session main, @Nullable Supplier<Session> opener, PlanSql sql, String upTo, int maxSize,
                    Fetcher fetcher, String jobId, long openTimeoutMs) {
        this.openTimeoutMs = openTimeoutMs;
        this.main = main;
        this.opener = opener;
        this.sql = sql;
        this.upTo = upTo;
        this.maxSize = maxSize;
        this.fetcher = fetcher;
        this.jobId = jobId;
    }

    /**
     * The next batch in key order, its snapshot rows committed.
     *
     * @return the batch, or {@code null} when every key up to the highest at planning was handed out
     */
    @Nullable Batch next() {
        while (true) {
            schedule();
            String lo = coveredTo;
            Fetched f;
            String hi;
            if (inFlight.isEmpty()) {
                if (coveredAll) {
                    return null;
                }
                hi = upTo;
                f = main.transaction("read the next batch of sync job '" + jobId + "'", c -> fetcher.fetch(c, lo, upTo));
            } else if (!Objects.equals(inFlight.peek().lo(), lo)) {
                // The last range came back cut (rows were added to it): read the rest of it first.
                hi = Objects.requireNonNull(inFlight.peek().lo());
                String gapEnd = hi;
                f = main.transaction("read the next batch of sync job '" + jobId + "'", c -> fetcher.fetch(c, lo, gapEnd));
            } else {
                InFlight head = inFlight.poll();
                hi = head.hi();
                f = await(head.future());
            }
            boolean cut = f.changes().size() >= maxSize && !hi.equals(f.last());
            coveredTo = cut ? f.last() : hi;
            coveredAll = !cut && hi.equals(upTo);
            if (!f.changes().isEmpty()) {
                return new Batch(lo, f);
            }
        }
    }

    /** Tops up the ranges being read ahead. */
    private void schedule() {
        if (scheduledAll || (opener == null && readers.isEmpty())) {
            return;
        }
        if (scheduledTo == null) {
            scheduledTo = coveredTo;
        }
        while (inFlight.size() < DEPTH && !scheduledAll) {
            if (!ensureReader()) {
                return;
            }
            String lo = scheduledTo;
            String bound = main.transaction("find the next batch's range of sync job '" + jobId + "'",
                c -> Sql.fetch(c, sql.boundAfter(lo, upTo, maxSize), rs -> rs.getString(1)).stream().findFirst()
                    .orElse(null));
            String hi = bound == null ? upTo : bound;
            Map<String, String> mdc = MDC.getCopyOfContextMap();
            Future<Fetched> future = Objects.requireNonNull(threads).submit(() -> {
                if (mdc != null) {
                    MDC.setContextMap(mdc);
                }
                Session reader = idle.take();
                try {
                    return reader.transaction("read ahead a batch of sync job '" + jobId + "'",
                        c -> fetcher.fetch(c, lo, hi));
                } finally {
                    idle.add(reader);
                    MDC.clear();
                }
            });
            inFlight.add(new InFlight(lo, hi, future));
            scheduledTo = hi;
            scheduledAll = hi.equals(upTo);
        }
    }

    /**
     * Opens read-ahead connections up to {@link #DEPTH}; whether there is at least one. Each is waited for at most
     * {@link #OPEN_TIMEOUT_MS} by default (a pool that has none to spare may block its callers for long, or for ever): the run
     * then reads with what it has, and a connection that arrives later is closed at once.
     */
    private boolean ensureReader() {
        Supplier<Session> open = opener;
        opener = null;
        if (open == null) {
            return !readers.isEmpty();
        }
        threads = Executors.newFixedThreadPool(DEPTH, r -> {
            Thread t = new Thread(r, "valmi-read-ahead-" + jobId);
            t.setDaemon(true);
            return t;
        });
        while (readers.size() < DEPTH) {
            CompletableFuture<Session> opening = CompletableFuture.supplyAsync(() -> {
                Session reader = open.get();
                try {
                    reader.stayWhileIdle();
                } catch (RuntimeException e) {
                    reader.close();
                    throw e;
                }
                return reader;
            }, Objects.requireNonNull(threads));
            try {
                Session reader = opening.get(openTimeoutMs, TimeUnit.MILLISECONDS);
                readers.add(reader);
                idle.add(reader);
            } catch (TimeoutException | ExecutionException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                opening.thenAccept(Session::close);
                log.info("Sync job '{}': {} connection(s) for reading ahead ({}); no more are opened", jobId,
                    readers.size(), e instanceof ExecutionException ? e.getCause().toString() : e.toString());
                break;
            }
        }
        return !readers.isEmpty();
    }

    /** How long opening a read-ahead connection may take. */
    static final long OPEN_TIMEOUT_MS = 5_000;

    private Fetched await(Future<Fetched> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The read must end before anything else happens to the job: wait it out, then tell the caller.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new SourceException("Could not read ahead a batch of sync job '" + jobId + "': " + cause, cause, true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for every range being read (their rows are then in the snapshot, above what was handed out). Their
     * batches stay in line: a later {@link #next()} hands them out.
     */
    void settle() {
        Error error = null;
        for (InFlight f : inFlight) {
            try {
                await(f.future());
            } catch (RuntimeException e) {
                log.debug("Sync job '{}': a batch read ahead failed: {}", jobId, e.toString());
            } catch (Error e) {
                if (error == null) {
                    error = e;
                }
            }
        }
        if (error != null) {
            throw error;
        }
    }

    @Override
    public void close() {
        try {
            settle();
        } finally {
            inFlight.clear();
            scheduledAll = true;
            if (threads != null) {
                threads.shutdownNow();
            }
            for (Session reader : readers) {
                reader.close();
            }
            readers.clear();
        }
    }
}
