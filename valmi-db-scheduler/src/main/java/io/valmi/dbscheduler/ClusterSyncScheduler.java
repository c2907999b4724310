package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceException;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import io.valmi.ConfigurationException;
import io.valmi.Schedule;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs scheduled sync jobs on db-scheduler, for an application of several instances: every instance builds the same
 * scheduler over one PostgreSQL table ({@link ScheduledTasksTable}), and each time of a job's schedule runs on one of
 * them. An instance that dies mid-run stops its heartbeats; after {@link Builder#heartbeatInterval(Duration)} times
 * {@link Builder#missedHeartbeatsLimit(int)} another instance finds the execution dead and runs the job again, and that
 * run sends what the dead one left in doubt. A run that finds the job running elsewhere (in another process, under
 * another scheduler, or an application's own {@link SyncRunner#run(SyncJob)}) ends {@code SKIPPED}, quietly.
 *
 * <pre>{@code
 * ClusterSyncScheduler cluster = ClusterSyncScheduler.builder(dataSource, runner)
 *     .schedule(job, Schedule.every(Duration.ofMinutes(5)))
 *     .build();
 * cluster.start();
 * ...
 * cluster.close();   // cancels the running syncs; their times go to another instance
 * runner.close();
 * }</pre>
 *
 * <p>See {@link SyncTasks} for what the tasks do, and for a db-scheduler {@code Scheduler} of your own.
 */
public final class ClusterSyncScheduler implements AutoCloseable {
    /** Threads, and so jobs running at once on an instance, by default. */
    public static final int DEFAULT_THREADS = 4;
    /** How often a running execution's heartbeat is written, by default (db-scheduler's is 5 minutes). */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    /** Heartbeats missed before an execution counts as dead, by default (the least db-scheduler takes). */
    public static final int DEFAULT_MISSED_HEARTBEATS_LIMIT = 4;

    private final Scheduler scheduler;
    private final DataSource dataSource;
    private final String tableName;
    private final SortedSet<String> jobIds;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClusterSyncScheduler(Scheduler scheduler, DataSource dataSource, String tableName,
                                 SortedSet<String> jobIds) {
        this.scheduler = scheduler;
        this.dataSource = dataSource;
        this.tableName = tableName;
        this.jobIds = jobIds;
    }

    /**
     * Starts a scheduler.
     *
     * @param dataSource connections to the database that holds db-scheduler's table (usually the one valmi reads);
     *     db-scheduler takes one for each poll, heartbeat and completion, besides the runs' own
     * @param runner runs the jobs; close it after this scheduler
     * @return a builder
     */
    public static Builder builder(DataSource dataSource, SyncRunner runner) {
        return new Builder(dataSource, runner);
    }

    /**
     * Starts polling: creates each job's execution in the table when it has none (or moves it when its cron
     * expression changed), and runs the jobs that are due.
     *
     * @throws ConfigurationException when db-scheduler's table does not exist, saying how to create it
     * @throws IllegalStateException when started before, or closed
     */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("This ClusterSyncScheduler is closed: build a new one");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("This ClusterSyncScheduler is already started");
        }
        ScheduledTasksTable.require(dataSource, tableName);
        scheduler.start();
    }

    /**
     * Makes a job due now, on whichever instance polls first; its schedule goes on from the end of that run.
     *
     * @param jobId the job's id
     * @return {@code true} when it is due now; {@code false} while it runs (somewhere in the cluster), or before its
     *     first {@link #start()} in the cluster created its execution
     * @throws ConfigurationException when no job of that id is scheduled here
     */
    public boolean triggerNow(String jobId) {
        if (!jobIds.contains(jobId)) {
            throw new ConfigurationException("No sync job '" + jobId + "' is scheduled here; scheduled: " + jobIds);
        }
        try {
            boolean moved = scheduler.reschedule(SyncTasks.taskInstance(jobId), Instant.now());
            if (moved) {
                scheduler.triggerCheckForDueExecutions();
            }
            return moved;
        } catch (TaskInstanceException e) {
            return false;
        }
    }

    /**
     * The db-scheduler {@code Scheduler}, for its client API (executions, their times, failures).
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Stops the scheduler: it picks no more executions, each running sync is cancelled through its run handle and its
     * time handed back (due now, for another instance), and this returns once they have ended. Close the
     * {@link SyncRunner} after it. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            scheduler.stop();
        }
    }

    /** Builds a {@link ClusterSyncScheduler}: the jobs, and the db-scheduler settings that matter to syncs. */
    public static final class Builder {
        private final DataSource dataSource;
        private final SyncTasks.Builder tasks;
        private final List<String> jobIds = new ArrayList<>();
        private int threads = DEFAULT_THREADS;
        private @Nullable Duration pollingInterval;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int missedHeartbeatsLimit = DEFAULT_MISSED_HEARTBEATS_LIMIT;
        private @Nullable String schedulerName;
        private String tableName = ScheduledTasksTable.NAME;
        private Consumer<SchedulerBuilder> customizer = b -> { };

        private Builder(DataSource dataSource, SyncRunner runner) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.tasks = SyncTasks.builder(runner);
        }

        /**
         * Adds a job.
         *
         * @param job the job
         * @param schedule when it runs (see {@link SyncTasks.Builder#schedule(SyncJob, Schedule)})
         * @return this builder
         * @throws ConfigurationException when a job of the same id is already added
         */
        public Builder schedule(SyncJob job, Schedule schedule) {
            tasks.schedule(job, schedule);
            jobIds.add(job.id());
            return this;
        }

        /**
         * How many jobs may run at once on this instance.
         *
         * @param threads at least 1; {@value #DEFAULT_THREADS} by default
         * @return this builder
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new ConfigurationException("A ClusterSyncScheduler needs at least one thread, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * How often the instance looks for due jobs: how late a run may start after its time.
         *
         * @param interval positive; db-scheduler's 10 s by default
         * @return this builder
         */
        public Builder pollingInterval(Duration interval) {
            this.pollingInterval = positive(interval, "pollingInterval");
            return this;
        }

        /**
         * How often a running job's heartbeat is written to the table.
         *
         * @param interval positive; {@link #DEFAULT_HEARTBEAT_INTERVAL} by default
         * @return this builder
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive(interval, "heartbeatInterval");
            return this;
        }

        /**
         * How many heartbeats a running job may miss before another instance takes it for dead and runs it again:
         * with the heartbeat interval, how long the job of a dead instance waits.
         *
         * @param limit 4 or more; {@value #DEFAULT_MISSED_HEARTBEATS_LIMIT} by default
         * @return this builder
         */
        public Builder missedHeartbeatsLimit(int limit) {
            if (limit < 4) {
                throw new ConfigurationException("db-scheduler needs a missedHeartbeatsLimit of 4 or more, got " + limit);
            }
            this.missedHeartbeatsLimit = limit;
            return this;
        }

        /**
         * The instance's name in the table's {@code picked_by} column.
         *
         * @param name the name; the host name by default
         * @return this builder
         */
        public Builder schedulerName(String name) {
            this.schedulerName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The table db-scheduler keeps its executions in.
         *
         * @param name the table's name, optionally with its schema; {@value ScheduledTasksTable#NAME} by default
         * @return this builder
         */
        public Builder tableName(String name) {
            this.tableName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * How long a run cancelled because the scheduler stops waits for its writes under way.
         *
         * @param wait zero or more; 30 s by default
         * @return this builder
         */
        public Builder cancelWait(Duration wait) {
            tasks.cancelWait(wait);
            return this;
        }

        /**
         * Sets anything else of db-scheduler's builder (listeners, a {@code StatsRegistry}, the polling strategy),
         * after the settings above.
         *
         * @param customizer changes the builder
         * @return this builder
         */
        public Builder customize(Consumer<SchedulerBuilder> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Builds the scheduler; {@link ClusterSyncScheduler#start()} starts it.
         *
         * @return the scheduler
         * @throws ConfigurationException when no job is added
         */
        public ClusterSyncScheduler build() {
            if (jobIds.isEmpty()) {
                throw new ConfigurationException("A ClusterSyncScheduler needs at least one job: add it with"
                    + " schedule(job, schedule)");
            }
            List<RecurringTask<Void>> recurring = tasks.build();
            SchedulerBuilder builder = Scheduler.create(dataSource)
                .startTasks(recurring)
                .threads(threads)
                .heartbeatInterval(heartbeatInterval)
                .missedHeartbeatsLimit(missedHeartbeatsLimit)
                .tableName(tableName)
                // db-scheduler interrupts its threads after this; the runs are cancelled well before.
                .shutdownMaxWait(tasks.cancelWait().plusSeconds(30));
            Duration polling = pollingInterval;
            if (polling != null) {
                builder.pollingInterval(polling);
            }
            String name = schedulerName;
            if (name != null) {
                builder.schedulerName(new SchedulerName.Fixed(name));
            }
            customizer.accept(builder);
            return new ClusterSyncScheduler(builder.build(), dataSource, tableName,
                jobIds.stream().collect(Collectors.toCollection(TreeSet::new)));
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new ConfigurationException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
