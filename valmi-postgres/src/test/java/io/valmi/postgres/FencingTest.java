package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Destination;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Run A (a process of its own) is inside a slow write into a PostgreSQL table when the connection holding its job
 * lock dies; the row changes; run B takes the lock and sends the new value; then A's write lands the old one. The
 * runs after B must repair the table: B keeps the keys A may still write in doubt until A's write timeout (the lease)
 * has passed, and A starts no write once it has lost its lock.
 */
@WithPostgres
class FencingTest {
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(8);
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    static SyncJob job(String id, PostgresSource source, Destination dest) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(MAPPING).batchSize(10)
            .retryPolicy(RetryPolicy.none()).writeTimeout(WRITE_TIMEOUT).build();
    }

    private static Process startRunA(TestDatabase db, String jobId, String table, String target, Path dir)
        throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), FencingRunA.class.getName(),
            db.jdbcUrl(), db.user(), db.password() == null ? "-" : db.password(), jobId, table, target, dir.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("run-a.log").toFile()).start();
    }

    private static void awaitFile(Path file, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertThat(process.isAlive()).as("run A is alive").isTrue();
            assertThat(System.nanoTime()).as("waiting for " + file).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @ParameterizedTest(name = "first sync: {0}")
    @ValueSource(booleans = {false, true})
    void aLateWriteOfARunThatLostItsLockIsRepairedByTheRunsAfterIt(boolean firstSync, TestDatabase db,
                                                                   @TempDir Path dir) throws Exception {
        String table = "fence_" + firstSync;
        String target = "fence_target_" + firstSync;
        String jobId = "fence-" + firstSync;
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, 3) g",
            "create table " + target + " (id int primary key, v text)");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        Destination dest = PostgresTableDestination.builder(db.dataSource()).table(target).build();
        SyncRunner runner = SyncRunner.create();
        if (!firstSync) {
            runner.run(job(jobId, source, dest)).orThrow();
            db.execute("update " + table + " set v = 'old' where id = 1");
        }

        // Run A writes id 1's value of now; its write hangs; the connection holding its lock dies meanwhile.
        Process runA = startRunA(db, jobId, table, target, dir);
        try {
            awaitFile(dir.resolve("entered"), runA);
            assertThat(db.queryLong("select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory'"
                + " and granted and database = (select oid from pg_database where datname = current_database())"))
                .isEqualTo(1);
            db.execute("update " + table + " set v = 'new' where id = 1");

            // Run B takes the lock and sends the new value.
            long bStarted = System.nanoTime();
            SyncResult runB = runner.run(job(jobId, source, dest)).orThrow();
            assertThat(runB.counts().delivered()).isPositive();
            assertThat(value(db, target, 1)).isEqualTo("new");

            // A's write lands the value before, within its write timeout; A cannot record it.
            Files.writeString(dir.resolve("release"), "go");
            assertThat(runA.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(dir.resolve("run-a.log"), StandardCharsets.UTF_8)).contains("STATUS FAILED");
            assertThat(value(db, target, 1)).isNotEqualTo("new");

            // The next run sends id 1 again, though B's acknowledgement came before A's write landed.
            runner.run(job(jobId, source, dest)).orThrow();
            assertThat(value(db, target, 1)).isEqualTo("new");
            assertThat(db.query("select id, v from " + target + " order by id"))
                .isEqualTo(db.query("select id, v from " + table + " order by id"));

            // Until the lease has passed the key stays in doubt; the first run after it settles the key for good.
            // (The lease is the write timeout and the 200 ms in which a write may start after the lock was proven.)
            long leaseLeft = WRITE_TIMEOUT.plusMillis(200).toNanos() - (System.nanoTime() - bStarted);
            if (leaseLeft > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(leaseLeft) + 500);
            }
            assertThat(runner.run(job(jobId, source, dest)).orThrow().counts().planned()).isPositive();
            assertThat(runner.run(job(jobId, source, dest)).orThrow().counts().planned()).isZero();
            assertThat(db.query("select id, v from " + target + " order by id"))
                .isEqualTo(db.query("select id, v from " + table + " order by id"));
        } finally {
            runA.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "first sync: {0}")
    @ValueSource(booleans = {false, true})
    void noWriteStartsOnceTheRunHasLostItsLock(boolean firstSync, TestDatabase db) {
        String table = "fence_lost_" + firstSync;
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, 6) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        CollectingDestination dest = new CollectingDestination();
        String jobId = "fence-lost-" + firstSync;
        if (!firstSync) {
            SyncRunner.create().run(job(jobId, source, dest)).orThrow();
            db.execute("update " + table + " set v = 'changed'");
            dest.takeReceived();
        }
        // The first write kills the connection that holds the run's lock, then fails as a timeout after the commit
        // would (the plan's batch is retried) or succeeds (the first sync's next batch is handed out).
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        dest.rejector = c -> {
            if (writes.getAndIncrement() == 0) {
                db.queryLong("select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory'"
                    + " and granted and database = (select oid from pg_database where datname = current_database())");
            }
            return null;
        };
        if (!firstSync) {
            dest.applyThenThrow.add(1);
        }

        SyncResult result = SyncRunner.create().run(SyncJob.builder(jobId).source(source).destination(dest)
            .mapping(MAPPING).batchSize(3).retryPolicy(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, 1.0))
            .build());

        assertThat(result.status()).isEqualTo(io.valmi.RunStatus.FAILED);
        // (A first sync finds out when it records the batch; a retry of a plan's batch before it writes again.)
        assertThat(result.error()).hasMessageContaining(firstSync ? "Could not record the acknowledged batch"
            : "lost its lock");
        assertThat(dest.takeReceived()).as("only the first batch's first attempt was written").hasSize(3);
        dest.rejector = c -> null;
        dest.applyThenThrow.clear();
        SyncRunner.create().run(SyncJob.builder(jobId).source(source).destination(dest).mapping(MAPPING)
            .batchSize(3).build()).orThrow();
        assertThat(dest.state).hasSize(6).allSatisfy((k, row) -> assertThat(row.get("v"))
            .isEqualTo(firstSync ? "v" + k : "changed"));
    }

    private static Object value(TestDatabase db, String table, int id) {
        List<List<Object>> rows = db.query("select v from " + table + " where id = " + id);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }
}
