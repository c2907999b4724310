package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PostgreSQL cuts names to 63 bytes and cannot hold NUL: such names are refused when the source is built. */
@WithPostgres
class NameLimitsTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.UPSERT).build();

    /** 31 two-byte letters and one more byte: 32 characters, 63 bytes in UTF-8. */
    private static final String SCHEMA_63_BYTES = "ü".repeat(31) + "x";
    /** 32 characters too, but 64 bytes in UTF-8. */
    private static final String SCHEMA_64_BYTES = "ü".repeat(32);

    private static PostgresSource.Builder builder(TestDatabase db) {
        return PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "t");
    }

    @Test
    void aBookkeepingSchemaNameOver63BytesIsRefusedAtBuild(TestDatabase db) {
        assertThat(SCHEMA_64_BYTES.getBytes(StandardCharsets.UTF_8)).hasSize(64);
        assertThatThrownBy(() -> builder(db).bookkeepingSchema(SCHEMA_64_BYTES).build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("bookkeeping schema name \"" + SCHEMA_64_BYTES + "\" is 64 bytes in UTF-8")
            .hasMessageContaining("at most 63 bytes")
            .hasMessageContaining("choose a shorter bookkeeping schema name");
        assertThatThrownBy(() -> builder(db).bookkeepingSchema("a".repeat(64)).build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("is 64 bytes");
    }

    @Test
    void aBookkeepingSchemaNameOf63BytesWorksRunAfterRun(TestDatabase db) {
        db.execute("create table t (id int primary key, v text)", "insert into t values (1, 'a'), (2, 'b')");
        PostgresSource source = builder(db).bookkeepingSchema(SCHEMA_63_BYTES).build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult first = Syncs.runOk("long-schema", source, dest, MAPPING);
        assertThat(first.counts().delivered()).isEqualTo(2);
        db.execute("insert into t values (3, 'c')", "update t set v = 'B' where id = 2");
        SyncResult second = Syncs.runOk("long-schema", source, dest, MAPPING);
        assertThat(second.counts().delivered()).isEqualTo(2);
        SyncResult third = Syncs.runOk("long-schema", source, dest, MAPPING);
        assertThat(third.counts().planned()).isZero();

        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2, 2, 3);
        assertThat(db.queryLong("select count(*) from pg_namespace where nspname = '" + SCHEMA_63_BYTES + "'"))
            .isEqualTo(1);
    }

    @Test
    void sourceNamesPostgresCannotHoldAreRefusedAtBuild(TestDatabase db) {
        String longName = "r".repeat(64);
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table("public", longName).build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("relation name \"" + longName + "\" is 64 bytes in UTF-8")
            .hasMessageContaining("no relation of that name can exist");
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table(longName, "t").build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("schema name \"" + longName + "\" is 64 bytes");
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table("public", "t\u0000x").build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("relation name \"t\\u0000x\" contains NUL (U+0000 at index 1)");
        assertThatThrownBy(() -> builder(db).bookkeepingSchema("valmi\u0000").build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("bookkeeping schema name \"valmi\\u0000\" contains NUL");
    }
}
