package io.valmi.postgres;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A run of {@link KillNineTest}, in a process of its own that the test kills with SIGKILL: a sync with several batches
 * out into a PostgreSQL table, each write applied at once and then held for a while, as a slow remote API answers.
 */
public final class KillNineChild {
    static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private KillNineChild() {
    }

    /** Applies a batch to the target table, then waits: the answer comes late. Thread-safe. */
    static final class SlowTable implements Destination {
        private final DataSource ds;
        private final String target;
        private final long holdMillis;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final Path signal;

        SlowTable(DataSource ds, String target, long holdMillis, Path signal) {
            this.ds = ds;
            this.target = target;
            this.holdMillis = holdMillis;
            this.signal = signal;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all().withMaxConcurrency(8);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            int now = inFlight.incrementAndGet();
            try {
                apply(ds, target, batch);
                if (now >= 4 && signal != null && !Files.exists(signal)) {
                    Files.writeString(signal, "4 writes out");
                }
                Thread.sleep(holdMillis);
                return WriteResult.ok();
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Upserts or deletes a batch's changes in a table {@code (id int primary key, v text)}, in one transaction. */
    static void apply(DataSource ds, String target, List<Change> batch) throws Exception {
        try (Connection c = ds.getConnection();
             PreparedStatement upsert = c.prepareStatement("insert into " + target + " (id, v) values (?, ?)"
                 + " on conflict (id) do update set v = excluded.v");
             PreparedStatement delete = c.prepareStatement("delete from " + target + " where id = ?")) {
            c.setAutoCommit(false);
            for (Change ch : batch) {
                if (ch.kind() == ChangeKind.REMOVED) {
                    delete.setInt(1, (Integer) ch.key());
                    delete.addBatch();
                } else {
                    upsert.setInt(1, (Integer) ch.key());
                    upsert.setString(2, (String) ch.requireRow().get(0));
                    upsert.addBatch();
                }
            }
            upsert.executeBatch();
            delete.executeBatch();
            c.commit();
        }
    }

    static SyncJob job(String jobId, PostgresSource source, Destination dest, int concurrency) {
        return SyncJob.builder(jobId).source(source).destination(dest).mapping(MAPPING).batchSize(10)
            .concurrency(concurrency).retryPolicy(RetryPolicy.none()).build();
    }

    /**
     * Runs until killed.
     *
     * @param args JDBC URL, user, password ("-" for none), job id, source table, target table, signal file
     */
    public static void main(String[] args) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[0]);
        ds.setUser(args[1]);
        if (!args[2].equals("-")) {
            ds.setPassword(args[2]);
        }
        PostgresSource source = Syncs.source(ds, "public", args[4]);
        SyncResult result = SyncRunner.create().run(job(args[3], source,
            new SlowTable(ds, args[5], 300, Path.of(args[6])), 4));
        System.out.println("STATUS " + result.status());
        System.exit(0);
    }
}
