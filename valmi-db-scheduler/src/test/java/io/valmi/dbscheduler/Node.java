package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.valmi.Destination;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.Schedule;
import io.valmi.SyncContext;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * One application instance of a test: its own connection pool, runner, source and db-scheduler, with short
 * heartbeats. It records the results of its runs and the executions db-scheduler completed.
 */
final class Node implements AutoCloseable {
    static final Duration POLLING = Duration.ofMillis(200);
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    static final int MISSED_HEARTBEATS = 4;
    static final Mapping MAPPING = Mapping.builder().key("id").map("v").build();

    final String name;
    final HikariDataSource pool;
    final SyncRunner runner;
    final ClusterSyncScheduler cluster;
    /** The results of this node's runs, in the order they ended. */
    final List<SyncResult> results;
    /** The scheduled times of the executions this instance completed. */
    final List<Instant> executed = new CopyOnWriteArrayList<>();

    private Node(String name, HikariDataSource pool, List<SyncResult> results, SyncRunner runner, SyncJob job,
                 Schedule schedule, Duration cancelWait, Duration polling) {
        this.name = name;
        this.pool = pool;
        this.results = results;
        this.runner = runner;
        this.cluster = fast(ClusterSyncScheduler.builder(pool, runner), name).schedule(job, schedule)
            .cancelWait(cancelWait).pollingInterval(polling)
            .customize(b -> b.addSchedulerListener(new AbstractSchedulerListener() {
                @Override
                public void onExecutionComplete(ExecutionComplete complete) {
                    executed.add(complete.getExecution().getExecutionTime());
                }
            }))
            .build();
    }

    /** Short polling and heartbeats: a dead instance's job is taken over within about three seconds. */
    static ClusterSyncScheduler.Builder fast(ClusterSyncScheduler.Builder builder, String name) {
        return builder.schedulerName(name).threads(2).pollingInterval(POLLING).heartbeatInterval(HEARTBEAT)
            .missedHeartbeatsLimit(MISSED_HEARTBEATS);
    }

    static HikariDataSource pool(String url, String user, String password, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName(name);
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    static SyncJob job(String id, DataSource ds, String table, Destination destination) {
        PostgresSource source = PostgresSource.builder().dataSource(ds, "test").table("public", table).build();
        return SyncJob.builder(id).source(source).destination(destination).mapping(MAPPING).batchSize(10)
            .retryPolicy(RetryPolicy.none()).writeTimeout(Duration.ofSeconds(5)).build();
    }

    /** What a node runs: its job, built on its own pool. */
    interface JobFactory {
        SyncJob job(DataSource pool);
    }

    static Node start(String name, io.valmi.testing.TestDatabase db, JobFactory job, Schedule schedule) {
        return start(name, db, job, schedule, Duration.ofSeconds(30), POLLING);
    }

    static Node start(String name, io.valmi.testing.TestDatabase db, JobFactory job, Schedule schedule,
                      Duration cancelWait, Duration polling) {
        HikariDataSource pool = pool(db.jdbcUrl(), db.user(), db.password(), name);
        List<SyncResult> results = new CopyOnWriteArrayList<>();
        SyncRunner runner = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void runFinished(SyncContext context, SyncResult result) {
                results.add(result);
            }
        }).build();
        Node node = new Node(name, pool, results, runner, job.job(pool), schedule, cancelWait, polling);
        node.cluster.start();
        return node;
    }

    long count(RunStatus status) {
        return results.stream().filter(r -> r.status() == status).count();
    }

    @Override
    public void close() {
        try {
            cluster.close();
            runner.close();
        } finally {
            pool.close();
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
