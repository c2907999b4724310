package io.valmi.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Destination;
import io.valmi.RunStatus;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.dbscheduler.ClusterSyncScheduler;
import io.valmi.testing.RecordingDestination;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code valmi.scheduler.type=cluster} on a real PostgreSQL: the starter creates db-scheduler's table, the job runs on
 * valmi-db-scheduler's {@link ClusterSyncScheduler} (at start-up, then when triggered), and closing the application
 * cancels the run under way and hands its time back to the cluster, due now, for the next instance.
 */
@WithPostgres
class ClusterSchedulingPostgresTest {

    @Test
    void aJobRunsOnTheClusterSchedulerAndShutdownHandsItBack(TestDatabase db) throws Exception {
        runAndStopMidRun(db, "customers", new RecordingDestination());
    }

    @Test
    void theNextInstanceSendsWhatTheCancelledRunLeft(TestDatabase db) throws Exception {
        RecordingDestination crm = new RecordingDestination();
        runAndStopMidRun(db, "accounts", crm);
        List<SyncResult> next = new CopyOnWriteArrayList<>();
        instance(db, "accounts", crm, next).run(context -> {
            assertThat(context).hasNotFailed();
            await(() -> next.size() == 1);
            assertThat(next.get(0).status()).as("%s", next.get(0).error()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(next.get(0).counts().delivered()).isEqualTo(1);
            assertThat(crm.rows()).containsOnlyKeys(1, 2, 3, 4);
        });
    }

    /**
     * One instance: the job runs at start-up and when triggered, delivering the rows; then the application stops while
     * a write of a third run waits, and the run ends cancelled, its time handed back to the cluster.
     */
    private static void runAndStopMidRun(TestDatabase db, String job, RecordingDestination crm) {
        db.execute("create table " + job + " (id int primary key, email text)",
            "insert into " + job + " values (1, 'a@example.com'), (2, 'b@example.com')");
        List<SyncResult> results = new CopyOnWriteArrayList<>();
        instance(db, job, crm, results).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ClusterSyncScheduler.class);
            assertThat(db.query("select task_instance from scheduled_tasks where task_name = 'valmi-sync:" + job + "'"))
                .as("the starter created db-scheduler's table and gave the job its execution")
                .containsExactly(List.of("recurring"));

            // An interval's first time is when the job enters the table: at once.
            await(() -> results.size() == 1);
            assertThat(results.get(0).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(crm.rows()).containsOnlyKeys(1, 2);

            ValmiJobs jobs = context.getBean(ValmiJobs.class);
            db.execute("insert into " + job + " values (3, 'c@example.com')");
            // runFinished comes before db-scheduler marks the execution done: until then it is picked, and a
            // trigger answers false ("it runs"); a user's retry is what this waits for.
            await(() -> jobs.triggerNow(job));
            await(() -> results.size() == 2);
            assertThat(results.get(1).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(results.get(1).counts().delivered()).isEqualTo(1);
            assertThat(crm.rows()).containsOnlyKeys(1, 2, 3);

            // A run under way when the application stops: cancelled, its time handed back to the cluster.
            crm.blockWrites(1);
            db.execute("insert into " + job + " values (4, 'd@example.com')");
            await(() -> jobs.triggerNow(job));
            assertThat(crm.awaitBlockedWrites(1, Duration.ofSeconds(10))).as("the run reached the destination")
                .isTrue();
            long closing = System.nanoTime();
            context.close();
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
            assertThat(closeMillis).as("close waits for the cancelled run, about cancel-wait, not longer")
                .isLessThan(5_000);
            assertThat(results).hasSize(3);
            assertThat(results.get(2).status()).isEqualTo(RunStatus.CANCELLED);
            assertThat(crm.rows()).containsOnlyKeys(1, 2, 3);
            assertThat(jobs.isRunning()).isFalse();
            assertThat(db.query("select picked, execution_time <= now() from scheduled_tasks"
                    + " where task_name = 'valmi-sync:" + job + "'"))
                .as("handed back: due now, picked by nobody").containsExactly(List.of(false, true));
        });
    }

    /** One instance of the application: the cluster scheduler, a job every hour, its runs collected. */
    private static ApplicationContextRunner instance(TestDatabase db, String job, Destination crm,
                                                     List<SyncResult> results) {
        SyncListener listener = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                results.add(result);
            }
        };
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValmiAutoConfiguration.class))
            .withBean("dataSource", DataSource.class, db::dataSource)
            .withBean("crm", Destination.class, () -> crm)
            .withBean("listener", SyncListener.class, () -> listener)
            .withPropertyValues("valmi.scheduler.type=cluster",
                "valmi.scheduler.cancel-wait=300ms",
                "valmi.bookkeeping-schema=cluster_state",
                "valmi.jobs." + job + ".source=public." + job,
                "valmi.jobs." + job + ".key=id",
                "valmi.jobs." + job + ".mapping.email=email",
                "valmi.jobs." + job + ".source-mode=incremental",
                "valmi.jobs." + job + ".destination=crm",
                "valmi.jobs." + job + ".schedule.every=1h");
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
