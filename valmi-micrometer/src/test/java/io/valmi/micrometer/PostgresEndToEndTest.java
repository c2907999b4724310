package io.valmi.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.RecordingDestination;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs from a real PostgreSQL table through {@link PostgresSource}: invalid rows and quarantined ones as the source
 * plans them, a removal, a rejection, and the meters they leave.
 */
@WithPostgres
class PostgresEndToEndTest {

    @Test
    void aPostgresqlSyncLeavesItsMeters(TestDatabase db) {
        // No primary key: a NULL key and a duplicated one are possible, and invalid.
        db.execute("create table customers (id int, email text)",
            "insert into customers select g, 'c' || g || '@example.com' from generate_series(1, 20) g",
            "insert into customers values (null, 'nobody@example.com'), (5, 'twin@example.com')");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "shop")
            .table("public", "customers").build();
        RecordingDestination destination = new RecordingDestination().rejectKey(7, "e-mail bounced");
        SyncJob job = SyncJob.builder("customers").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("email").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.MIRROR).build())
            .quarantineAfter(2).batchSize(5).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<SyncResult> results = new ArrayList<>();

        try (SyncRunner runner = SyncRunner.builder().listener(MicrometerSyncListener.create(registry)).build()) {
            results.add(runner.run(job));   // 18 added; 7 rejected; NULL and both 5s invalid
            results.add(runner.run(job));   // 7 offered again and rejected: its second run in a row
            db.execute("delete from customers where id = 3");
            results.add(runner.run(job));   // 3 removed; 7 quarantined
        }

        assertThat(results).extracting(SyncResult::status).containsOnly(RunStatus.SUCCEEDED);
        assertThat(results.get(2).counts().quarantined()).isEqualTo(1);
        String[] tags = {"job.id", "customers", "source.mode", "incremental", "destination.mode", "mirror"};
        assertThat(registry.get("valmi.sync.run").tags(tags).tags("outcome", "succeeded").timer().count())
            .isEqualTo(3);
        assertThat(registry.get("valmi.sync.rows.delivered").tags(tags).tag("kind", "added").counter().count())
            .isEqualTo(18);
        assertThat(registry.get("valmi.sync.rows.delivered").tags(tags).tag("kind", "removed").counter().count())
            .isEqualTo(1);
        assertThat(registry.get("valmi.sync.rows.rejected").tags(tags).counter().count()).isEqualTo(2);
        assertThat(registry.get("valmi.sync.rows.quarantined").tags(tags).counter().count()).isEqualTo(1);
        assertThat(registry.get("valmi.sync.rows.invalid").tags(tags).tag("reason", "null_key").counter().count())
            .isEqualTo(3);
        assertThat(registry.get("valmi.sync.rows.invalid").tags(tags).tag("reason", "duplicate_key").counter()
            .count()).isEqualTo(6);
        assertThat(registry.get("valmi.sync.write").tags(tags).tag("outcome", "answered").timer().count())
            .isEqualTo(results.stream().mapToLong(r -> r.counts().batches()).sum());
        assertThat(registry.get("valmi.sync.last.success.age").tag("job.id", "customers").gauge().value())
            .isGreaterThanOrEqualTo(0.0).isLessThan(60.0);
    }
}
