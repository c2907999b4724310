package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The README's advice for an application's own HikariCP pool, compiled and run. */
@WithPostgres
class HikariTimeoutsTest {

    @Test
    void theReadmesPoolSettingsReachItsConnectionsAndARunWorksThroughThem(TestDatabase db) throws SQLException {
        db.execute("create table pooled (id int primary key, v text)",
            "insert into pooled select g, 'v' || g from generate_series(1, 25) g");
        String jdbcUrl = db.jdbcUrl();
        // tag::hikari[]
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.addDataSourceProperty("loginTimeout", "10");
        config.addDataSourceProperty("socketTimeout", "1800");   // 30 min
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // end::hikari[]
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection()) {
                assertThat(c.getNetworkTimeout()).as("socketTimeout, in ms").isEqualTo(1_800_000);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SyncResult result = SyncRunner.create().run(SyncJob.builder("pooled")
                .source(PostgresSource.builder().dataSource(pool, "pool").table("public", "pooled").build())
                .destination(JsonLinesDestination.toStream(out))
                .mapping(Mapping.builder().key("id").map("v").build()).build());
            assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(result.counts().delivered()).isEqualTo(25);
            try (Connection c = pool.getConnection()) {
                assertThat(c.getNetworkTimeout()).as("left as the pool had it after a run").isEqualTo(1_800_000);
            }
        }
    }
}
