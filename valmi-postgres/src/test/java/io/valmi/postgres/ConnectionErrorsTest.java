package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceException;
import io.valmi.SyncResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A connection that cannot be made is reported with where it went (never the password) and what to check. */
class ConnectionErrorsTest {
    private static final String PASSWORD = "Sup3r-Secr3t-Pa55word";

    private static PostgresConnection connection(String host, int port) {
        return PostgresConnection.builder("warehouse").host(host).port(port).database("shop").username("valmi_reader")
            .password(PASSWORD).sslMode("disable").connectTimeout(Duration.ofSeconds(3)).build();
    }

    @Test
    void anUnknownHostIsNamedWithPortDatabaseAndUser() {
        PostgresConnection conn = connection("no-such-host.invalid", 6543);
        PostgresSource source = PostgresSource.builder().connection(conn).table("public", "orders").build();

        SyncResult result = Syncs.run("unknown-host", source, new CollectingDestination(),
            Mapping.builder().key("id").map("name").build(), 10);

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(SourceException.class)
            .hasMessageContaining("host no-such-host.invalid, port 6543, database shop, user valmi_reader")
            .hasMessageContaining("unknown host")
            .hasMessageContaining("check that the host name is right and resolves")
            .hasMessageNotContaining(PASSWORD);
        StringWriter trace = new StringWriter();
        result.error().printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(PASSWORD);

        assertThatThrownBy(() -> PostgresCatalog.of(conn.dataSource()).namespaces())
            .isInstanceOf(SourceException.class)
            .hasMessageContaining("host no-such-host.invalid, port 6543, database shop, user valmi_reader");
    }

    @Test
    void aRefusedConnectionSaysWhatToCheck() {
        PostgresConnection conn = connection("127.0.0.1", 1);

        assertThatThrownBy(() -> PostgresCatalog.of(conn.dataSource()).namespaces())
            .isInstanceOf(SourceException.class)
            .hasMessageContaining("host 127.0.0.1, port 1, database shop, user valmi_reader")
            .hasMessageContaining("check that the server runs and listens on that host and port")
            .hasMessageNotContaining(PASSWORD);
    }
}
