package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class FreezeTest {

    @Test
    void aFrozenServerAnswersNothingUntilItIsThawed() throws SQLException {
        try (PostgresServer server = PostgresServer.start(FixtureSettings.fromEnvironment());
             TestDatabase db = server.createDatabase("freeze")) {
            Assumptions.assumeTrue(server.canCrash(), "needs an embedded server of its own to freeze");
            Properties p = new Properties();
            p.setProperty("user", server.adminUser());
            p.setProperty("socketTimeout", "2");
            try (Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), p); Statement s = c.createStatement()) {
                s.execute("select 1");
                server.freeze();
                try {
                    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> s.execute("select 1"))
                        .isInstanceOf(SQLException.class).hasRootCauseInstanceOf(SocketTimeoutException.class));
                } finally {
                    server.thaw();
                }
            }
            assertThat(db.queryLong("select 41 + 1")).isEqualTo(42);
            server.thaw();
            assertThat(db.queryLong("select 1")).as("thawing a server that is not frozen does nothing").isEqualTo(1);
        }
    }

    @Test
    void theSharedServerCannotBeFrozen() {
        PostgresServer shared = PostgresServer.shared();
        assertThat(shared.canCrash()).isFalse();
        assertThatThrownBy(shared::freeze).isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("of your own");
        assertThatThrownBy(shared::thaw).isInstanceOf(UnsupportedOperationException.class);
    }
}
