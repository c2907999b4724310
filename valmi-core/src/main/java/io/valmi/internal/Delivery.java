package io.valmi.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationException;
import io.valmi.RateLimit;
import io.valmi.Rejection;
import io.valmi.RetryPolicy;
import io.valmi.SourceRun;
import io.valmi.SyncContext;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.ThrottledException;
import io.valmi.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The delivery of one run ({@code docs/delivery.md}): hands batches out, has them written by up to
 * {@code concurrency} writer threads, and records each answer. The calling thread coordinates: it alone takes batches
 * from the source and records answers (the source's calls are made one at a time under {@link #sourceLock}); writers
 * only write, retry, wait for rate limits and split batches that failed for good.
 *
 * <ul>
 *   <li>At most {@code concurrency} batches are out at once: memory is bounded by that many batches.</li>
 *   <li>Every batch is marked in doubt by the source before it is handed out and stays so until its own answer is
 *       recorded; answers are recorded in the order they arrive.</li>
 *   <li>A failure stops the hand-out; the batches out are waited for (and recorded when answered), then the run
 *       fails. A cancel does the same and, once its wait is over, interrupts the writes still running.</li>
 *   <li>A write that does not return by its timeout is interrupted; one that does not stop within
 *       {@link #ABANDON_GRACE} after that is abandoned: its batch is left in doubt as a crash leaves it (under the
 *       source's lease) and the run fails.</li>
 * </ul>
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger("io.valmi.SyncRunner");
    /** How long a write may go on after its interrupt before it is abandoned. */
    static final Duration ABANDON_GRACE = Duration.ofSeconds(1);
    private static final AtomicInteger WRITERS = new AtomicInteger();
    private static final ChangeKind[] KINDS = ChangeKind.values();

    private final SyncJob job;
    private final SourceRun run;
    private final SyncContext context;
    private final RunControl control;
    private final Sleeper sleeper;
    private final Tally tally;
    private final Consumer<Consumer<SyncListener>> listeners;
    private final Redactor redactor;
    private final int concurrency;
    private final List<RateLimit> limits;
    private final Object sourceLock = new Object();
    private final Map<Long, Task> out = new LinkedHashMap<>();
    private final long startedAt = System.nanoTime();
    private final long toSend;

    /** Set once the hand-out stops: a failure, or a cancel. Writers do not retry or split after it. */
    private volatile boolean stopping;
    private @Nullable Exception failure;
    private boolean exhausted;
    private long handedOut;

    /**
     * The counts of a run, written by the coordinator (answers) and the writers (retries, throttles, splits).
     */
    static final class Tally {
        long delivered;
        long rejected;
        long inDoubt;
        long batches;
        final AtomicLong retries = new AtomicLong();
        final AtomicLong throttles = new AtomicLong();
        final AtomicLong splits = new AtomicLong();
        final List<Rejection> samples = new ArrayList<>();
        final java.util.EnumMap<ChangeKind, Long> deliveredByKind = new java.util.EnumMap<>(ChangeKind.class);
    }

    /**
     * Prepares the delivery.
     *
     * @param job the job
     * @param run the planned source run
     * @param context the run's context (its batch size is the one to ask for)
     * @param control cancel requests
     * @param sleeper waits between attempts
     * @param tally where the counts go
     * @param listeners notifies the run's listeners, one call at a time
     * @param redactor masks the destination's secrets
     * @param concurrency batches out at once, at least 1
     * @param limits the rate limits every write keeps, each paused when the destination throttles
     * @param toSend the changes the run will send, for progress
     */
    Delivery(SyncJob job, SourceRun run, SyncContext context, RunControl control, Sleeper sleeper, Tally tally,
             Consumer<Consumer<SyncListener>> listeners, Redactor redactor, int concurrency, List<RateLimit> limits,
             long toSend) {
        this.toSend = toSend;
        this.job = job;
        this.run = run;
        this.context = context;
        this.control = control;
        this.sleeper = sleeper;
        this.tally = tally;
        this.listeners = listeners;
        this.redactor = redactor;
        this.concurrency = concurrency;
        this.limits = limits;
    }

    /** What became of the delivery. */
    enum End {
        /** Every batch was handed out and answered. */
        DONE,
        /** Stopped by a cancel request (and nothing failed before it). */
        CANCELLED
    }

    /**
     * Delivers every batch, or stops on the first failure or a cancel.
     *
     * @return how it ended
     * @throws Exception the first failure (later ones suppressed in it)
     */
    End deliver() throws Exception {
        int id = WRITERS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ExecutorService writers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "valmi-write-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            coordinate(writers);
        } finally {
            writers.shutdown();
        }
        Exception f = failure;
        if (f != null) {
            throw f;
        }
        return control.cancelled() ? End.CANCELLED : End.DONE;
    }

    private void coordinate(ExecutorService writers) {
        boolean selfInterrupted = false;
        try {
            loop(writers, false);
        } catch (InterruptedException e) {
            selfInterrupted = true;
        }
        if (selfInterrupted) {
            // The thread running the sync was interrupted: a cancel without waiting.
            control.cancel(Duration.ZERO);
            try {
                loop(writers, false);
            } catch (InterruptedException e) {
                log.warn("Sync job '{}' interrupted twice while stopping: {} batches left in doubt", job.id(),
                    out.size());
            }
            Thread.currentThread().interrupt();
        }
    }

    private void loop(ExecutorService writers, boolean alreadyInterrupted) throws InterruptedException {
        boolean interrupted = alreadyInterrupted;
        while (true) {
            if (control.cancelled() && !stopping) {
                stop();
                log.info("Sync job '{}' asked to stop: no more batches are handed out; {} out", job.id(), out.size());
            }
            while (!stopping && !exhausted && out.size() < concurrency) {
                handOut(writers);
            }
            if (out.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            long wake = nextDeadline(now);
            Object event = control.events().poll(Math.max(0, wake - now), TimeUnit.NANOSECONDS);
            if (event instanceof Answer) {
                record((Answer) event);
            }
            now = System.nanoTime();
            if (control.cancelled() && !interrupted && now - control.cancelDeadline() >= 0) {
                // The cancel's wait is over: the writes still running are interrupted, and abandoned if they go on.
                interrupted = true;
                for (Task t : out.values()) {
                    t.interrupt(now + ABANDON_GRACE.toNanos());
                }
            }
            abandonOverdue(System.nanoTime());
        }
    }

    /** Takes the next batch from the source and gives it to a writer. */
    private void handOut(ExecutorService writers) {
        List<Change> batch;
        try {
            synchronized (sourceLock) {
                batch = run.nextBatch(context.batchSize());
            }
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        if (batch.isEmpty()) {
            exhausted = true;
            return;
        }
        if (batch.size() > context.batchSize()) {
            fail(new IllegalStateException("Source " + job.source().description() + " returned " + batch.size()
                + " changes for a batch of at most " + context.batchSize()));
            synchronized (sourceLock) {
                run.markInDoubt(batch);
            }
            tally.inDoubt += batch.size();
            return;
        }
        Task task = new Task(++handedOut, batch);
        out.put(task.number, task);
        writers.execute(task);
    }

    /** The next time the coordinator must look: a write's abandon deadline or the end of a cancel's wait. */
    private long nextDeadline(long now) {
        long next = now + TimeUnit.SECONDS.toNanos(1);
        for (Task t : out.values()) {
            long d = t.abandonAt;
            if (d - next < 0) {
                next = d;
            }
        }
        if (control.cancelled()) {
            long d = control.cancelDeadline();
            if (d - now > 0 && d - next < 0) {
                next = d;
            }
        }
        return next;
    }

    /** Abandons the writes that went on past their abandon deadline: their batches stay in doubt, under the lease. */
    private void abandonOverdue(long now) {
        List<Task> overdue = new ArrayList<>();
        for (Task t : out.values()) {
            if (now - t.abandonAt >= 0) {
                overdue.add(t);
            }
        }
        for (Task t : overdue) {
            out.remove(t.number);
            t.abandoned = true;
            tally.inDoubt += t.batch.size();
            log.warn("Destination {} did not return from writing batch {} ({} changes) although interrupted: the write"
                    + " is abandoned, its keys stay in doubt (under the lease of the write timeout) and are sent again"
                    + " next run", job.destination().getClass().getName(), t.number, t.batch.size());
            if (!control.cancelled()) {
                fail(new DestinationException("Destination " + job.destination().getClass().getName() + " did not"
                    + " return from write() within the write timeout of " + job.options().writeTimeout().toMillis()
                    + " ms for batch " + t.number + " (" + t.batch.size() + " changes), nor within "
                    + ABANDON_GRACE.toMillis() + " ms of being interrupted: the write was abandoned and its keys"
                    + " stay in doubt. A destination must give up within the job's writeTimeout (set its HTTP or JDBC"
                    + " timeouts below it, or stop when its thread is interrupted)", null, true));
            }
        }
    }

    /** Records a writer's answer (when its batch was not abandoned meanwhile). */
    private void record(Answer answer) {
        Task task = answer.task;
        if (task.abandoned || out.remove(task.number) == null) {
            return;
        }
        List<Change> batch = task.batch;
        Error fatal = answer.fatal;
        if (fatal != null) {
            // As a crash would: no write starts after this one (those under way cannot be stopped).
            stop();
            long now = System.nanoTime();
            for (Task t : out.values()) {
                t.interrupt(now);
            }
            throw fatal;
        }
        Exception error = answer.error;
        if (error == null) {
            List<Rejection> rejections = answer.rejections;
            Acknowledgement ack = Objects.requireNonNull(answer.ack);
            try {
                synchronized (sourceLock) {
                    run.acknowledge(ack);
                }
            } catch (RuntimeException e) {
                // The destination answered, but its answer could not be recorded: the keys stay in doubt (they were
                // marked before the batch was handed out) and are offered again next run.
                tally.inDoubt += batch.size();
                fail(e);
                return;
            }
            tally.batches++;
            for (ChangeKind kind : KINDS) {
                if (answer.deliveredByKind[kind.ordinal()] > 0) {
                    tally.deliveredByKind.merge(kind, answer.deliveredByKind[kind.ordinal()], Long::sum);
                }
            }
            tally.rejected += rejections.size();
            tally.delivered += batch.size() - rejections.size();
            for (Rejection r : rejections) {
                if (tally.samples.size() >= job.options().maxSamples()) {
                    break;
                }
                tally.samples.add(r);
            }
            if (!rejections.isEmpty()) {
                log.warn("Destination rejected {} of {} changes in batch {}; first: key {}: {}", rejections.size(),
                    batch.size(), task.number, rejections.get(0).key(), rejections.get(0).reason());
            }
            SyncListener.Progress progress = new SyncListener.Progress(tally.batches, tally.delivered, tally.rejected,
                toSend, Duration.ofNanos(System.nanoTime() - startedAt));
            log.debug("Batch {} answered: {} changes, {} rejected; {} done", task.number, batch.size(),
                rejections.size(), tally.delivered + tally.rejected);
            listeners.accept(l -> l.batchDelivered(context, progress));
            return;
        }
        try {
            synchronized (sourceLock) {
                run.markInDoubt(batch);
            }
        } catch (RuntimeException e) {
            error.addSuppressed(e);
        }
        tally.inDoubt += batch.size();
        if (!(error instanceof Stopped)) {
            fail(error);
        }
    }

    private void fail(Exception e) {
        Exception first = failure;
        if (first == null) {
            failure = e;
        } else if (first != e) {
            first.addSuppressed(e);
        }
        stop();
    }

    private void stop() {
        stopping = true;
    }

    /** A writer's answer for its batch: the rejections, or the error. */
    private static final class Answer {
        final Task task;
        final List<Rejection> rejections;
        final @Nullable Exception error;
        final @Nullable Error fatal;
        /** The destination's answer to the batch as the source is told it; {@code null} when the write failed. */
        final @Nullable Acknowledgement ack;
        /**
         * The delivered changes by kind ({@link ChangeKind#ordinal()}), counted by the writer's thread while
         * the batch is fresh in its cache, not by the coordinator's.
         */
        final long[] deliveredByKind;

        Answer(Task task, List<Rejection> rejections, @Nullable Exception error, @Nullable Error fatal) {
            this.task = task;
            this.rejections = rejections;
            this.error = error;
            this.fatal = fatal;
            this.deliveredByKind = new long[KINDS.length];
            if (error == null && fatal == null) {
                Acknowledgement answered = new Acknowledgement(task.batch, rejections);
                for (Change c : answered.delivered()) {
                    deliveredByKind[c.kind().ordinal()]++;
                }
                this.ack = answered;
            } else {
                this.ack = null;
            }
        }
    }

    /** A batch given up because the run stopped (a failure elsewhere, or a cancel) before it was written for good. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;

        Stopped(String message) {
            super(message, null, false, false);
        }
    }

    /** A write that failed for good, with whether the failure was retriable (the destination may mend). */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        /** The failure the write threw. */
        final Exception error;
        final boolean retriable;
        /** Whether a split may isolate the changes it fails on (not for a lost lock, nor a destination's bug). */
        final boolean isolatable;
        /** Whether the error is reported as it is, not as "failed to write batch n". */
        final boolean asIs;

        Failed(Exception error, boolean retriable, boolean isolatable, boolean asIs) {
            super(error.getMessage(), error, false, false);
            this.error = error;
            this.retriable = retriable;
            this.isolatable = isolatable;
            this.asIs = asIs;
        }
    }

    /** One batch, written (with retries, throttling and splitting) on a writer thread. */
    private final class Task implements Runnable {
        final long number;
        final List<Change> batch;
        /** When the write under way is abandoned if it has not returned ({@link System#nanoTime()}). */
        volatile long abandonAt;
        volatile boolean abandoned;
        volatile boolean interrupted;
        private volatile @Nullable Thread thread;
        private int attempts;
        /** Whether the last write call ran into the write timeout. */
        private boolean lastTimedOut;
        /** The attempts at the whole batch (before a split). */
        private int wholeAttempts;

        Task(long number, List<Change> batch) {
            this.number = number;
            this.batch = batch;
            this.abandonAt = System.nanoTime() + Long.MAX_VALUE / 2;
        }

        /** Interrupts the task (a cancel's wait is over); abandoned when still running at {@code abandonBy}. */
        void interrupt(long abandonBy) {
            interrupted = true;
            if (abandonBy - abandonAt < 0) {
                abandonAt = abandonBy;
            }
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            MDC.put(RunExecution.MDC_JOB, job.id());
            MDC.put(RunExecution.MDC_RUN, context.runId());
            Answer answer;
            try {
                answer = new Answer(this, write(), null, null);
            } catch (Stopped e) {
                answer = new Answer(this, List.of(), e, null);
            } catch (Failed e) {
                answer = new Answer(this, List.of(), describe(e), null);
            } catch (Exception e) {
                answer = new Answer(this, List.of(), e, null);
            } catch (Error e) {
                // (An OutOfMemoryError, say: the run ends as a crash would, its batches out left in doubt.)
                answer = new Answer(this, List.of(), null, e);
            } finally {
                MDC.remove(RunExecution.MDC_JOB);
                MDC.remove(RunExecution.MDC_RUN);
                thread = null;
                Thread.interrupted();
            }
            control.events().add(answer);
        }

        /** The batch written (split when it fails for good), as rejections matched to the batch. */
        private List<Rejection> write() throws Exception {
            try {
                return attempts(batch, job.options().retryPolicy().maxAttempts());
            } catch (Failed f) {
                wholeAttempts = attempts;
                if (!job.options().isolateFailures() || !f.isolatable || stopping) {
                    throw f;
                }
                if (batch.size() == 1) {
                    if (f.retriable) {
                        throw f;
                    }
                    return List.of(rejection(batch.get(0), f.error));
                }
                Isolation isolation = new Isolation();
                isolation.split(batch, f);
                if (isolation.writtenAny) {
                    log.info("Batch {} of {} changes failed for good ({}); split, it delivered {} and rejected {}"
                        + " changes it failed on", number, batch.size(), redactor.redact(f.error.toString()),
                        batch.size() - isolation.rejections.size(), isolation.failedOn);
                    return isolation.rejections;
                }
                throw f;
            }
        }

        /** The error a batch failed with, as the run reports it. */
        private Exception describe(Failed f) {
            Exception e = f.error;
            if (f.asIs) {
                return e;
            }
            return new DestinationException("Destination " + job.destination().getClass().getName()
                + " failed to write batch " + number + " (" + batch.size() + " changes, keys " + batch.get(0).key()
                + " to " + batch.get(batch.size() - 1).key() + ") after " + wholeAttempts
                + (wholeAttempts == 1 ? " attempt" : " attempts") + (attempts > wholeAttempts ? " (and " + (attempts
                - wholeAttempts) + " writes of parts of it, split to find the changes it fails on, which failed as"
                + " well)" : "") + ": " + e + ". Its keys are kept in doubt and sent again on the next run.", e,
                f.retriable);
        }

        /**
         * Writes a batch or a part of one until it is answered, trying again as the policy says.
         *
         * @param part the changes to write
         * @param maxAttempts attempts that are not throttled
         * @return the rejections, matched to the part
         * @throws Failed when the part failed for good
         * @throws Stopped when the run stopped meanwhile
         */
        private List<Rejection> attempts(List<Change> part, int maxAttempts) throws Failed, Stopped {
            RetryPolicy policy = job.options().retryPolicy();
            long throttledNanos = 0;
            for (int attempt = 1; ; ) {
                pace(part.size());
                attempts++;
                try {
                    synchronized (sourceLock) {
                        run.beforeWrite(batch, attempts);
                    }
                } catch (RuntimeException e) {
                    // The run lost its hold on the job: no write may start. (The keys were marked before the hand-out.)
                    throw new Failed(e, false, false, true);
                }
                Exception error;
                long began = System.nanoTime();
                lastTimedOut = false;
                try {
                    WriteResult result = timedWrite(part);
                    wrote(part, began, SyncListener.WriteOutcome.ANSWERED);
                    return matched(part, result);
                } catch (Stopped e) {
                    throw e;
                } catch (Failed e) {
                    throw e;
                } catch (Exception e) {
                    error = e;
                    wrote(part, began, e instanceof ThrottledException ? SyncListener.WriteOutcome.THROTTLED
                        : lastTimedOut ? SyncListener.WriteOutcome.TIMED_OUT : SyncListener.WriteOutcome.FAILED);
                }
                if (error instanceof ThrottledException) {
                    Duration pause = ((ThrottledException) error).retryAfter();
                    throttledNanos += pause.toNanos();
                    tally.throttles.incrementAndGet();
                    if (throttledNanos > policy.maxThrottledWait().toNanos()) {
                        throw new Failed(new DestinationException("Destination "
                            + job.destination().getClass().getName() + " kept asking to slow down while writing batch "
                            + number + ": its pauses add up to more than RetryPolicy.maxThrottledWait ("
                            + policy.maxThrottledWait() + "). Lower the job's rate limit or concurrency, or raise the"
                            + " bound: " + error, error, true), true, false, true);
                    }
                    for (RateLimit limit : limits) {
                        limit.pause(pause);
                    }
                    String text = redactor.redact(error.toString());
                    log.info("Destination {} asked to slow down while writing batch {}: writes pause for {} ms ({})",
                        job.destination().getClass().getSimpleName(), number, pause.toMillis(), text);
                    listeners.accept(l -> l.throttled(context, new SyncListener.Throttle(number, pause, text)));
                    continue;
                }
                boolean retriable = policy.isRetriable(error);
                if (!retriable || attempt >= maxAttempts) {
                    throw new Failed(error, retriable, true, false);
                }
                Duration backoff = policy.backoffAfter(attempt);
                if (error instanceof DestinationException) {
                    Duration after = ((DestinationException) error).retryAfter();
                    if (after != null && after.compareTo(backoff) > 0) {
                        backoff = after;
                    }
                }
                tally.retries.incrementAndGet();
                String text = redactor.redact(error.toString());
                log.warn("Destination {} failed to write batch {} (attempt {} of {}), retrying in {} ms: {}",
                    job.destination().getClass().getSimpleName(), number, attempt, maxAttempts, backoff.toMillis(),
                    text);
                int failedAttempt = attempt;
                Duration wait = backoff;
                listeners.accept(l -> l.retrying(context, new SyncListener.Retry(number, failedAttempt, wait, text)));
                if (stopping) {
                    throw new Stopped("The run stopped before batch " + number + " was tried again");
                }
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException e) {
                    throw new Stopped("The run stopped while batch " + number + " waited to be tried again");
                }
                attempt++;
            }
        }

        /** Tells the listeners that a write call ended. */
        private void wrote(List<Change> part, long began, SyncListener.WriteOutcome outcome) {
            SyncListener.Write write = new SyncListener.Write(number, part.size(),
                Duration.ofNanos(System.nanoTime() - began), outcome);
            listeners.accept(l -> l.written(context, write));
        }

        /** Waits for the rate limits (and the pauses of throttling); gives up when the run stops meanwhile. */
        private void pace(int rows) throws Stopped {
            if (interrupted || stopping) {
                throw new Stopped("The run stopped before batch " + number + " was written");
            }
            try {
                for (RateLimit limit : limits) {
                    limit.acquire(rows);
                }
            } catch (InterruptedException e) {
                throw new Stopped("The run stopped while batch " + number + " waited for its rate limit");
            }
            if (interrupted) {
                throw new Stopped("The run stopped before batch " + number + " was written");
            }
        }

        /** One call of {@code write}, bounded by the write timeout. */
        private WriteResult timedWrite(List<Change> part) throws Exception {
            Destination destination = job.destination();
            Duration timeout = job.options().writeTimeout();
            WriteResult result;
            boolean timedOut;
            long start = System.nanoTime();
            abandonAt = start + timeout.toNanos() + ABANDON_GRACE.toNanos();
            if (interrupted) {
                throw new Stopped("The run stopped before batch " + number + " was written");
            }
            try (WriteWatchdog.Watch watch = WriteWatchdog.start(timeout)) {
                try {
                    result = destination.write(part);
                } catch (InterruptedException e) {
                    if (!watch.timedOut()) {
                        throw new Stopped("The run stopped while batch " + number + " was being written");
                    }
                    result = null;
                } catch (Exception e) {
                    if (interrupted && !watch.timedOut()) {
                        throw new Stopped("The run stopped while batch " + number + " was being written: " + e);
                    }
                    throw e;
                }
                timedOut = watch.timedOut();
            } finally {
                if (!interrupted) {
                    abandonAt = Long.MAX_VALUE / 2 + System.nanoTime();
                }
            }
            if (timedOut) {
                // (Even a write that returned after its timeout: a later run may have trusted the lease by then.)
                lastTimedOut = true;
                throw new DestinationException("Destination " + destination.getClass().getName() + " took longer"
                    + " than the write timeout of " + timeout.toMillis() + " ms for batch " + number + ": it was"
                    + " interrupted. Give it timeouts below the job's writeTimeout, or raise that", null, true);
            }
            if (result == null) {
                throw new DestinationException("Destination " + destination.getClass().getName()
                    + " returned null from write(): return WriteResult.ok() or WriteResult.rejected(...)", null,
                    false);
            }
            return result;
        }

        /**
         * The destination's rejections matched to the part by key value ({@link BatchKeys}), each carrying the batch's
         * own key object so that sources can look keys up by {@code equals}; a repeated key counts once. A rejection
         * that names no change of the part fails the batch like a failed write, without a retry: its keys stay in
         * doubt.
         */
        private List<Rejection> matched(List<Change> part, WriteResult result) throws Failed {
            if (result.allApplied()) {
                return List.of();
            }
            BatchKeys keys = BatchKeys.of(part);
            Set<Object> seen = new HashSet<>();
            List<Rejection> matched = new ArrayList<>(result.rejections().size());
            List<Object> strays = new ArrayList<>();
            for (Rejection r : result.rejections()) {
                Object key = keys.find(r.key());
                if (key == null) {
                    strays.add(r.key());
                } else if (seen.add(key)) {
                    String reason = redactor.reveals(r.reason()) ? redactor.redact(r.reason()) : r.reason();
                    matched.add(key == r.key() && reason.equals(r.reason()) ? r : new Rejection(key, reason));
                }
            }
            if (!strays.isEmpty()) {
                Object stray = strays.get(0);
                throw new Failed(new DestinationException("Destination " + job.destination().getClass().getName()
                    + " rejected key " + stray + " (" + stray.getClass().getName() + ")" + (strays.size() > 1
                    ? " and " + (strays.size() - 1) + " more" : "") + ", which matches no change of batch " + number
                    + " (" + part.size() + " changes, keys " + part.get(0).key() + " to "
                    + part.get(part.size() - 1).key() + "): a destination must reject only keys of the batch it was"
                    + " given (keys match by value: 2, 2L and \"2\" name the same number). The batch's keys are kept in"
                    + " doubt and sent again on the next run.", null, false), false, false, true);
            }
            return matched;
        }

        /** A change rejected with the error its write failed on. */
        private Rejection rejection(Change change, Exception error) {
            return new Rejection(change.key(), "write failed: " + redactor.redact(error.toString()));
        }

        /**
         * The search for the changes a failed batch fails on: halves, down to single changes, each written once
         * (throttling still waited out). A single change that fails is rejected with its error. Two halves that both
         * fail with retriable errors mean the destination fails, not a row: the batch fails.
         */
        private final class Isolation {
            final List<Rejection> rejections = new ArrayList<>();
            boolean writtenAny;
            int failedOn;

            void split(List<Change> part, Failed failed) throws Failed, Stopped {
                tally.splits.incrementAndGet();
                String text = redactor.redact(failed.error.toString());
                int size = part.size();
                listeners.accept(l -> l.split(context, new SyncListener.Split(number, size, text)));
                int mid = part.size() / 2;
                List<Change> left = part.subList(0, mid);
                List<Change> right = part.subList(mid, part.size());
                @Nullable Failed leftFailed = writeOnce(left);
                @Nullable Failed rightFailed = writeOnce(right);
                if (leftFailed != null && rightFailed != null && leftFailed.retriable && rightFailed.retriable) {
                    throw failed;
                }
                if (leftFailed != null) {
                    settle(left, leftFailed);
                }
                if (rightFailed != null) {
                    settle(right, rightFailed);
                }
            }

            private void settle(List<Change> part, Failed failed) throws Failed, Stopped {
                if (!failed.isolatable) {
                    throw failed;
                }
                if (part.size() == 1) {
                    rejections.add(rejection(part.get(0), failed.error));
                    failedOn++;
                } else {
                    split(part, failed);
                }
            }

            private @Nullable Failed writeOnce(List<Change> part) throws Stopped {
                if (stopping) {
                    throw new Stopped("The run stopped while batch " + number + " was split");
                }
                try {
                    rejections.addAll(attempts(part, 1));
                    writtenAny = true;
                    return null;
                } catch (Failed f) {
                    return f;
                }
            }
        }
    }
}
