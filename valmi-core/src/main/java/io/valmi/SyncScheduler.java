package io.valmi;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs on a {@link Schedule} (a fixed delay, or cron expressions in a time zone, with jitter), on its own daemon
 * threads. Jobs can be triggered now, paused and resumed; runs of one job never overlap (a time that comes while it
 * runs is skipped and counted). A failed run is logged and reported through the
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
     * @return a handle to follow, trigger, pause or cancel it
     */
    public ScheduledSync schedule(SyncJob job, Schedule schedule) {
        ScheduledSync handle = new ScheduledSync(job, schedule, runner, executor);
        handle.scheduleFirst();
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

    /**
     * A scheduled job: its last result, its counts, and a way to run it now, pause, resume or cancel it. Runs of one
     * job never overlap: a time that comes while it runs, a {@link #triggerNow()} while it runs, and a run the runner
     * skipped because the job ran elsewhere ({@link RunStatus#SKIPPED}) are counted in {@link #skipped()} and logged
     * at DEBUG.
     */
    public static final class ScheduledSync {
        private final SyncJob job;
        private final Schedule schedule;
        private final SyncRunner runner;
        private final ScheduledExecutorService executor;
        private final AtomicReference<@Nullable SyncResult> last = new AtomicReference<>();
        private final AtomicLong runs = new AtomicLong();
        private final AtomicLong skipped = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean();
        private volatile boolean paused;
        private volatile boolean cancelled;
        private volatile @Nullable ScheduledFuture<?> next;
        private volatile @Nullable Instant nextAt;

        private ScheduledSync(SyncJob job, Schedule schedule, SyncRunner runner, ScheduledExecutorService executor) {
            this.job = job;
            this.schedule = schedule;
            this.runner = runner;
            this.executor = executor;
        }

        private void scheduleFirst() {
            Instant now = Instant.now();
            if (schedule.interval().isPresent()) {
                at(now, now.plus(schedule.initialDelay()).plus(schedule.randomJitter()));
            } else {
                cronAfter(now.plus(schedule.initialDelay()), now);
            }
        }

        /** Schedules the next time of a cron schedule after {@code after}. */
        private void cronAfter(Instant after, Instant now) {
            ZonedDateTime t = schedule.nextTime(after.atZone(schedule.zone())).orElse(null);
            if (t == null) {
                log.info("Sync job '{}': cron schedule {} has no later time; it runs no more", job.id(), schedule);
                nextAt = null;
                return;
            }
            at(now, t.toInstant().plus(schedule.randomJitter()));
        }

        private void at(Instant now, Instant when) {
            if (cancelled) {
                return;
            }
            nextAt = when;
            try {
                next = executor.schedule(() -> fire(when), Math.max(0, Duration.between(now, when).toMillis()),
                    TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // (The scheduler is shutting down.)
                nextAt = null;
            }
        }

        private void fire(Instant due) {
            if (cancelled) {
                return;
            }
            if (paused) {
                log.debug("Sync job '{}' is paused: its run at {} is left out", job.id(), due);
            } else if (!running.compareAndSet(false, true)) {
                skipped.incrementAndGet();
                log.debug("Sync job '{}' is still running: its run at {} is skipped", job.id(), due);
            } else {
                runHeld();
            }
            scheduleNext(due);
        }

        private void scheduleNext(Instant due) {
            Instant now = Instant.now();
            Duration interval = schedule.interval().orElse(null);
            if (interval != null) {
                at(now, now.plus(interval).plus(schedule.randomJitter()));
                return;
            }
            // Times of the cron schedule that passed while the job ran are skipped (counted), not made up for.
            ZonedDateTime t = due.atZone(schedule.zone());
            int missed = 0;
            while (missed < 10_000) {
                ZonedDateTime following = schedule.nextTime(t).orElse(null);
                if (following == null || following.toInstant().isAfter(now)) {
                    break;
                }
                missed++;
                t = following;
            }
            if (missed > 0) {
                skipped.addAndGet(missed);
                log.debug("Sync job '{}' ran past {} of its scheduled times: skipped", job.id(), missed);
            }
            cronAfter(t.toInstant().isAfter(now) ? t.toInstant() : now, now);
        }

        /** Runs the job; the caller holds {@link #running}. */
        private void runHeld() {
            try {
                SyncResult result = runner.run(job);
                last.set(result);
                if (result.status() == RunStatus.SKIPPED) {
                    skipped.incrementAndGet();
                    log.debug("Sync job '{}' skipped: it runs elsewhere", job.id());
                }
            } catch (RuntimeException e) {
                log.error("Scheduled sync job '{}' failed unexpectedly: {}", job.id(), e.toString(), e);
            } finally {
                runs.incrementAndGet();
                running.set(false);
            }
        }

        /**
         * Runs the job now, on the scheduler's threads, besides its schedule (which goes on as before).
         *
         * @return {@code true} when a run was started; {@code false} when the job is running (the trigger is counted
         *     in {@link #skipped()}) or cancelled
         */
        public boolean triggerNow() {
            if (cancelled) {
                return false;
            }
            if (!running.compareAndSet(false, true)) {
                skipped.incrementAndGet();
                log.debug("Sync job '{}' is still running: triggered run skipped", job.id());
                return false;
            }
            try {
                executor.execute(this::runHeld);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                running.set(false);
                return false;
            }
            return true;
        }

        /** Leaves the job's scheduled times out until {@link #resume()}; a run in progress ends normally. */
        public void pause() {
            paused = true;
        }

        /** Runs the job at its scheduled times again. */
        public void resume() {
            paused = false;
        }

        /**
         * Whether the job is paused.
         *
         * @return {@code true} between {@link #pause()} and {@link #resume()}
         */
        public boolean isPaused() {
            return paused;
        }

        /**
         * Whether a run of the job is in progress on this scheduler.
         *
         * @return {@code true} while it runs
         */
        public boolean isRunning() {
            return running.get();
        }

        /**
         * When the job runs next.
         *
         * @return the time (jitter included), or empty once cancelled or when a cron schedule has no later time
         */
        public Optional<Instant> nextRunAt() {
            return cancelled ? Optional.empty() : Optional.ofNullable(nextAt);
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
         * The schedule.
         *
         * @return the schedule
         */
        public Schedule schedule() {
            return schedule;
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
         * How many runs have ended (skipped ones included).
         *
         * @return the count
         */
        public long runs() {
            return runs.get();
        }

        /**
         * How many runs were skipped: times that came while the job ran, triggers while it ran, and runs the runner
         * skipped because the job ran elsewhere.
         *
         * @return the count
         */
        public long skipped() {
            return skipped.get();
        }

        /** Stops scheduling this job; a run in progress ends normally. */
        public void cancel() {
            cancelled = true;
            ScheduledFuture<?> f = next;
            if (f != null) {
                f.cancel(false);
            }
        }
    }
}
