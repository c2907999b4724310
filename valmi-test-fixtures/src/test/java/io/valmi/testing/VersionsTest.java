package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embedded server starts the major version that is asked for (binaries come from Maven Central). */
class VersionsTest {

    @ParameterizedTest
    @ValueSource(ints = {13, 18})
    void embeddedServerRunsTheRequestedVersion(int major) {
        Properties props = new Properties();
        props.setProperty("valmi.test.postgres.provider", "embedded");
        props.setProperty("valmi.test.postgres.version", String.valueOf(major));
        try (PostgresServer server = PostgresServer.start(FixtureSettings.from(props, Map.of()))) {
            assertThat(server.version()).startsWith("PostgreSQL " + major + ".");
            assertThat(server.majorVersion()).isEqualTo(major);
            assertThat(server.choice().reason()).contains("binaries " + major + ".");
        }
    }
}
