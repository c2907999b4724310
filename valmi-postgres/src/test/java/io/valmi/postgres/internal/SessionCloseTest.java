package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.valmi.postgres.PostgresConnection;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A session of a server that froze is closed within a bound, not after the whole read timeout. */
class SessionCloseTest {
    private static final Duration HANG = Duration.ofSeconds(120);

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
    void closingASessionOfAFrozenServerWaitsBoundedNotTheWholeReadTimeout() {
        assumeFreezable();
        try (TestDatabase db = server.createDatabase("frozen_close")) {
            // The session lifts idle_session_timeout (PostgreSQL 14+) and search_path; close() restores them, on the
            // network, where a frozen server would keep it for the whole read timeout of a minute.
            PostgresConnection connection = connectionTo(db).readTimeout(Duration.ofSeconds(60)).build();
            Session session = Session.open(connection.dataSource(), "frozen close", true);
            long started = System.nanoTime();
            server.freeze();
            try {
                assertTimeoutPreemptively(HANG, session::close);
            } finally {
                server.thaw();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // (Each restoring statement waits at most 10 s; unbounded, the first would wait 60 s.)
            assertThat(millis).as("closing a session of a frozen server, read timeout 60 s").isLessThan(40_000);
        }
    }
}
