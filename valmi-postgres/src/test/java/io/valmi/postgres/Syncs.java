package io.valmi.postgres;

import io.valmi.Destination;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import javax.sql.DataSource;

/** Small helpers shared by the source tests. */
final class Syncs {
    private Syncs() {
    }

    static PostgresSource source(DataSource ds, String schema, String table) {
        return PostgresSource.builder().dataSource(ds, "test").table(schema, table).build();
    }

    /** A run without retries, in which a failed batch fails the run (not split to isolate its rows). */
    static SyncResult run(String jobId, PostgresSource source, Destination destination, Mapping mapping, int batchSize) {
        return SyncRunner.create().run(SyncJob.builder(jobId).source(source).destination(destination).mapping(mapping)
            .batchSize(batchSize).retryPolicy(RetryPolicy.none()).isolateFailures(false).build());
    }

    static SyncResult runOk(String jobId, PostgresSource source, Destination destination, Mapping mapping) {
        return run(jobId, source, destination, mapping, 3).orThrow();
    }
}
