package io.valmi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs on a {@link Schedule}, on its own daemon threads. A failed run is logged and reported through the
 * runner's listeners; the next run happens as scheduled (it resends what the failed one left in doubt).
 *
 * <pre>{@code
 * try (SyncScheduler scheduler = SyncScheduler.create(SyncRunner.create(), 2)) {
 *     scheduler.schedule(job, Schedule.every(Duration.ofMinutes(5)));
 *     ...
 * }
 * }</pre>
 *
 * <p>Applications with their own scheduler (Quartz, Spring, Kubernetes CronJobs) call
 * {@link SyncRunner#run(SyncJob)} from it instead.
 */
public final class SyncScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncScheduler.class);
    private static final AtomicInteger SCHEDULERS = new AtomicInteger();

    private final SyncRunner runner;
    private final ScheduledExecutorService executor;

    private SyncScheduler(SyncRunner runner, int threads) {
        this.runner = Objects.requireNonNull(runner, "runner");
        int id = SCHEDULERS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "valmi-scheduler-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A scheduler that runs up to {@code threads} jobs at the same time.
     *
     * @param runner runs the jobs
     * @param threads how many jobs may run at once, at least 1
     * @return the scheduler; close it to stop
     */
    public static SyncScheduler create(SyncRunner runner, int threads) {
        if (threads < 1) {
            throw new ConfigurationException("A SyncScheduler needs at least one thread, got " + threads);
        }
        return new SyncScheduler(runner, threads);
    }

    /**
     * Schedules a job.
     *
     * @param job the job
     * @param schedule when it runs
     * @return a handle to follow or cancel it
     */
    public ScheduledSync schedule(SyncJob job, Schedule schedule) {
        ScheduledSync handle = new ScheduledSync(job);
        handle.future = executor.scheduleWithFixedDelay(() -> handle.runOnce(runner),
            schedule.initialDelay().toMillis(), schedule.interval().toMillis(), TimeUnit.MILLISECONDS);
        return handle;
    }

    /**
     * Stops scheduling and waits for running syncs to end.
     *
     * @param timeout how long to wait
     * @return {@code true} when every running sync ended in time
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean shutdown(Duration timeout) throws InterruptedException {
        executor.shutdown();
        return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops scheduling and waits up to a minute for running syncs to end. */
    @Override
    public void close() {
        try {
            if (!shutdown(Duration.ofMinutes(1))) {
                log.warn("Scheduled syncs still running after a minute; interrupting them");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** A scheduled job: its last result, its number of runs, and a way to cancel it. */
    public static final class ScheduledSync {
        private final SyncJob job;
        private final AtomicReference<@Nullable SyncResult> last = new AtomicReference<>();
        private final AtomicLong runs = new AtomicLong();
        private volatile @Nullable ScheduledFuture<?> future;

        private ScheduledSync(SyncJob job) {
            this.job = job;
        }

        private void runOnce(SyncRunner runner) {
            try {
                last.set(runner.run(job));
            } catch (RuntimeException e) {
                log.error("Scheduled sync job '{}' failed unexpectedly: {}", job.id(), e.toString(), e);
            } finally {
                runs.incrementAndGet();
            }
        }

        /**
         * The job.
         *
         * @return the job
         */
        public SyncJob job() {
            return job;
        }

        /**
         * The result of the last finished run.
         *
         * @return the result, or {@code null} before the first run ends
         */
        public @Nullable SyncResult lastResult() {
            return last.get();
        }

        /**
         * How many runs have ended.
         *
         * @return the count
         */
        public long runs() {
            return runs.get();
        }

        /** Stops scheduling this job; a run in progress ends normally. */
        public void cancel() {
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
        }
    }
}
