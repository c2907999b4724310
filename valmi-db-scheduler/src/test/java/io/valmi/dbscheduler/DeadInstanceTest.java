package io.valmi.dbscheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.RunStatus;
import io.valmi.Schedule;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresTableDestination;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of an application, one of them a process of its own that is killed in the middle of a run: the other
 * takes the job over once db-scheduler finds the execution dead, and the destination ends with every row.
 */
@WithPostgres
class DeadInstanceTest {
    static final Schedule HOURLY = Schedule.every(Duration.ofHours(1));
    private static final int ROWS = 200;

    private static Process startChild(TestDatabase db, String jobId, String table, String target, Path dir)
        throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildInstance.class.getName(),
            db.jdbcUrl(), db.user(), db.password() == null ? "-" : db.password(), jobId, table, target, dir.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    @Test
    void anotherInstanceTakesOverTheJobOfAKilledOne(TestDatabase db, @TempDir Path dir) throws Exception {
        db.execute("create table source (id int primary key, v text)",
            "insert into source select g, 'v' || g from generate_series(1, " + ROWS + ") g",
            "create table target (id int primary key, v text)");
        ScheduledTasksTable.create(db.dataSource());
        Process child = startChild(db, "killed", "source", "target", dir);
        Node survivor = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(dir.resolve("entered"))) {
                assertThat(child.isAlive()).as("the child instance is alive").isTrue();
                assertThat(System.nanoTime()).as("waiting for the child's first write").isLessThan(deadline);
                Thread.sleep(20);
            }
            survivor = Node.start("survivor", db, ds -> Node.job("killed", ds, "source",
                PostgresTableDestination.builder(ds).table("target").build()), HOURLY);
            assertThat(db.query("select picked, picked_by from scheduled_tasks"))
                .as("the child runs the job").containsExactly(List.of(true, "child"));

            // A run by hand in this process while the child runs the job: skipped, since another process has it.
            SyncResult byHand = SyncRunner.create().run(Node.job("killed", db.dataSource(), "source",
                PostgresTableDestination.builder(db.dataSource()).table("target").build()));
            assertThat(byHand.status()).isEqualTo(RunStatus.SKIPPED);
            assertThat(byHand.error()).hasMessageContaining("another process holds its lock");

            long delivered = db.queryLong("select count(*) from target");
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            assertThat(delivered).as("killed in the middle of its run").isBetween(1L, ROWS - 11L);

            Node s = survivor;
            Node.await("the survivor to run the job", Duration.ofSeconds(30), () -> !s.results.isEmpty());
            long takeOverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertThat(s.results).extracting(SyncResult::status).containsExactly(RunStatus.SUCCEEDED);
            assertThat(db.query("select id, v from target order by id"))
                .isEqualTo(db.query("select id, v from source order by id"));
            Node.await("the execution to complete", Duration.ofSeconds(10), () -> s.executed.size() == 1);
            assertThat(db.query("select picked, picked_by, execution_time > now() + interval '50 minutes'"
                + " from scheduled_tasks")).containsExactly(java.util.Arrays.asList(false, null, true));
            System.out.printf("killed after %d rows; the survivor took over and finished in %d ms%n", delivered,
                takeOverMillis);
        } finally {
            child.destroyForcibly();
            if (survivor != null) {
                survivor.close();
            }
        }
    }
}
