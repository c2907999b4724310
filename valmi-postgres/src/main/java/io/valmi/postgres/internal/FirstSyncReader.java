package io.valmi.postgres.internal;

import io.valmi.Change;
import io.valmi.SourceException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * The batches of a first sync, in key order or in physical order, read as a relay on up to {@value #DEPTH} extra
 * connections while the destination writes the current one: each batch starts where the one before ended (its last
 * key, or the end of its range of row addresses) as soon as its rows have arrived. Rows of batches read but not handed out lie in the snapshot until {@link Recovery#finishFirstSync} deletes
 * them; {@link #settle()} waits for every batch being read. See {@code docs/internals.md#the-relay}.
 */
final class FirstSyncReader implements AutoCloseable {
    private static final Logger log = Logs.SOURCE;

    /** How many batches may be read ahead at once, and on how many connections. */
    static final int DEPTH = 3;

    /** How long opening a read-ahead connection may take. */
    static final long OPEN_TIMEOUT_MS = 5_000;

    /** Told where the next batch starts, as soon as a batch's rows have arrived (before they are decoded). */
    @FunctionalInterface
    interface Relay {
        /**
         * The rows of the batch have arrived.
         *
         * @param next where the next batch starts (exclusive), or {@code null} when this batch is the last
         */
        void arrived(@Nullable String next);
    }

    /** Reads the rows of a range in the caller's transaction and writes their snapshot rows. */
    @FunctionalInterface
    interface Fetcher {
        /**
         * Reads up to the batch size of rows after {@code lo}.
         *
         * @param c the connection, in a transaction
         * @param lo the exclusive start, or {@code null} for the first batch
         * @param relay to be told, once, when the rows have arrived; {@code null} when nothing waits for that (the
         *     batches are read one after the other on the run's connection), so the rows may be streamed
         * @return the batch
         * @throws SQLException on failure
         */
        Fetched fetch(Connection c, @Nullable String lo, @Nullable Relay relay) throws SQLException;
    }

    /**
     * A batch as read.
     *
     * @param changes its changes
     * @param keyTexts their keys' text forms (same order)
     * @param readNanos the time it took
     * @param queryNanos of that, until the statement returned its rows
     * @param to where its range ends (inclusive): its last key, or the last row address of its range
     * @param next where the next batch starts, or {@code null} when this one is the last
     * @param hashes the hashes of the snapshot rows written for its changes (same order), or {@code null} when they
     *     are read back from the snapshot
     */
    record Fetched(List<Change> changes, List<String> keyTexts, long readNanos, long queryNanos, @Nullable String to,
                   @Nullable String next, long @Nullable [] hashes) {
        /** A batch in key order: its range ends at its last key. */
        Fetched(List<Change> changes, List<String> keyTexts, long readNanos, long queryNanos, @Nullable String next) {
            this(changes, keyTexts, readNanos, queryNanos,
                keyTexts.isEmpty() ? null : keyTexts.get(keyTexts.size() - 1), next, null);
        }
    }

    /** A batch ready to be handed out: its range's exclusive start and its rows. */
    record Batch(@Nullable String from, Fetched fetched) {
    }

    /** A batch being read: where it starts, and the batch ({@code null} after the last one). */
    private record Slot(@Nullable String from, CompletableFuture<@Nullable Fetched> fetched) {
    }

    private final Session main;
    private final Fetcher fetcher;
    private final String jobId;
    private final long openTimeoutMs;
    private @Nullable Supplier<Session> opener;
    private final List<Session> readers = new ArrayList<>();
    private final BlockingQueue<Session> idle = new LinkedBlockingQueue<>();
    private @Nullable ExecutorService threads;
    private @Nullable Map<String, String> mdc;

    /** The batches being read or read, in key order (filled by the readers, emptied by {@link #next()}). */
    private final BlockingQueue<Slot> line = new LinkedBlockingQueue<>();
    /** Guards the three fields below. */
    private final Object lock = new Object();
    /** Batches in {@link #line}, or started, not yet handed out: at most {@link #DEPTH}. */
    private int ahead;
    /** Where the next batch starts when it could not be started yet (no room ahead). */
    private @Nullable String waitingFrom;
    private boolean waiting;
    private volatile boolean closed;
    /** {@link #close()} was called: nothing more is read. */
    private boolean shut;
    private boolean started;
    /** What failed a batch: every later {@link #next()} throws it. */
    private @Nullable Throwable failed;
    /** The keys of the batches read (their snapshot rows committed) and never handed out, once {@link #close()}d. */
    private final List<String> notHandedOut = new ArrayList<>();
    /** Reading on {@link #main}, one batch after the other: where the next batch starts, and whether it exists. */
    private @Nullable String serialFrom;
    private boolean serialDone;

    /**
     * A reader.
     *
     * @param main the run's session
     * @param opener opens a read-ahead connection, or {@code null} to read one batch after the other on {@code main}
     * @param fetcher reads a batch
     * @param jobId the job, for messages
     */
    FirstSyncReader(Session main, @Nullable Supplier<Session> opener, Fetcher fetcher, String jobId) {
        this(main, opener, fetcher, jobId, OPEN_TIMEOUT_MS);
    }

    /** As above, with another limit for opening a read-ahead connection (for tests). */
    FirstSyncReader(Session main, @Nullable Supplier<Session> opener, Fetcher fetcher, String jobId,
                    long openTimeoutMs) {
        this.openTimeoutMs = openTimeoutMs;
        this.main = main;
        this.opener = opener;
        this.fetcher = fetcher;
        this.jobId = jobId;
    }

    /**
     * The next batch that has rows, in the order the batches are read, its snapshot rows committed.
     *
     * @return the batch, or {@code null} when every batch was handed out
     */
    @Nullable Batch next() {
        if (shut) {
            throw new IllegalStateException("The reader of sync job '" + jobId + "' is closed");
        }
        if (failed instanceof Error) {
            throw (Error) failed;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
        start();
        while (true) {
            if (readers.isEmpty()) {
                if (serialDone) {
                    return null;
                }
                String lo = serialFrom;
                Fetched f = main.transaction("read the next batch of sync job '" + jobId + "'",
                    c -> fetcher.fetch(c, lo, null));
                serialDone = f.next() == null;
                serialFrom = f.next();
                if (f.changes().isEmpty()) {
                    // (A range of row addresses with no row: the next one may have some.)
                    continue;
                }
                return new Batch(lo, f);
            }
            Slot slot;
            try {
                slot = line.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException("Interrupted while reading the next batch of sync job '" + jobId + "'", e,
                    true);
            }
            Fetched f;
            try {
                f = await(slot.fetched());
            } catch (RuntimeException | Error e) {
                // Every later call fails the same way: the batches after this one must not be handed out without it.
                failed = e;
                throw e;
            }
            if (f == null) {
                // (Put back: every later call ends here too.)
                line.add(slot);
                return null;
            }
            synchronized (lock) {
                ahead--;
                if (waiting && !closed) {
                    waiting = false;
                    ahead++;
                    startAt(waitingFrom);
                }
            }
            if (!f.changes().isEmpty()) {
                return new Batch(slot.from(), f);
            }
        }
    }

    /** Opens the read-ahead connections and starts reading the first batch (once; {@link #next()} does it too). */
    void start() {
        if (!started) {
            started = true;
            if (ensureReaders()) {
                synchronized (lock) {
                    ahead++;
                    startAt(null);
                }
            }
        }
    }

    /** Starts reading the batch after {@code from} (caller holds {@link #lock} and counted it in {@link #ahead}). */
    private void startAt(@Nullable String from) {
        CompletableFuture<@Nullable Fetched> result = new CompletableFuture<>();
        try {
            Objects.requireNonNull(threads).execute(() -> read(from, result));
        } catch (RuntimeException e) {
            // (No thread to read it: the batch fails, so that nobody waits for it.)
            result.completeExceptionally(e);
        }
        // In line under the lock, before the batch's own relay can add the next one.
        line.add(new Slot(from, result));
    }

    /** On a reader thread: reads the batch after {@code from}; starts the next one as soon as its rows arrived. */
    private void read(@Nullable String from, CompletableFuture<@Nullable Fetched> result) {
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        boolean[] relayed = {false};
        try {
            if (closed) {
                result.complete(null);
                return;
            }
            Session reader = idle.take();
            try {
                Fetched f = reader.transaction("read ahead a batch of sync job '" + jobId + "'",
                    c -> fetcher.fetch(c, from, next -> {
                        relayed[0] = true;
                        relay(next);
                    }));
                if (!relayed[0]) {
                    relay(f.next());
                }
                result.complete(f);
            } finally {
                idle.add(reader);
            }
        } catch (Throwable e) {
            if (!relayed[0]) {
                // Nothing follows a batch that failed before its rows arrived.
                synchronized (lock) {
                    closed = true;
                }
            }
            result.completeExceptionally(e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            MDC.clear();
        }
    }

    /** A batch's rows arrived: the next batch starts now, or when there is room ahead, or never (it was the last). */
    private void relay(@Nullable String next) {
        synchronized (lock) {
            if (next == null || closed) {
                line.add(new Slot(null, CompletableFuture.completedFuture(null)));
            } else if (ahead < DEPTH) {
                ahead++;
                startAt(next);
            } else {
                waiting = true;
                waitingFrom = next;
            }
        }
    }

    /**
     * Opens read-ahead connections up to {@link #DEPTH}; whether there is at least one. Each is waited for at most
     * {@link #OPEN_TIMEOUT_MS} by default (a pool that has none to spare may block its callers for long, or for ever): the run
     * then reads with what it has, and a connection that arrives later is closed at once.
     */
    private boolean ensureReaders() {
        Supplier<Session> open = opener;
        opener = null;
        if (open == null) {
            return false;
        }
        mdc = MDC.getCopyOfContextMap();
        threads = Executors.newFixedThreadPool(DEPTH, r -> {
            Thread t = new Thread(r, "valmi-read-ahead-" + jobId);
            t.setDaemon(true);
            return t;
        });
        while (readers.size() < DEPTH) {
            // (The opener's sessions stay while idle: they wait their turn to read.)
            CompletableFuture<Session> opening = CompletableFuture.supplyAsync(open, Objects.requireNonNull(threads));
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
                    readers.size(), e instanceof ExecutionException ? String.valueOf(e.getCause()) : e.toString());
                break;
            }
        }
        return !readers.isEmpty();
    }

    private @Nullable Fetched await(CompletableFuture<@Nullable Fetched> f) {
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
     * Waits for every batch being read (their rows are then in the snapshot, above what was handed out). Their
     * batches stay in line: a later {@link #next()} hands them out.
     */
    void settle() {
        Error error = null;
        while (true) {
            List<Slot> pending = new ArrayList<>();
            for (Slot s : line) {
                if (!s.fetched().isDone()) {
                    pending.add(s);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            for (Slot s : pending) {
                try {
                    await(s.fetched());
                } catch (RuntimeException e) {
                    log.debug("Sync job '{}': a batch read ahead failed: {}", jobId, e.toString());
                } catch (Error e) {
                    if (error == null) {
                        error = e;
                    }
                }
            }
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * The keys of the batches whose snapshot rows were written and that were never handed out (known once closed).
     *
     * @return their text forms
     */
    List<String> notHandedOut() {
        return notHandedOut;
    }

    @Override
    public void close() {
        shut = true;
        synchronized (lock) {
            closed = true;
            waiting = false;
        }
        try {
            settle();
        } finally {
            for (Slot s : line) {
                Fetched f = s.fetched().isDone() && !s.fetched().isCompletedExceptionally()
                    ? s.fetched().getNow(null) : null;
                if (f != null) {
                    notHandedOut.addAll(f.keyTexts());
                }
            }
            line.clear();
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
