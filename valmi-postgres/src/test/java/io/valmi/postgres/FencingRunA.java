package io.valmi.postgres;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.SyncContext;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Run A of {@link FencingTest}, in a process of its own: a sync into a PostgreSQL table whose first write waits until
 * the test lets it go on (file {@code release} in the given directory), after it said it is inside the write (file
 * {@code entered}). Prints the run's status last.
 */
public final class FencingRunA {
    private FencingRunA() {
    }

    /** Holds the first write until released. */
    static final class Gate implements Destination {
        private final Destination target;
        private final Path dir;
        private boolean held;

        Gate(Destination target, Path dir) {
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
            if (!held) {
                held = true;
                Files.writeString(dir.resolve("entered"), "in write");
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!Files.exists(dir.resolve("release")) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            return target.write(batch);
        }

        @Override
        public void close() throws Exception {
            target.close();
        }
    }

    /**
     * Runs A.
     *
     * @param args JDBC URL, user, password ("-" for none), job id, source table, target table, directory for the signals
     */
    public static void main(String[] args) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[0]);
        ds.setUser(args[1]);
        if (!args[2].equals("-")) {
            ds.setPassword(args[2]);
        }
        PostgresSource source = Syncs.source(ds, "public", args[4]);
        Destination target = PostgresTableDestination.builder(ds).table(args[5]).build();
        SyncResult result = SyncRunner.create().run(FencingTest.job(args[3], source,
            new Gate(target, Path.of(args[6]))));
        System.out.println("STATUS " + result.status());
        System.exit(0);
    }
}
