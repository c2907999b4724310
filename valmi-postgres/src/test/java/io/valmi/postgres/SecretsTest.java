package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SyncResult;
import io.valmi.testing.ServerKind;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@WithPostgres
class SecretsTest {
    private static final String PASSWORD = "Sup3r-Secr3t-Pa55word";

    @Test
    void toStringHidesThePassword() {
        PostgresConnection c = PostgresConnection.builder("crm").host("db.example").database("crm").username("valmi")
            .password(PASSWORD).build();
        assertThat(c.toString()).doesNotContain(PASSWORD).contains("****").contains("db.example");
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.jdbcUrl()).doesNotContain(PASSWORD);
    }

    @Test
    void failedLoginNeverShowsThePassword(TestDatabase db) {
        Assumptions.assumeTrue(db.server().choice().kind() == ServerKind.EMBEDDED,
            "the embedded server asks non-superusers for their password");
        db.execute("create table t (id int primary key)");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try (TestRole user = TestRole.create(db, "secret_user", "the-right-one")) {
            PostgresConnection wrong = PostgresConnection.builder("secrets").host(db.host()).port(db.port())
                .database(db.name()).username(user.name()).password(PASSWORD).sslMode("disable").build();
            PostgresSource source = PostgresSource.builder().connection(wrong).table("public", "t").build();
            SyncResult result = Syncs.run("secrets", source, new CollectingDestination(),
                Mapping.builder().key("id").map("id").build(), 10);

            assertThat(result.status()).isEqualTo(RunStatus.FAILED);
            StringWriter trace = new StringWriter();
            result.error().printStackTrace(new PrintWriter(trace));
            assertThat(trace.toString()).contains("password authentication failed").doesNotContain(PASSWORD);
            assertThat(appender.list).isNotEmpty();
            for (ILoggingEvent e : appender.list) {
                assertThat(e.getFormattedMessage()).doesNotContain(PASSWORD);
                if (e.getThrowableProxy() != null) {
                    assertThat(ThrowableProxyUtil.asString(e.getThrowableProxy())).doesNotContain(PASSWORD);
                }
            }
            assertThat(source.toString()).doesNotContain(PASSWORD);
        } finally {
            root.detachAppender(appender);
        }
    }
}
