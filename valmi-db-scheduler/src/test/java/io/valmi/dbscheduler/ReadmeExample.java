package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import io.valmi.Schedule;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import javax.sql.DataSource;

/** The code of README's "Many instances: db-scheduler", compiled; {@link ReadmeTest} checks README shows it. */
final class ReadmeExample {
    private ReadmeExample() {
    }

    /** Starts the cluster scheduler of one instance, and stops it. */
    static void cluster(DataSource dataSource, SyncJob customersJob, SyncJob ordersJob) {
        // tag::cluster[]
        ScheduledTasksTable.create(dataSource);           // or have your DBA run ScheduledTasksTable.ddl()
        SyncRunner runner = SyncRunner.create();
        ClusterSyncScheduler cluster = ClusterSyncScheduler.builder(dataSource, runner)
            .schedule(customersJob, Schedule.cron("0 2 * * *", ZoneId.of("Europe/Berlin")))
            .schedule(ordersJob, Schedule.every(Duration.ofMinutes(5)).withJitter(Duration.ofSeconds(30)))
            .threads(4)                                    // jobs running at once on this instance
            .heartbeatInterval(Duration.ofSeconds(30))     // a dead instance's job is taken over
            .missedHeartbeatsLimit(4)                      //   after 30 s x 4 = 2 minutes
            .build();
        cluster.start();                                   // on every instance, with the same jobs
        // ... and when the application shuts down:
        cluster.close();    // running syncs are cancelled, their times handed to another instance
        runner.close();
        // end::cluster[]
    }

    /** The tasks for a db-scheduler of the application's own. */
    static Scheduler ownScheduler(DataSource dataSource, SyncRunner runner, SyncJob job) {
        // tag::own-scheduler[]
        List<RecurringTask<Void>> tasks = SyncTasks.builder(runner)
            .schedule(job, Schedule.cron("0 2 * * *", ZoneId.of("Europe/Berlin")))
            .build();
        Scheduler scheduler = Scheduler.create(dataSource).startTasks(tasks).threads(4).build();
        // end::own-scheduler[]
        return scheduler;
    }
}
