package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import io.valmi.ConfigurationException;
import io.valmi.RunHandle;
import io.valmi.Schedule;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sync jobs as db-scheduler recurring tasks, for an application that builds its own db-scheduler {@code Scheduler}
 * (with the Spring Boot starter, expose each task as a bean). {@link ClusterSyncScheduler} builds one for you.
 *
 * <pre>{@code
 * List<RecurringTask<Void>> tasks = SyncTasks.builder(runner)
 *     .schedule(job, Schedule.cron("0 2 * * *", ZoneId.of("Europe/Berlin")))
 *     .build();
 * Scheduler scheduler = Scheduler.create(dataSource).startTasks(tasks).threads(4).build();
 * }</pre>
 *
 * <p>Each job is one task, named {@link #taskName(String)}, with one execution in db-scheduler's table: the
 * instance that picks it runs the job through {@link SyncRunner#start(SyncJob)}, so each time of the schedule runs
 * once across the instances sharing the table. The task never throws: a failed run is counted in db-scheduler's
 * {@code consecutive_failures} (the runner already logged it), a run skipped because the job runs elsewhere is a normal
 * end, and both are followed by the schedule's next time. When the scheduler stops, a running sync is cancelled through
 * its {@link RunHandle} (its writes under way get {@link Builder#cancelWait(Duration)}) and its time handed back, due at
 * once for another instance; give db-scheduler's {@code shutdownMaxWait} more than that wait.
 */
public final class SyncTasks {
    /** The prefix of every task's name. */
    public static final String TASK_NAME_PREFIX = "valmi-sync:";

    private SyncTasks() {
    }

    /**
     * Starts the tasks of jobs run by a runner.
     *
     * @param runner runs the jobs; close it after the scheduler has stopped
     * @return a builder
     */
    public static Builder builder(SyncRunner runner) {
        return new Builder(runner);
    }

    /**
     * The db-scheduler task name of a job: {@value #TASK_NAME_PREFIX} and the job's id.
     *
     * @param jobId the job's id
     * @return the task name (column {@code task_name} of db-scheduler's table)
     */
    public static String taskName(String jobId) {
        return TASK_NAME_PREFIX + Objects.requireNonNull(jobId, "jobId");
    }

    /**
     * The db-scheduler execution of a job: its task name and the instance every recurring task has.
     *
     * @param jobId the job's id
     * @return the id, e.g. for {@code SchedulerClient.getScheduledExecution} or {@code reschedule}
     */
    public static TaskInstanceId taskInstance(String jobId) {
        return TaskInstanceId.of(taskName(jobId), RecurringTask.INSTANCE);
    }

    /** Builds the tasks; each job once. */
    public static final class Builder {
        private final SyncRunner runner;
        private final Map<String, Scheduled> jobs = new LinkedHashMap<>();
        private Duration cancelWait = RunHandle.DEFAULT_CANCEL_WAIT;

        private Builder(SyncRunner runner) {
            this.runner = Objects.requireNonNull(runner, "runner");
        }

        /**
         * Adds a job.
         *
         * @param job the job
         * @param schedule when it runs: an interval becomes db-scheduler's fixed delay, a cron expression its cron
         *     schedule in the schedule's zone; jitter and {@code startingAfter} are kept
         * @return this builder
         * @throws ConfigurationException when a job of the same id is already added
         */
        public Builder schedule(SyncJob job, Schedule schedule) {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(schedule, "schedule");
            if (jobs.putIfAbsent(job.id(), new Scheduled(job, schedule)) != null) {
                throw new ConfigurationException("Sync job '" + job.id() + "' is scheduled twice: db-scheduler keeps"
                    + " one task per job id; give each job one schedule");
            }
            return this;
        }

        /**
         * How long a run cancelled because the scheduler stops waits for its writes under way before they are
         * interrupted (see {@link RunHandle#cancel(Duration)}).
         *
         * @param wait the wait, zero or more; {@link RunHandle#DEFAULT_CANCEL_WAIT} by default
         * @return this builder
         */
        public Builder cancelWait(Duration wait) {
            Objects.requireNonNull(wait, "wait");
            if (wait.isNegative()) {
                throw new ConfigurationException("cancelWait must be zero or more, got " + wait);
            }
            this.cancelWait = wait;
            return this;
        }

        /**
         * The tasks, in the order the jobs were added.
         *
         * @return one recurring task per job, for db-scheduler's {@code startTasks}
         */
        public List<RecurringTask<Void>> build() {
            List<RecurringTask<Void>> tasks = new ArrayList<>();
            for (Scheduled s : jobs.values()) {
                tasks.add(new SyncTask(taskName(s.job().id()), runner, s.job(), DbSchedules.of(s.schedule(),
                    s.job().id()), cancelWait));
            }
            return tasks;
        }

        Duration cancelWait() {
            return cancelWait;
        }
    }

    private record Scheduled(SyncJob job, Schedule schedule) {
    }
}
