package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.SchedulerState;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import io.valmi.RunHandle;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job as a db-scheduler recurring task: each execution is one run through {@link SyncRunner#start(SyncJob)}. It
 * never throws: a failed run is recorded as db-scheduler's failure (its {@code last_failure} and
 * {@code consecutive_failures}) without a log line of its own, since the runner logged it; a run skipped because the
 * job runs elsewhere is a normal end. Both are followed by the next time of the schedule. A run cancelled because the
 * scheduler stops is handed back: due at once, for another instance (or this one, when it starts again) to go on.
 */
final class SyncTask extends RecurringTask<Void> {
    private static final Logger log = LoggerFactory.getLogger(SyncTask.class);
    /** How often a running execution looks whether its scheduler is stopping. */
    private static final long WATCH_MILLIS = 100;
    /** How long an interrupted execution waits for its cancelled run to end. */
    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(5);

    private final SyncRunner runner;
    private final SyncJob job;
    private final Schedule schedule;
    private final Duration cancelWait;

    SyncTask(String name, SyncRunner runner, SyncJob job, Schedule schedule, Duration cancelWait) {
        super(name, schedule, Void.class);
        this.runner = runner;
        this.job = job;
        this.schedule = schedule;
        this.cancelWait = cancelWait;
    }

    SyncJob job() {
        return job;
    }

    @Override
    public CompletionHandler<Void> execute(TaskInstance<Void> instance, ExecutionContext context) {
        SchedulerState state = context.getSchedulerState();
        if (state.isShuttingDown()) {
            log.info("Sync job '{}' not started: the scheduler is stopping; its time is handed back", job.id());
            return handBack();
        }
        try {
            RunHandle handle;
            try {
                handle = runner.start(job);
            } catch (IllegalStateException closed) {
                log.warn("Sync job '{}' did not run at its time: its SyncRunner is closed while db-scheduler still runs"
                    + " (stop the scheduler before closing the runner); next time as scheduled", job.id());
                return next(null);
            }
            SyncResult result = await(handle, state);
            if (result == null) {
                return handBack();
            }
            switch (result.status()) {
                case FAILED:
                    // The runner logged the failure; db-scheduler records it in its table.
                    Throwable error = result.error();
                    return next(error != null ? error : new IllegalStateException("run " + result.runId() + " failed"));
                case CANCELLED:
                    log.info("Sync job '{}' run {} cancelled: its time is handed back, due now", job.id(),
                        result.runId());
                    return handBack();
                case SKIPPED:
                    log.debug("Sync job '{}' skipped: running elsewhere", job.id());
                    return next(null);
                default:
                    return next(null);
            }
        } catch (RuntimeException e) {
            log.error("Sync job '{}' could not run through db-scheduler: {}; next time as scheduled", job.id(),
                e.toString(), e);
            return next(null);
        }
    }

    /**
     * Waits for the run, cancelling it through its handle when the scheduler starts to stop.
     *
     * @return the result, or {@code null} when the run did not end after the scheduler interrupted the wait
     */
    private @Nullable SyncResult await(RunHandle handle, SchedulerState state) {
        CompletableFuture<SyncResult> result = handle.result();
        boolean cancelled = false;
        while (true) {
            try {
                return result.get(WATCH_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!cancelled && state.isShuttingDown()) {
                    cancelled = true;
                    log.info("Scheduler stopping: cancelling the run of sync job '{}' (writes under way get up to {})",
                        job.id(), cancelWait);
                    handle.cancel(cancelWait);
                }
            } catch (InterruptedException e) {
                // db-scheduler's shutdownMaxWait has passed: it interrupts its threads.
                handle.cancel(Duration.ZERO);
                SyncResult ended = awaitAfterInterrupt(result);
                Thread.currentThread().interrupt();
                return ended;
            } catch (ExecutionException e) {
                throw new IllegalStateException("the run ended without a result", e.getCause());
            }
        }
    }

    private @Nullable SyncResult awaitAfterInterrupt(CompletableFuture<SyncResult> result) {
        try {
            return result.get(AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | TimeoutException | ExecutionException e) {
            log.warn("Sync job '{}' was still running {} after db-scheduler interrupted it; its time is handed back",
                job.id(), AFTER_INTERRUPT);
            return null;
        }
    }

    /** The next time of the schedule; a failure is recorded as db-scheduler's, without its log line. */
    private CompletionHandler<Void> next(@Nullable Throwable failure) {
        return (complete, operations) -> {
            Instant at = schedule.getNextExecutionTime(complete);
            log.debug("Sync job '{}' next due at {}", job.id(), at);
            if (failure == null) {
                operations.reschedule(complete, at);
            } else {
                Instant done = complete.getTimeDone();
                operations.reschedule(ExecutionComplete.failure(complete.getExecution(),
                    done.minus(complete.getDuration()), done, failure), at);
            }
        };
    }

    /** Due now, for whichever instance polls first. */
    private CompletionHandler<Void> handBack() {
        return (complete, operations) -> operations.reschedule(complete, complete.getTimeDone());
    }

    @Override
    public void executeRecurringly(TaskInstance<Void> instance, ExecutionContext context) {
        throw new UnsupportedOperationException("SyncTask overrides execute");
    }

    @Override
    public String toString() {
        return "SyncTask[" + getName() + ", " + schedule + "]";
    }
}
