package io.valmi.spring.boot;

import io.valmi.ConfigurationException;
import io.valmi.RunHandle;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's sync jobs (beans and {@code valmi.jobs}): scheduled when the application starts, stopped
 * gracefully when it stops (no new run; runs under way cancelled, their acknowledged batches recorded), their state
 * for the health indicator and the {@code valmi} endpoint, and a trigger.
 */
public final class ValmiJobs implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ValmiJobs.class);

    private final Map<String, ScheduledSyncJob> jobs = new LinkedHashMap<>();
    private final SyncRunner runner;
    private final JobScheduling scheduling;
    private final RunTracker runs;
    private final Duration lateAfter;
    private final Clock clock;
    /** Runs of unscheduled jobs started by {@link #triggerNow(String)}. */
    private final Map<String, RunHandle> triggered = new ConcurrentHashMap<>();
    private volatile boolean running;

    ValmiJobs(List<ScheduledSyncJob> jobs, SyncRunner runner, JobScheduling scheduling, RunTracker runs,
              Duration lateAfter, Clock clock) {
        jobs.forEach(j -> this.jobs.put(j.id(), j));
        this.runner = runner;
        this.scheduling = scheduling;
        this.runs = runs;
        this.lateAfter = lateAfter;
        this.clock = clock;
    }

    /**
     * The jobs, in the order they were declared (beans first).
     *
     * @return the jobs
     */
    public List<ScheduledSyncJob> jobs() {
        return List.copyOf(jobs.values());
    }

    /**
     * The state of every job.
     *
     * @return one state per job, in the order of {@link #jobs()}
     */
    public List<SyncJobState> states() {
        return jobs.values().stream().map(this::state).toList();
    }

    /**
     * The state of one job.
     *
     * @param id the job's id
     * @return its state, or empty when there is no such job
     */
    public Optional<SyncJobState> state(String id) {
        return Optional.ofNullable(jobs.get(id)).map(this::state);
    }

    private SyncJobState state(ScheduledSyncJob job) {
        JobScheduling.Times times = running ? scheduling.times(job, runs) : new JobScheduling.Times(null, null, null);
        Instant due = times.dueAt();
        boolean late = due != null && clock.instant().isAfter(due.plus(lateAfter));
        Instant succeeded = latest(runs.lastSucceeded(job.id()), times.lastSucceededAt());
        return new SyncJobState(job.id(), job.job().source().description(),
            job.job().destination().getClass().getName(), job.schedule(), runs.running(job.id()), times.nextRunAt(),
            due, late, runs.last(job.id()), succeeded);
    }

    private static @Nullable Instant latest(@Nullable Instant a, @Nullable Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    /**
     * Runs a job now, besides its schedule: on the scheduler (with the cluster scheduler, on whichever instance polls
     * first), or, for a job without a schedule, on a thread of the runner.
     *
     * @param id the job's id
     * @return {@code true} when a run was started (or made due); {@code false} when the job runs already
     * @throws ConfigurationException when there is no job of that id
     */
    public boolean triggerNow(String id) {
        ScheduledSyncJob job = jobs.get(id);
        if (job == null) {
            throw new ConfigurationException("No sync job '" + id + "'; jobs: " + jobs.keySet());
        }
        if (!running) {
            throw new IllegalStateException("The application's sync jobs are stopped: sync job '" + id
                + "' cannot run now");
        }
        if (job.schedule() != null) {
            return scheduling.triggerNow(job);
        }
        synchronized (triggered) {
            RunHandle previous = triggered.get(id);
            if ((previous != null && !previous.isDone()) || runs.running(id)) {
                return false;
            }
            triggered.put(id, runner.start(job.job()));
            return true;
        }
    }

    /**
     * The last run of a job that ended in this process.
     *
     * @param id the job's id
     * @return its result, or empty before its first run ended
     */
    public Optional<SyncResult> lastRun(String id) {
        return Optional.ofNullable(runs.last(id));
    }

    @Override
    public void start() {
        scheduling.start(jobs());
        running = true;
        log.info("valmi: {} sync job(s), {} scheduled: {}", jobs.size(),
            jobs.values().stream().filter(j -> j.schedule() != null).count(), jobs.keySet());
    }

    @Override
    public void stop() {
        running = false;
        scheduling.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
