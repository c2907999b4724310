package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

@WithPostgres
class SharedServerTest {

    @Test
    void sharedServerRunsTheRequestedMajorVersion(TestDatabase db) {
        int requested = FixtureSettings.fromEnvironment().majorVersion();
        String version = (String) db.query("select version()").get(0).get(0);
        assertThat(version).startsWith("PostgreSQL " + requested + ".");
        assertThat(db.server().majorVersion()).isEqualTo(requested);
    }

    @Test
    void externalJdbcUrlPathUsesTheGivenServer(TestDatabase db) {
        Properties props = new Properties();
        props.setProperty("valmi.test.jdbc-url", db.jdbcUrl());
        props.setProperty("valmi.test.jdbc-user", db.user());
        try (PostgresServer external = PostgresServer.start(FixtureSettings.from(props, Map.of()))) {
            assertThat(external.choice().kind()).isEqualTo(ServerKind.EXTERNAL);
            assertThat(external.port()).isEqualTo(db.port());
            try (TestDatabase other = external.createDatabase("ExternalPath")) {
                other.execute("create table created_through_external (id int)");
                assertThat(other.queryLong("select count(*) from pg_tables where tablename = 'created_through_external'"))
                    .isEqualTo(1);
                assertThat(db.queryLong("select count(*) from pg_database where datname = '" + other.name() + "'"))
                    .isEqualTo(1);
            }
        }
    }

    @Test
    void nonSuperusersNeedTheirPassword(TestDatabase db) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(db.server().choice().kind() == ServerKind.EMBEDDED,
            "only the embedded server's authentication is set up by the fixture");
        // A name of its own (the server is shared by every test class of the JVM), dropped whatever happens.
        String role = "fixture_login_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        db.execute("create role " + role + " login password 'right-password'");
        try {
            assertThat(db.queryLong("select 1")).isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> db.dataSource(role, "wrong-password").getConnection().close())
                .hasMessageContaining("password authentication failed");
            db.dataSource(role, "right-password").getConnection().close();
        } finally {
            try {
                db.execute("drop role if exists " + role);
            } catch (RuntimeException e) {
                // Not hiding the test's own failure; the role has a unique name and harms no other test.
                System.err.println("Could not drop role " + role + ": " + e);
            }
        }
    }
}
