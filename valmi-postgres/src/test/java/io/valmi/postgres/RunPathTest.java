package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunTimings;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code SyncResult.path()} says which way a run went, and {@code timings()} how long each phase took. */
@WithPostgres
class RunPathTest {
    private static Mapping mapping(String... columns) {
        Mapping.Builder b = Mapping.builder().key("id").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR);
        for (String c : columns) {
            b.map(c);
        }
        return b.build();
    }

    /** Runs a job and checks its timings against the run's duration and the time the call took. */
    private static SyncResult run(String job, PostgresSource source, Mapping mapping) {
        long before = System.nanoTime();
        SyncResult result = Syncs.run(job, source, new CollectingDestination(), mapping, 10).orThrow();
        Duration call = Duration.ofNanos(System.nanoTime() - before);
        RunTimings t = result.timings();
        assertThat(t.prepare()).as("prepare").isPositive();
        assertThat(t.deliver()).as("deliver").isPositive();
        assertThat(t.finish()).as("finish").isPositive();
        assertThat(t.prepare().plus(t.deliver())).as("prepare and deliver lie within the run")
            .isLessThanOrEqualTo(result.duration());
        assertThat(t.total()).as("every phase lies within the call").isLessThanOrEqualTo(call);
        return result;
    }

    @Test
    void aFirstSyncHashesOnTheClientUnlessAColumnsTypeNeedsTheServer(TestDatabase db) {
        db.execute("create table plain (id int primary key, name text, amount numeric(12,2))",
            "insert into plain select g, 'n' || g, g / 3.0 from generate_series(1, 35) g",
            "create table printed (id int primary key, name text, tags int[])",
            "insert into printed select g, 'n' || g, array[g, g + 1] from generate_series(1, 35) g");

        SyncResult plain = run("plain", Syncs.source(db.dataSource(), "public", "plain"), mapping("name", "amount"));
        // (A plain table is read in physical order on PostgreSQL 14 and later, PhysicalFirstSyncTest.)
        String physical = db.queryLong("select current_setting('server_version_num')::int") >= 140_000 ? "/physical"
            : "";
        assertThat(plain.path().name()).isEqualTo("first-sync/client-hash" + physical);
        assertThat(plain.counts().delivered()).isEqualTo(35);

        // An array is hashed by its text form, which only the server prints.
        SyncResult printed = run("printed", Syncs.source(db.dataSource(), "public", "printed"), mapping("name", "tags"));
        assertThat(printed.path().name()).isEqualTo("first-sync/server-hash" + physical);
        assertThat(printed.path().description()).contains("a mapped column's type is hashed by its text form");

        db.execute("update plain set name = 'changed' where id <= 3");
        SyncResult incremental = run("plain", Syncs.source(db.dataSource(), "public", "plain"),
            mapping("name", "amount"));
        assertThat(incremental.path().name()).isEqualTo("plan/row-versions");
        assertThat(incremental.counts().delivered()).isEqualTo(3);
    }

    @Test
    void aViewIsComparedByHashingEveryRow(TestDatabase db) {
        db.execute("create table base (id int primary key, name text)",
            "insert into base select g, 'n' || g from generate_series(1, 25) g",
            "create view v as select id, upper(name) as name from base");
        PostgresSource view = Syncs.source(db.dataSource(), "public", "v");

        SyncResult first = run("view", view, mapping("name"));
        assertThat(first.path().name()).isEqualTo("plan/hash-all");
        assertThat(first.counts().delivered()).isEqualTo(25);
        db.execute("update base set name = 'x' where id = 1");
        SyncResult next = run("view", view, mapping("name"));
        assertThat(next.path().name()).isEqualTo("plan/hash-all");
        assertThat(next.counts().delivered()).isEqualTo(1);
    }
}
