package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.ConfigurationException;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

/**
 * A read replica or a read-only role can be read, but valmi keeps its bookkeeping in the same database: the message
 * says that it needs a writable primary, and what to do.
 */
@WithPostgres
class ReadOnlyConnectionTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .build();

    @Test
    void aRunOnAReadOnlyConnectionSaysTheBookkeepingNeedsAWritablePrimary(TestDatabase db) {
        db.execute("create table ro (id int primary key, v text)", "insert into ro values (1, 'a')");
        PostgresSource readOnly = PostgresSource.builder()
            .dataSource(new SettingsDataSource(db.dataSource(), "set default_transaction_read_only = on"), "replica")
            .table("public", "ro").bookkeepingSchema("bk_read_only").build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult result = Syncs.run("ro", readOnly, dest, MAPPING, 10);

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("Sync job 'ro'")
            .hasMessageContaining("read-only")
            .hasMessageContaining("default_transaction_read_only = on")
            .hasMessageContaining("bookkeeping schema \"bk_read_only\"")
            .hasMessageContaining("needs a writable primary")
            .hasMessageContaining("targetServerType=primary")
            .hasMessageContaining("ALTER ROLE");
        assertThat(dest.received).isEmpty();
        assertThat(db.queryLong("select count(*) from pg_namespace where nspname = 'bk_read_only'")).isZero();
    }

    @Test
    void aResetOnAReadOnlyConnectionSaysSoToo(TestDatabase db) {
        db.execute("create table ro_reset (id int primary key, v text)", "insert into ro_reset values (1, 'a')");
        Syncs.runOk("ro-reset", Syncs.source(db.dataSource(), "public", "ro_reset"), new CollectingDestination(),
            MAPPING);
        PostgresSource readOnly = PostgresSource.builder()
            .dataSource(new SettingsDataSource(db.dataSource(), "set default_transaction_read_only = on"), "replica")
            .table("public", "ro_reset").build();

        assertThatThrownBy(() -> readOnly.resetJob("ro-reset"))
            .hasMessageContaining("read-only transaction")
            .hasMessageContaining("needs a writable primary");
        // Nothing was reset: the next run on the primary finds nothing to send.
        assertThat(Syncs.runOk("ro-reset", Syncs.source(db.dataSource(), "public", "ro_reset"),
            new CollectingDestination(), MAPPING).counts().planned()).isZero();
    }
}
