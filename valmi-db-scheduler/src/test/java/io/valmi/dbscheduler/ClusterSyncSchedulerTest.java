package io.valmi.dbscheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.Destination;
import io.valmi.DestinationException;
import io.valmi.JobBusyException;
import io.valmi.RunStatus;
import io.valmi.Schedule;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Instances of one application in one JVM, each with its own connection pool, runner and db-scheduler, over one
 * PostgreSQL database and one {@code scheduled_tasks} table.
 */
@WithPostgres
class ClusterSyncSchedulerTest {
    private static final Schedule HOURLY = Schedule.every(Duration.ofHours(1));

    @BeforeAll
    static void table(TestDatabase db) {
        assertThat(ScheduledTasksTable.create(db.dataSource())).isTrue();
        assertThat(ScheduledTasksTable.create(db.dataSource())).as("created once").isFalse();
    }

    @AfterEach
    void forgetExecutions(TestDatabase db) {
        db.execute("delete from scheduled_tasks");
    }

    private static void table(TestDatabase db, String name, int rows) {
        db.execute("create table " + name + " (id int primary key, v text)",
            "insert into " + name + " select g, 'v' || g from generate_series(1, " + rows + ") g");
    }

    @Test
    void eachTimeOfTheScheduleRunsOnceAcrossTwoInstances(TestDatabase db) throws Exception {
        table(db, "every_second", 20);
        RunLog log = new RunLog();
        Schedule everySecond = Schedule.cron("* * * * * *", ZoneOffset.UTC);
        // Polling at different intervals, so that either instance may be the first to see a time come.
        Node a = Node.start("a", db, ds -> Node.job("every-second", ds, "every_second", log.destination("a")),
            everySecond, Duration.ofSeconds(30), Duration.ofMillis(200));
        Node b = Node.start("b", db, ds -> Node.job("every-second", ds, "every_second", log.destination("b")),
            everySecond, Duration.ofSeconds(30), Duration.ofMillis(330));
        try {
            Node.await("six runs", Duration.ofSeconds(30),
                () -> a.count(RunStatus.SUCCEEDED) + b.count(RunStatus.SUCCEEDED) >= 6);
        } finally {
            a.close();
            b.close();
        }

        List<Instant> times = new ArrayList<>(a.executed);
        times.addAll(b.executed);
        List<SyncResult> results = new ArrayList<>(a.results);
        results.addAll(b.results);
        assertThat(times).as("each scheduled time once, on one instance").doesNotHaveDuplicates();
        assertThat(results).as("one run per execution").hasSameSizeAs(times);
        assertThat(results).extracting(SyncResult::status).as("no run found the job busy")
            .doesNotContain(RunStatus.SKIPPED, RunStatus.FAILED);
        for (Node node : List.of(a, b)) {
            assertThat(node.results).filteredOn(r -> r.status() == RunStatus.SUCCEEDED).allSatisfy(r -> {
                assertThat(log.nodeOfRun.get(r.runId())).as("the destination of the instance that ran it")
                    .isEqualTo(node.name);
                assertThat(log.rowsOfRun.get(r.runId()).get()).as("every row, once").isEqualTo(20);
            });
        }
        System.out.printf("every second: %d runs on a, %d on b%n", a.results.size(), b.results.size());
    }

    @Test
    void aRunByHandWhileTheSchedulerRunsTheJobIsSkippedQuietly(TestDatabase db) throws Exception {
        table(db, "by_hand", 30);
        Gate scheduled = new Gate();
        try (LogCapture logs = new LogCapture();
             Node a = Node.start("a", db, ds -> Node.job("by-hand", ds, "by_hand", scheduled), HOURLY)) {
            // The scheduler's run is inside a write; the application runs the job by hand meanwhile.
            scheduled.awaitEntered();
            Gate byHand = new Gate();
            SyncResult skipped = SyncRunner.create().run(Node.job("by-hand", db.dataSource(), "by_hand", byHand));
            assertThat(skipped.status()).isEqualTo(RunStatus.SKIPPED);
            assertThat(skipped.error()).isInstanceOf(JobBusyException.class);
            assertThat(byHand.entered.getCount()).as("the skipped run sent nothing").isOne();
            scheduled.open.countDown();
            Node.await("the scheduled run", Duration.ofSeconds(20), () -> a.count(RunStatus.SUCCEEDED) == 1);
            assertThat(scheduled.state).hasSize(30);

            // Now a run by hand holds the job when the scheduler's time comes.
            Node.await("the execution to be rescheduled after the first run", Duration.ofSeconds(10),
                () -> a.executed.size() == 1);
            SyncRunner handRunner = SyncRunner.create();
            io.valmi.RunHandle hand = handRunner.start(Node.job("by-hand", db.dataSource(), "by_hand", byHand));
            byHand.awaitEntered();
            assertThat(a.cluster.triggerNow("by-hand")).isTrue();
            Node.await("the scheduler's run", Duration.ofSeconds(10), () -> a.results.size() == 2);
            Node.await("its execution to complete", Duration.ofSeconds(10), () -> a.executed.size() == 2);
            assertThat(a.results.get(1).status()).isEqualTo(RunStatus.SKIPPED);
            byHand.open.countDown();
            assertThat(hand.join().status()).isEqualTo(RunStatus.SUCCEEDED);
            handRunner.close();

            assertThat(db.query("select picked, coalesce(consecutive_failures, 0),"
                + " execution_time > now() + interval '50 minutes' from scheduled_tasks"))
                .as("a skipped run is no failure; the next time is an hour on")
                .containsExactly(List.of(false, 0, true));
            assertThat(logs.errorsOrStackTraces()).as("nothing at ERROR, no stack trace").isEmpty();
            assertThat(logs.messages(Level.INFO)).filteredOn(m -> m.startsWith("Sync job 'by-hand' skipped"))
                .hasSize(2).allSatisfy(m -> assertThat(m).contains("already running"));
        }
    }

    @Test
    void aFailedRunCountsAsDbSchedulersFailureWithoutALogLineOfItsOwn(TestDatabase db) throws Exception {
        table(db, "failing", 5);
        Destination down = new Destination() {
            @Override
            public WriteResult write(List<Change> batch) {
                throw new DestinationException("the destination is down", null, true);
            }
        };
        try (LogCapture logs = new LogCapture();
             Node a = Node.start("a", db, ds -> Node.job("failing", ds, "failing", down).toBuilder()
                 .isolateFailures(false).build(), HOURLY)) {
            Node.await("the execution to complete", Duration.ofSeconds(20), () -> a.executed.size() == 1);
            assertThat(a.results).extracting(SyncResult::status).containsExactly(RunStatus.FAILED);
            assertThat(db.query("select picked, consecutive_failures, last_failure is not null, last_success is null,"
                + " execution_time > now() + interval '50 minutes' from scheduled_tasks"))
                .as("db-scheduler counts the failure; the next time is an hour on")
                .containsExactly(List.of(false, 1, true, true, true));
            assertThat(logs.events()).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .as("the runner's line only").singleElement()
                .satisfies(e -> assertThat(e.getLoggerName()).isEqualTo("io.valmi.SyncRunner"))
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("the destination is down"));
        }
    }

    @Test
    void aStoppingInstanceCancelsItsRunAndHandsTheJobToAnother(TestDatabase db) throws Exception {
        table(db, "hand_over", 50);
        Gate slow = new Gate();
        Node a = Node.start("a", db, ds -> Node.job("hand-over", ds, "hand_over", slow), HOURLY,
            Duration.ofMillis(300), Node.POLLING);
        Node b = null;
        try {
            slow.awaitEntered();
            long closing = System.nanoTime();
            a.close();
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
            assertThat(a.results).extracting(SyncResult::status).containsExactly(RunStatus.CANCELLED);
            assertThat(closeMillis).as("close waits for the cancelled run, not longer").isLessThan(5_000);
            assertThat(db.query("select picked, execution_time <= now() from scheduled_tasks"))
                .as("handed back: due now, picked by nobody").containsExactly(List.of(false, true));

            RunLog log = new RunLog();
            b = Node.start("b", db, ds -> Node.job("hand-over", ds, "hand_over", log.destination("b")), HOURLY);
            Node b1 = b;
            Node.await("b to run the job", Duration.ofSeconds(10), () -> b1.count(RunStatus.SUCCEEDED) == 1);
            assertThat(log.rowsOfRun.values()).singleElement()
                .satisfies(rows -> assertThat(rows.get()).as("all rows: nothing was acknowledged").isEqualTo(50));
            System.out.printf("close took %d ms%n", closeMillis);
        } finally {
            slow.open.countDown();
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void startFailsWithTheFixWhenTheTableIsMissing(TestDatabase db) {
        RunLog log = new RunLog();
        ClusterSyncScheduler cluster = ClusterSyncScheduler.builder(db.dataSource(), SyncRunner.create())
            .tableName("no_such_tasks")
            .schedule(Node.job("missing", db.dataSource(), "missing", log.destination("a")), HOURLY).build();
        assertThatThrownBy(cluster::start).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("no_such_tasks does not exist")
            .hasMessageContaining("ScheduledTasksTable.create(dataSource)");
        cluster.close();
    }

    @Test
    void aJobIsScheduledOnce(TestDatabase db) {
        RunLog log = new RunLog();
        ClusterSyncScheduler.Builder builder = ClusterSyncScheduler.builder(db.dataSource(), SyncRunner.create())
            .schedule(Node.job("twice", db.dataSource(), "t", log.destination("a")), HOURLY);
        assertThatThrownBy(() -> builder.schedule(Node.job("twice", db.dataSource(), "t", log.destination("a")),
            HOURLY)).isInstanceOf(ConfigurationException.class).hasMessageContaining("'twice' is scheduled twice");
    }
}
