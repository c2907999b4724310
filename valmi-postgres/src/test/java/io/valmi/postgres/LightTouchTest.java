package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** While the destination works, valmi holds no transaction and no lock on the source. */
@WithPostgres
class LightTouchTest {

    /**
     * Without reading ahead, no transaction of valmi's is open at all while the destination works. (With it, the
     * next batch's short read may be under way at the same moment: {@link #readingAheadBlocksNoWriterEither}.)
     */
    @Test
    void writersOfTheSourceAreNeverBlockedWhileTheDestinationWorks(TestDatabase db) {
        db.execute("create table busy (id int primary key, v text)",
            "insert into busy select g, 'v' || g from generate_series(1, 30) g");
        List<Long> openTransactions = new ArrayList<>();
        List<Integer> batchSizes = new ArrayList<>();
        Destination destination = writing(batchSizes, n -> {
            openTransactions.add(db.queryLong("select count(*) from pg_stat_activity where datname = current_database()"
                + " and pid <> pg_backend_pid() and state like 'idle in transaction%'"));
            writeTheSource(db, "busy", n * 3);
        });
        Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR).build();

        // (In key order: in physical order, a row updated into the part of the table not read yet is read again,
        // PhysicalFirstSyncTest, and the count below would not hold.)
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "busy")
            .readAhead(false).firstSyncInKeyOrder(true).build();
        SyncResult result = Syncs.run("busy", source, destination, mapping, 10).orThrow();

        assertThat(batchSizes).containsExactly(10, 10, 10);
        assertThat(openTransactions).containsOnly(0L);
        // What was planned is what was sent: the concurrent changes wait for the next run.
        assertThat(result.counts().delivered()).isEqualTo(30);
        assertThat(db.queryLong("select count(*) from busy")).isEqualTo(30);
    }

    @Test
    void readingAheadBlocksNoWriterEither(TestDatabase db) {
        db.execute("create table busy2 (id int primary key, v text)",
            "insert into busy2 select g, 'v' || g from generate_series(1, 30) g");
        List<Integer> batchSizes = new ArrayList<>();
        Destination destination = writing(batchSizes, n -> writeTheSource(db, "busy2", n * 10));
        Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR).build();

        SyncResult result = Syncs.run("busy2", Syncs.source(db.dataSource(), "public", "busy2"), destination, mapping,
            10).orThrow();

        // Every writer went through within its 1 s lock timeout (db.execute would have thrown), and every batch
        // handed out was delivered. (Which rows a batch read ahead saw depends on timing; the next run sends the rest.)
        assertThat(batchSizes.get(0)).isEqualTo(10);
        assertThat(result.counts().delivered()).isEqualTo(batchSizes.stream().mapToLong(Integer::longValue).sum());
    }

    @Test
    void theApplicationsConnectionGetsItsSettingsBack(TestDatabase db) throws Exception {
        // valmi pins its settings for as long as it holds a connection (search_path among them: PostgreSQL 18 reports
        // every change of it, and pgjdbc would drop its prepared statements on each report); a pool's connection must
        // come back with its own, and valmi's transactions must run under valmi's whatever the connection carried.
        db.execute("create table sp (id int primary key, v text, t timestamptz)",
            "insert into sp select g, 'v' || g, timestamptz '2026-01-01 12:00+00' from generate_series(1, 5) g");
        String[][] own = {
            {"search_path", "public, \"$user\""},
            {"idle_in_transaction_session_timeout", "7min"},
            {"TimeZone", "Asia/Kolkata"},
            {"DateStyle", "ISO, DMY"},
            {"IntervalStyle", "sql_standard"},
            {"extra_float_digits", "0"},
            {"bytea_output", "escape"},
            {"lock_timeout", "3s"},
            {"statement_timeout", "1min"},
            {"plan_cache_mode", "force_generic_plan"},
            {"default_transaction_isolation", "repeatable read"},
            {"synchronous_commit", "off"},
            {"application_name", "billing"},
        };
        try (java.sql.Connection physical = db.dataSource().getConnection()) {
            try (java.sql.Statement s = physical.createStatement()) {
                for (String[] setting : own) {
                    s.execute("select set_config('" + setting[0] + "', '" + setting[1].replace("'", "''")
                        + "', false)");
                }
            }
            List<String> seenInRuns = new ArrayList<>();
            javax.sql.DataSource poolOfOne = new SettingsDataSource(db.dataSource()) {
                @Override
                public java.sql.Connection getConnection() {
                    // The same connection every time; close() hands it back instead of closing it.
                    return (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(
                        getClass().getClassLoader(), new Class<?>[] {java.sql.Connection.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("close")) {
                                return null;
                            }
                            try {
                                return method.invoke(physical, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
                }
            };
            PostgresSource source = PostgresSource.builder().dataSource(poolOfOne, "test").table("public", "sp")
                .readAhead(false).build();
            Mapping mapping = Mapping.builder().key("id").map("v").map("t").sourceMode(SourceMode.INCREMENTAL)
                .build();
            Destination dest = writing(new ArrayList<>(), n -> {
                // (Between valmi's transactions, on valmi's session.)
                try (java.sql.Statement s = physical.createStatement();
                     java.sql.ResultSet rs = s.executeQuery("select current_setting('TimeZone'), current_setting("
                         + "'synchronous_commit'), current_setting('lock_timeout'), current_setting("
                         + "'application_name'), current_setting('transaction_isolation')")) {
                    rs.next();
                    seenInRuns.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4) + " " + rs.getString(5));
                    physical.rollback();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(Syncs.run("sp", source, dest, mapping, 2).orThrow().counts().delivered()).isEqualTo(5);
            db.execute("update sp set v = 'new' where id = 3");
            assertThat(Syncs.run("sp", source, dest, mapping, 2).orThrow().counts().delivered()).isEqualTo(1);
            // An application's own name is kept; its off synchronous_commit is raised to on.
            assertThat(seenInRuns).isNotEmpty().allMatch(s -> s.equals("UTC on 30s billing read committed"), "valmi's");
            physical.setAutoCommit(true);
            for (String[] setting : own) {
                try (java.sql.Statement s = physical.createStatement();
                     java.sql.ResultSet rs = s.executeQuery("select current_setting('" + setting[0] + "')")) {
                    rs.next();
                    assertThat(rs.getString(1)).as(setting[0]).isEqualTo(setting[1]);
                }
            }
        }
    }

    @Test
    void aServerClosingIdleSessionsDoesNotEndARunWhileTheDestinationWorks(TestDatabase db) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(db.queryLong("select current_setting('server_version_num')::int")
            >= 140000, "idle_session_timeout exists from PostgreSQL 14");
        db.execute("create table idle (id int primary key, v text)",
            "insert into idle select g, 'v' || g from generate_series(1, 6) g",
            "alter database \"" + db.name() + "\" set idle_session_timeout = '300ms'");
        try {
            Destination slow = writing(new ArrayList<>(), n -> {
                try {
                    Thread.sleep(700);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.MIRROR).build();
            // A first sync (two sessions: the locked one and the one reading ahead) and an incremental one.
            assertThat(Syncs.run("idle", Syncs.source(db.dataSource(), "public", "idle"), slow, mapping, 3).orThrow()
                .counts().delivered()).isEqualTo(6);
            db.execute("update idle set v = 'new'");
            assertThat(Syncs.run("idle", Syncs.source(db.dataSource(), "public", "idle"), slow, mapping, 3).orThrow()
                .counts().delivered()).isEqualTo(6);
        } finally {
            db.execute("alter database \"" + db.name() + "\" reset idle_session_timeout");
        }
    }

    @Test
    void anApplicationsStatementTimeoutDoesNotCancelTheRunsOwnStatements(TestDatabase db) {
        // A view whose every read takes 300 ms, through connections that carry a 100 ms statement_timeout.
        db.execute("create table quick (id int primary key, v text)", "insert into quick values (1, 'a'), (2, 'b')",
            "create view slow as select q.id, q.v from quick q cross join lateral (select pg_sleep(0.15)) s");
        javax.sql.DataSource impatient = new SettingsDataSource(db.dataSource(), "SET statement_timeout = '100ms'");
        CollectingDestination dest = new CollectingDestination();
        Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR).build();
        SyncResult result = Syncs.runOk("slow", Syncs.source(impatient, "public", "slow"), dest, mapping);
        assertThat(result.counts().delivered()).isEqualTo(2);
    }

    /** A destination that keeps its batches' sizes and, while it "writes" batch n (from 1), runs {@code during}. */
    private static Destination writing(List<Integer> batchSizes, java.util.function.IntConsumer during) {
        return new Destination() {
            @Override
            public DestinationCapabilities capabilities() {
                return DestinationCapabilities.all();
            }

            @Override
            public WriteResult write(List<Change> batch) {
                batchSizes.add(batch.size());
                during.accept(batchSizes.size());
                return WriteResult.ok();
            }
        };
    }

    /**
     * Writers of the source, while the destination works: an update, an insert, a delete and DDL go through at once
     * (each would time out after 1 s if valmi held a conflicting lock).
     */
    private static void writeTheSource(TestDatabase db, String table, int id) {
        db.execute("set lock_timeout = '1s'; update " + table + " set v = v || '!' where id = " + id,
            "set lock_timeout = '1s'; insert into " + table + " values (" + (1000 + id) + ", 'new')",
            "set lock_timeout = '1s'; delete from " + table + " where id = " + (id + 1),
            "set lock_timeout = '1s'; alter table " + table + " add column if not exists extra int");
    }
}
