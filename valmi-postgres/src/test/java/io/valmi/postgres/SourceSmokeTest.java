package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

@WithPostgres
class SourceSmokeTest {

    @Test
    void fullThenIncremental(TestDatabase db) {
        db.execute("create table public.customers (id bigint primary key, name text, email text, note text)",
            "insert into public.customers select g, 'name ' || g, 'e' || g || '@x.io', 'n' from generate_series(1, 25) g");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table("public", "customers").build();
        CollectingDestination dest = new CollectingDestination();
        Mapping full = Mapping.builder().key("id").map("name", "Name").map("email").destinationMode(DestinationMode.MIRROR)
            .build();
        SyncRunner runner = SyncRunner.create();
        SyncResult r1 = runner.run(job(source, dest, full)).orThrow();
        assertThat(r1.counts().added()).isEqualTo(25);
        assertThat(dest.takeReceived()).hasSize(25).extracting(Change::kind).containsOnly(ChangeKind.ADDED);

        Mapping incr = full.withSourceMode(SourceMode.INCREMENTAL);
        SyncResult r2 = runner.run(job(source, dest, incr)).orThrow();
        assertThat(r2.counts().planned()).isZero();
        assertThat(dest.takeReceived()).isEmpty();

        db.execute("update public.customers set name = 'changed' where id = 3",
            "update public.customers set note = 'unmapped' where id = 4",
            "delete from public.customers where id = 5",
            "insert into public.customers values (100, 'new', null, null)");
        runner.run(job(source, dest, incr)).orThrow();
        List<Change> got = dest.takeReceived();
        assertThat(got).extracting(Change::kind, Change::key).containsExactly(
            org.assertj.core.groups.Tuple.tuple(ChangeKind.CHANGED, 3L),
            org.assertj.core.groups.Tuple.tuple(ChangeKind.REMOVED, 5L),
            org.assertj.core.groups.Tuple.tuple(ChangeKind.ADDED, 100L));
        assertThat(dest.state).hasSize(25);
        assertThat(dest.state.get(3L).get("Name")).isEqualTo("changed");
    }

    private static SyncJob job(PostgresSource source, CollectingDestination dest, Mapping mapping) {
        return SyncJob.builder("smoke").source(source).destination(dest).mapping(mapping).batchSize(7)
            .retryPolicy(RetryPolicy.none()).build();
    }
}
