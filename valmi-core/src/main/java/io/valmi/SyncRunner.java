package io.valmi;

import io.valmi.internal.RunControl;
import io.valmi.internal.RunExecution;
import io.valmi.internal.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs sync jobs. A run is one call: {@link #run(SyncJob)} plans the run in the source, sends the planned
 * changes to the destination batch by batch, records what the destination acknowledged, and returns a
 * {@link SyncResult}; it never throws for a failed run (see {@link SyncResult#orThrow()}).
 *
 * <pre>{@code
 * SyncRunner runner = SyncRunner.builder().listener(myProgressListener).build();
 * SyncResult result = runner.run(job);
 * }</pre>
 *
 * <p>Thread-safe: one runner can run many jobs, from many threads; one job runs at most once at a time in a
 * JVM (sources such as PostgreSQL also lock the job across processes). While a run is on, the SLF4J MDC of
 * the running thread holds the job id ({@code valmi.job}) and the run id ({@code valmi.run}).
 *
 * <p>{@link #start(SyncJob)} runs a job on a thread of its own and returns a {@link RunHandle} to wait for it or stop
 * it; {@link #close()} stops every run of the runner (on shutdown) and returns once they have ended.
 */
public final class SyncRunner implements AutoCloseable {
    private final List<SyncListener> listeners;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Set<CompletableFuture<SyncResult>> running = ConcurrentHashMap.newKeySet();
    private final Set<RunControl> controls = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private SyncRunner(Builder builder) {
        this.listeners = List.copyOf(builder.listeners);
        this.sleeper = builder.sleeper;
        this.clock = builder.clock;
    }

    /**
     * A runner without listeners.
     *
     * @return the runner
     */
    public static SyncRunner create() {
        return builder().build();
    }

    /**
     * Starts a runner with listeners.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the job once.
     *
     * @param job the job
     * @return the result, also when the run failed
     */
    public SyncResult run(SyncJob job) {
        Objects.requireNonNull(job, "job");
        RunControl control = new RunControl();
        CompletableFuture<SyncResult> done = new CompletableFuture<>();
        register(job, control, done);
        try {
            SyncResult result = new RunExecution(job, listeners, sleeper, clock, control).execute();
            done.complete(result);
            return result;
        } finally {
            unregister(control, done);
        }
    }

    /**
     * Starts a run of the job on a thread of its own and returns at once.
     *
     * @param job the job
     * @return the handle: the result when the run ends, and {@link RunHandle#cancel(Duration)}
     * @throws IllegalStateException when the runner is closed
     */
    public RunHandle start(SyncJob job) {
        Objects.requireNonNull(job, "job");
        RunControl control = new RunControl();
        CompletableFuture<SyncResult> done = new CompletableFuture<>();
        register(job, control, done);
        Thread thread = new Thread(() -> {
            try {
                done.complete(new RunExecution(job, listeners, sleeper, clock, control).execute());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                unregister(control, done);
            }
        }, "valmi-run-" + job.id());
        thread.setDaemon(true);
        thread.start();
        return new RunHandle(job.id(), control, done);
    }

    /**
     * Starts the job over: its source forgets what the destination holds, so that the next run sends every row as
     * new (for a MIRROR destination, empty it first: keys it holds that the source no longer has are not removed).
     * Fails while a run of the job is on.
     *
     * @param job the job
     * @return whether the source knew the job; {@code false} (nothing done, logged at WARN) points at a wrong id
     */
    public boolean reset(SyncJob job) {
        Objects.requireNonNull(job, "job");
        return job.source().resetJob(job.id());
    }

    /**
     * Removes the job's state from its source (for PostgreSQL: its bookkeeping tables and job record; the run history
     * stays). Fails while a run of the job is on.
     *
     * @param job the job
     * @return whether the source knew the job
     */
    public boolean drop(SyncJob job) {
        Objects.requireNonNull(job, "job");
        return job.source().dropJob(job.id());
    }

    /**
     * Stops every run of this runner as {@link RunHandle#cancel()} does, waits for them to end (up to the cancel
     * wait and a little more), and refuses new runs. Call it when the application shuts down.
     */
    @Override
    public void close() {
        closed = true;
        for (RunControl control : controls) {
            control.cancel(RunHandle.DEFAULT_CANCEL_WAIT);
        }
        long deadline = System.nanoTime() + RunHandle.DEFAULT_CANCEL_WAIT.plusSeconds(5).toNanos();
        for (CompletableFuture<SyncResult> run : running) {
            try {
                run.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // (Ended otherwise, or still running past the wait: nothing more to do here.)
            }
        }
    }

    private void register(SyncJob job, RunControl control, CompletableFuture<SyncResult> done) {
        if (closed) {
            throw new IllegalStateException("SyncRunner is closed: sync job '" + job.id() + "' cannot run on it");
        }
        controls.add(control);
        running.add(done);
        if (closed) {
            control.cancel(Duration.ZERO);
        }
    }

    private void unregister(RunControl control, CompletableFuture<SyncResult> done) {
        controls.remove(control);
        running.remove(done);
    }

    /**
     * A dry run: plans the job in its source and returns the plan (counts by kind, invalid rows, known keys)
     * without sending anything or changing the job's state.
     *
     * @param job the job
     * @return the plan
     * @throws ValmiException when planning fails
     */
    public Plan plan(SyncJob job) {
        Objects.requireNonNull(job, "job");
        return plan(job.id(), job.source(), job.mapping(), job.options());
    }

    /**
     * A dry run without a destination: plans a job in its source (see {@link #plan(SyncJob)}), e.g. to show what a
     * job would send before its destination is configured.
     *
     * @param jobId the job's id (the state it is planned against)
     * @param source the source
     * @param mapping the mapping
     * @param options the options (samples, write timeout, quarantine threshold)
     * @return the plan
     * @throws ValmiException when planning fails
     */
    public Plan plan(String jobId, Source source, Mapping mapping, SyncOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mapping, "mapping");
        RunRequest request = new RunRequest(jobId, "dry-run-" + java.util.UUID.randomUUID(), mapping,
            java.util.Set.of(), options.maxSamples(), 0, options.writeTimeout(), options.quarantineAfter(),
            options.onMappingChange());
        try (SourceRun run = source.startRun(request)) {
            return run.plan();
        }
    }

    /** Builds a {@link SyncRunner}. */
    public static final class Builder {
        private final List<SyncListener> listeners = new ArrayList<>();
        private Sleeper sleeper = Sleeper.SYSTEM;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Adds a listener; listeners are called in the order added.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(SyncListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Sets the clock used for start and end times (default UTC system clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        /**
         * Builds the runner.
         *
         * @return the runner
         */
        public SyncRunner build() {
            return new SyncRunner(this);
        }
    }
}
