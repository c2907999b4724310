package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServerChoiceTest {

    private static FixtureSettings settings(Map<String, String> props, Map<String, String> env) {
        Properties p = new Properties();
        p.putAll(props);
        return FixtureSettings.from(p, env);
    }

    @Test
    void configuredJdbcUrlWinsWithoutAskingDocker() {
        AtomicInteger dockerAsked = new AtomicInteger();
        ServerChoice choice = ServerChoice.choose(
            settings(Map.of("valmi.test.jdbc-url", "jdbc:postgresql://db:5432/x"), Map.of()),
            () -> dockerAsked.incrementAndGet() > 0);
        assertThat(choice.kind()).isEqualTo(ServerKind.EXTERNAL);
        assertThat(choice.reason()).contains("JDBC URL");
        assertThat(dockerAsked).hasValue(0);
    }

    @Test
    void environmentVariableWorksLikeTheProperty() {
        FixtureSettings s = settings(Map.of(), Map.of("VALMI_TEST_JDBC_URL", "jdbc:postgresql://h/db",
            "VALMI_TEST_JDBC_PASSWORD", "secret", "VALMI_TEST_POSTGRES_VERSION", "13"));
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
        assertThat(s.majorVersion()).isEqualTo(13);
        assertThat(s.toString()).doesNotContain("secret");
    }

    @Test
    void mavenRepositoryDefaultsToCentralAndCanBeSetLikeEverySetting() {
        assertThat(settings(Map.of(), Map.of()).mavenRepository()).isEqualTo("https://repo.maven.apache.org/maven2");
        assertThat(settings(Map.of(), Map.of("VALMI_TEST_MAVEN_REPOSITORY", "https://mirror.example/m2"))
            .mavenRepository()).isEqualTo("https://mirror.example/m2");
        assertThat(settings(Map.of("valmi.test.maven-repository", "https://a.example/m2"),
            Map.of("VALMI_TEST_MAVEN_REPOSITORY", "https://b.example/m2")).mavenRepository())
            .as("the system property wins").isEqualTo("https://a.example/m2");
        assertThat(new FixtureSettings(null, null, null, "17", null).mavenRepository())
            .isEqualTo(FixtureSettings.DEFAULT_MAVEN_REPOSITORY);
    }

    @Test
    void dockerIsUsedWhenAvailable() {
        ServerChoice choice = ServerChoice.choose(settings(Map.of(), Map.of()), () -> true);
        assertThat(choice.kind()).isEqualTo(ServerKind.DOCKER);
    }

    @Test
    void embeddedIsTheLastResort() {
        ServerChoice choice = ServerChoice.choose(settings(Map.of(), Map.of()), () -> false);
        assertThat(choice.kind()).isEqualTo(ServerKind.EMBEDDED);
        assertThat(choice.reason()).contains("no Docker engine");
    }

    @Test
    void providerCanBeForced() {
        ServerChoice choice = ServerChoice.choose(
            settings(Map.of("valmi.test.postgres.provider", "embedded", "valmi.test.jdbc-url", "jdbc:postgresql://x/y"),
                Map.of()), () -> true);
        assertThat(choice.kind()).isEqualTo(ServerKind.EMBEDDED);
        assertThatThrownBy(() -> ServerChoice.choose(settings(Map.of("valmi.test.postgres.provider", "external"),
            Map.of()), () -> true)).hasMessageContaining("needs valmi.test.jdbc-url");
    }

    @Test
    void versionMustBeSupported() {
        assertThat(settings(Map.of(), Map.of()).majorVersion()).isEqualTo(17);
        assertThat(settings(Map.of("valmi.test.postgres.version", "15.14.0"), Map.of()).majorVersion()).isEqualTo(15);
        assertThatThrownBy(() -> settings(Map.of("valmi.test.postgres.version", "9"), Map.of()).majorVersion())
            .hasMessageContaining("12 to 18");
    }

    @Test
    void unknownProviderIsRefusedWithTheValidValues() {
        assertThatThrownBy(() -> settings(Map.of("valmi.test.postgres.provider", "dockr"), Map.of()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'dockr'")
            .hasMessageContaining("auto, external, docker, embedded");
        assertThatThrownBy(() -> settings(Map.of(), Map.of("VALMI_TEST_POSTGRES_PROVIDER", "podman")))
            .hasMessageContaining("'podman'")
            .hasMessageContaining("auto, external, docker, embedded");
        assertThat(settings(Map.of("valmi.test.postgres.provider", "Docker"), Map.of()).provider())
            .isEqualTo(ServerKind.DOCKER);
    }
}
