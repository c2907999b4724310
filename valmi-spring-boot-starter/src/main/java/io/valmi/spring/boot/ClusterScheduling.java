package io.valmi.spring.boot;

import com.github.kagkarlsson.scheduler.ScheduledExecution;
import io.valmi.SyncRunner;
import io.valmi.dbscheduler.ClusterSyncScheduler;
import io.valmi.dbscheduler.SyncTasks;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The jobs on valmi-db-scheduler's {@link ClusterSyncScheduler}: each time once across the instances. */
final class ClusterScheduling implements JobScheduling {
    private final ClusterSyncScheduler cluster;
    private final SyncRunner runner;

    ClusterScheduling(ClusterSyncScheduler cluster, SyncRunner runner) {
        this.cluster = cluster;
        this.runner = runner;
    }

    @Override
    public void start(List<ScheduledSyncJob> jobs) {
        cluster.start();
    }

    @Override
    public void stop() {
        // Running syncs are cancelled, their times handed back to the cluster; then the runner refuses new runs.
        cluster.close();
        runner.close();
    }

    @Override
    public boolean triggerNow(ScheduledSyncJob job) {
        return cluster.triggerNow(job.id());
    }

    @Override
    public Times times(ScheduledSyncJob job, RunTracker runs) {
        Optional<ScheduledExecution<Object>> execution =
            cluster.scheduler().getScheduledExecution(SyncTasks.taskInstance(job.id()));
        if (execution.isEmpty()) {
            return new Times(null, null, null);
        }
        Instant time = execution.get().getExecutionTime();
        // The execution's time is when its current run (picked) or its next one should start, on any instance.
        return new Times(execution.get().isPicked() ? null : time, time, execution.get().getLastSuccess());
    }
}
