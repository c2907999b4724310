package io.valmi.dbscheduler;

import com.zaxxer.hikari.HikariDataSource;
import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.SyncContext;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.postgres.PostgresTableDestination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An application instance of {@link DeadInstanceTest} in a process of its own: a db-scheduler instance with the job,
 * into a PostgreSQL table, whose writes are slow. After its first write it says so (file {@code entered} in the given
 * directory) and goes on until the test kills it (it ends by itself after a minute).
 */
public final class ChildInstance {
    private ChildInstance() {
    }

    /** Each write after the first waits a while, so that the run is still on when the test kills the process. */
    static final class SlowWrites implements Destination {
        private final Destination target;
        private final Path dir;
        private boolean first = true;

        SlowWrites(Destination target, Path dir) {
            this.target = target;
            this.dir = dir;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return target.capabilities();
        }

        @Override
        public void open(SyncContext context) throws Exception {
            target.open(context);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            if (!first) {
                Thread.sleep(300);
            }
            WriteResult result = target.write(batch);
            if (first) {
                first = false;
                Files.writeString(dir.resolve("entered"), "wrote a batch");
            }
            return result;
        }

        @Override
        public void close() throws Exception {
            target.close();
        }
    }

    /**
     * Runs the instance.
     *
     * @param args JDBC URL, user, password ("-" for none), job id, source table, target table, directory for the signal
     * @throws Exception when it cannot start
     */
    public static void main(String[] args) throws Exception {
        HikariDataSource pool = Node.pool(args[0], args[1], args[2].equals("-") ? null : args[2], "child");
        Destination target = new SlowWrites(PostgresTableDestination.builder(pool).table(args[5]).build(),
            Path.of(args[6]));
        ClusterSyncScheduler cluster = Node.fast(ClusterSyncScheduler.builder(pool, SyncRunner.create()), "child")
            .schedule(Node.job(args[3], pool, args[4], target), DeadInstanceTest.HOURLY)
            .build();
        cluster.start();
        Thread.sleep(60_000);
        System.exit(1);
    }
}
