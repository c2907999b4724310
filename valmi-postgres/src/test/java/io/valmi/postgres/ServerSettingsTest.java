package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Settings a role or database may carry that must not break a run: valmi's sessions lift or pin them for as long as
 * they hold the connection.
 */
@WithPostgres
class ServerSettingsTest {

    /** Takes every batch after a pause, as a remote API would. */
    static final class SlowDestination extends CollectingDestination {
        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            Thread.sleep(350);
            return super.write(batch);
        }
    }

    @Test
    void theBookkeepingSurvivesACrashRightAfterARunWhateverTheSessionsSynchronousCommit() {
        PostgresServer server = PostgresServer.start(FixtureSettings.fromEnvironment());
        try (server) {
            Assumptions.assumeTrue(server.canCrash(), "needs an embedded server of its own to crash");
            TestDatabase db = server.createDatabase("crash");
            // The WAL writer flushes asynchronous commits only every 10 s: a crash right after the run loses them.
            server.executeAdmin("alter system set wal_writer_delay = '10s'");
            server.executeAdmin("select pg_reload_conf()");
            db.execute("create table crash (id int primary key, v text)",
                "insert into crash select g, 'v' || g from generate_series(1, 20) g",
                "alter database " + db.name() + " set synchronous_commit = off", "create table canary (x int)", "checkpoint");
            PostgresSource source = Syncs.source(db.dataSource(), "public", "crash");
            Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.MIRROR).build();
            CollectingDestination dest = new CollectingDestination();
            assertThat(Syncs.run("crash", source, dest, mapping, 8).orThrow().counts().delivered()).isEqualTo(20);

            db.execute("insert into canary values (1)");
            server.crashAndRestart();
            assertThat(db.queryLong("select count(*) from canary")).as("an asynchronous commit lost in the crash")
                .isZero();

            db.execute("delete from crash where id = 7", "checkpoint");
            dest.takeReceived();
            Syncs.run("crash", source, dest, mapping, 8).orThrow();
            assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
                .containsExactly(tuple(ChangeKind.REMOVED, 7));
            assertThat(dest.state).hasSize(19);
        }
    }

    @Test
    void anIdleInTransactionTimeoutOfTheDatabaseDoesNotFailARun(TestDatabase db) {
        db.execute("create table idle_tx (id int primary key, v text)",
            "insert into idle_tx select g, 'v' || g from generate_series(1, 30) g",
            "alter database " + db.name() + " set idle_in_transaction_session_timeout = '200ms'");
        try {
            PostgresSource source = Syncs.source(db.dataSource(), "public", "idle_tx");
            Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.MIRROR).build();
            SlowDestination dest = new SlowDestination();

            SyncResult first = Syncs.run("idle-tx", source, dest, mapping, 5);
            assertThat(first.error()).isNull();
            assertThat(first.counts().delivered()).isEqualTo(30);

            db.execute("update idle_tx set v = 'changed' where id <= 12", "delete from idle_tx where id > 25");
            SyncResult later = Syncs.run("idle-tx", source, dest, mapping, 5);
            assertThat(later.error()).isNull();
            assertThat(later.counts().delivered()).isEqualTo(17);
            assertThat(dest.state).hasSize(25);
        } finally {
            db.execute("alter database " + db.name() + " reset idle_in_transaction_session_timeout");
        }
    }
}
