package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceException;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server that stops answering must fail what waits for it within the connection's timeouts, never hang: one that
 * accepts TCP connections but never speaks (a stopped server behind a proxy, a firewall that accepts and drops), and one
 * that freezes in the middle of a run (SIGSTOP: its connections stay open and its kernel answers keepalives).
 */
class NetworkTimeoutsTest {
    /** Far beyond what any of these waits should take, so that a broken bound fails the test instead of hanging CI. */
    private static final Duration HANG = Duration.ofSeconds(120);

    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    /** An embedded server of this class's own, to freeze. */
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start(FixtureSettings.fromEnvironment());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static void assumeFreezable() {
        Assumptions.assumeTrue(server.canCrash(), "needs an embedded server of its own to freeze");
    }

    private static PostgresConnection.Builder connectionTo(TestDatabase db) {
        return PostgresConnection.builder("frozen").host(server.host()).port(server.port()).database(db.name())
            .username(server.adminUser()).sslMode("disable");
    }

    @Test
    void aPortThatAcceptsConnectionsButNeverAnswersFailsWithinTheConnectTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try {
                        accepted.add(silent.accept());
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-port");
            acceptor.setDaemon(true);
            acceptor.start();
            int port = silent.getLocalPort();
            PostgresConnection connection = PostgresConnection.builder("silent").host("127.0.0.1").port(port)
                .database("shop").username("valmi").password("secret").connectTimeout(Duration.ofSeconds(2)).build();
            PostgresSource source = PostgresSource.builder().connection(connection).table("public", "t").build();
            try {
                long started = System.nanoTime();
                SourceException checked = assertTimeoutPreemptively(HANG,
                    () -> catchThrowableOfType(SourceException.class, () -> source.checkPermissions(MAPPING)));
                long checkMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

                started = System.nanoTime();
                SyncResult run = assertTimeoutPreemptively(HANG,
                    () -> Syncs.run("silent", source, new CollectingDestination(), MAPPING, 10));
                long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

                assertThat(accepted).as("the port accepted the connections").isNotEmpty();
                assertThat(checkMillis).as("checkPermissions on a silent port, connect timeout 2 s").isLessThan(30_000);
                assertThat(runMillis).as("a run on a silent port, connect timeout 2 s").isLessThan(30_000);
                assertThat(checked).isNotNull();
                assertThat(checked.getMessage()).contains("host 127.0.0.1, port " + port).contains("within 2 s")
                    .contains("connectTimeout").contains("check that host and port name a PostgreSQL server")
                    .doesNotContain("secret");
                assertThat(checked.isRetriable()).isTrue();
                assertThat(run.status()).isEqualTo(RunStatus.FAILED);
                assertThat(run.error()).isNotNull();
                assertThat(run.error().getMessage()).contains("host 127.0.0.1, port " + port).contains("within 2 s");
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** Freezes the server when it is handed the {@code freezeAt}-th batch of a run, after taking it. */
    static final class FreezingDestination extends CollectingDestination {
        private final PostgresServer server;
        int freezeAt;
        private int written;

        FreezingDestination(PostgresServer server) {
            this.server = server;
        }

        @Override
        public void open(io.valmi.SyncContext context) {
            super.open(context);
            written = 0;
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            WriteResult result = super.write(batch);
            if (++written == freezeAt) {
                server.freeze();
            }
            return result;
        }
    }

    @Test
    void aServerFrozenInTheMiddleOfARunFailsTheRunWithinTheReadTimeoutAndTheNextRunCompletesIt() {
        assumeFreezable();
        try (TestDatabase db = server.createDatabase("frozen")) {
            db.execute("create table frozen (id int primary key, v text)",
                "insert into frozen select g, 'v' || g from generate_series(1, 40) g");
            PostgresConnection connection = connectionTo(db).readTimeout(Duration.ofSeconds(3)).build();
            PostgresSource source = PostgresSource.builder().connection(connection).table("public", "frozen").build();
            FreezingDestination dest = new FreezingDestination(server);

            // A first sync (read ahead on connections of its own), frozen after its second batch.
            dest.freezeAt = 2;
            failsWithinTheReadTimeout(db, source, dest);
            dest.freezeAt = 0;
            assertThat(runUnfrozen(source, dest).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(held(dest)).isEqualTo(table(db));

            // An incremental run (one statement plans it), frozen after its first batch.
            db.execute("update frozen set v = 'changed' where id % 3 = 0", "delete from frozen where id > 35",
                "insert into frozen values (41, 'new')");
            dest.freezeAt = 1;
            failsWithinTheReadTimeout(db, source, dest);
            dest.freezeAt = 0;
            assertThat(runUnfrozen(source, dest).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(held(dest)).isEqualTo(table(db));
        }
    }

    @Test
    void aRunOnAServerFrozenBeforeItStartsFailsWithinTheConnectTimeout() {
        assumeFreezable();
        try (TestDatabase db = server.createDatabase("frozen_start")) {
            db.execute("create table frozen (id int primary key, v text)", "insert into frozen values (1, 'one')");
            PostgresSource source = PostgresSource.builder()
                .connection(connectionTo(db).connectTimeout(Duration.ofSeconds(2)).build())
                .table("public", "frozen").build();
            CollectingDestination dest = new CollectingDestination();
            SyncResult failed;
            long started = System.nanoTime();
            server.freeze();
            try {
                failed = assertTimeoutPreemptively(HANG, () -> Syncs.run("frozen-start", source, dest, MAPPING, 10));
            } finally {
                server.thaw();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(millis).as("a run on a frozen server, connect timeout 2 s").isLessThan(30_000);
            assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
            assertThat(failed.error()).isNotNull();
            assertThat(failed.error().getMessage()).contains("host " + server.host() + ", port " + server.port())
                .contains("within 2 s").contains("connectTimeout");
            assertThat(Syncs.run("frozen-start", source, dest, MAPPING, 10).status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(held(dest)).isEqualTo(table(db));
        }
    }

    @Test
    void connectionsWaitForReadsNoLongerThanTheReadTimeout() throws SQLException {
        try (TestDatabase db = server.createDatabase("read_timeout")) {
            try (Connection c = connectionTo(db).readTimeout(Duration.ofMillis(2500)).build().dataSource()
                .getConnection()) {
                assertThat(c.getNetworkTimeout()).isEqualTo(2500);
            }
            try (Connection c = connectionTo(db).readTimeout(Duration.ZERO).build().dataSource().getConnection()) {
                assertThat(c.getNetworkTimeout()).as("no limit").isZero();
            }
            try (Connection c = connectionTo(db).build().dataSource().getConnection()) {
                assertThat(c.getNetworkTimeout()).as("the default").isEqualTo(30 * 60 * 1000);
            }
        }
    }

    @Test
    void connectionsProbeTheServerAfterAMinuteOfSilence() throws Exception {
        Path tcp = Path.of("/proc/net/tcp");
        Assumptions.assumeTrue(Files.isReadable(tcp), "reads the kernel's socket table (Linux)");
        try (TestDatabase db = server.createDatabase("keepalive");
             Connection c = connectionTo(db).build().dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select client_port from pg_stat_activity where pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            int clientPort = rs.getInt(1);
            // (Read again while a timer of the last exchange, a retransmission say, may still be pending.)
            String timer = keepaliveTimer(clientPort);
            for (int i = 0; i < 100 && timer != null && !timer.startsWith("02:"); i++) {
                Thread.sleep(50);
                timer = keepaliveTimer(clientPort);
            }
            assertThat(timer).as("the connection's socket in the kernel's table").isNotNull();
            assertThat(timer).as("keepalive timer armed").startsWith("02:");
            long hundredths = Long.parseLong(timer.substring(3), 16);
            assertThat(hundredths).as("first probe within a minute, not the system's two hours")
                .isLessThanOrEqualTo(60 * 100L);
        }
    }

    /** The {@code tr:tm->when} column of the kernel's line for the client's socket, or null when there is none. */
    private static String keepaliveTimer(int clientPort) throws IOException {
        String timer = null;
        // Columns: sl local rem st tx:rx tr:when ...; tr 02 is the keepalive timer, "when" is in 1/100 s.
        for (Path table : List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"))) {
            if (!Files.isReadable(table)) {
                continue;
            }
            for (String line : Files.readAllLines(table)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].endsWith(String.format(":%04X", clientPort))
                    && f[2].endsWith(String.format(":%04X", server.port()))) {
                    timer = f[5];
                }
            }
        }
        return timer;
    }

    @Test
    void timeoutsAreCheckedWhenBuilt() {
        PostgresConnection.Builder b = PostgresConnection.builder("t").host("h").database("d").username("u");
        assertThat(b.build().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.build().readTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO).build()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("connectTimeout must be positive");
        b.connectTimeout(Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.readTimeout(Duration.ofSeconds(-1)).build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("readTimeout must be zero (no limit) or");
        assertThatThrownBy(() -> b.readTimeout(Duration.ofMillis(500)).build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("from 1 s");
        assertThat(b.readTimeout(Duration.ZERO).build().toString()).contains("readTimeout=PT0S");
    }

    private static void failsWithinTheReadTimeout(TestDatabase db, PostgresSource source, FreezingDestination dest) {
        SyncResult failed;
        long started = System.nanoTime();
        try {
            failed = assertTimeoutPreemptively(HANG, () -> Syncs.run("frozen", source, dest, MAPPING, 10));
        } finally {
            server.thaw();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(millis).as("a run whose server froze, read timeout 3 s").isLessThan(60_000);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).isNotNull();
        assertThat(failed.error().getMessage()).contains("did not answer within 3 s").contains("readTimeout");
        awaitNoAdvisoryLock(db);
    }

    private static SyncResult runUnfrozen(PostgresSource source, FreezingDestination dest) {
        return assertTimeoutPreemptively(HANG, () -> Syncs.run("frozen", source, dest, MAPPING, 10));
    }

    /**
     * Waits until the thawed server has ended the sessions that the failed run's client closed, and with them the job's
     * lock (the server notices a closed connection only when it reads from it again, after the thaw).
     */
    private static void awaitNoAdvisoryLock(TestDatabase db) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (db.queryLong("select count(*) from pg_locks where locktype = 'advisory'") > 0) {
            assertThat(System.nanoTime()).as("the job's lock is released after the thaw").isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Map<Object, Object> table(TestDatabase db) {
        Map<Object, Object> rows = new LinkedHashMap<>();
        for (List<Object> r : db.query("select id, v from frozen order by id")) {
            rows.put(r.get(0), r.get(1));
        }
        return rows;
    }

    private static Map<Object, Object> held(CollectingDestination dest) {
        Map<Object, Object> rows = new LinkedHashMap<>();
        dest.state.forEach((key, row) -> rows.put(key, row.get("v")));
        return rows;
    }
}
