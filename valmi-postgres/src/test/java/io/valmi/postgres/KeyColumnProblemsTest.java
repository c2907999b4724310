package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A key column that cannot work, or does not identify rows, is named with the reason and what to do. */
@WithPostgres
class KeyColumnProblemsTest {

    private static SyncJob job(String id, PostgresSource source, CollectingDestination dest, Mapping mapping) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(mapping).batchSize(100)
            .retryPolicy(RetryPolicy.none()).build();
    }

    @Test
    void everyRowOfADuplicatedKeyIsReportedWithHowManyRowsShareIt(TestDatabase db) {
        db.execute("create table people (id int primary key, code text, name text)",
            "insert into people values (1, 'a', 'Ann'), (2, 'a', 'Al'), (3, 'a', 'Abe'), (4, 'b', 'Bo'),"
                + " (5, 'c', 'Cy'), (6, 'd', 'Di'), (7, 'e', 'Ed'), (8, 'f', 'Fa'), (9, null, 'Nil')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "people");
        Mapping byCode = Mapping.builder().key("code").map("name").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.UPSERT).build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult result = SyncRunner.create().run(job("by-code", source, dest, byCode)).orThrow();

        assertThat(result.counts().delivered()).isEqualTo(5);
        assertThat(result.invalidSamples()).extracting(InvalidRow::reason, InvalidRow::key, InvalidRow::detail)
            .containsExactlyInAnyOrder(
                tuple(InvalidReason.DUPLICATE_KEY, "a", "3 rows share this key; this row: (Ann)"),
                tuple(InvalidReason.DUPLICATE_KEY, "a", "3 rows share this key; this row: (Al)"),
                tuple(InvalidReason.DUPLICATE_KEY, "a", "3 rows share this key; this row: (Abe)"),
                tuple(InvalidReason.NULL_KEY, null, "(Nil)"));
        // 1.0 and 1.00 are one numeric key, as the plan compares them.
        db.execute("create table amounts (id int primary key, amount numeric, name text)",
            "insert into amounts values (1, 1.0, 'one'), (2, 1.00, 'one again'), (3, 2, 'two')");
        SyncResult amounts = SyncRunner.create().run(job("by-amount", Syncs.source(db.dataSource(), "public",
            "amounts"), dest, Mapping.builder().key("amount").map("name").build())).orThrow();
        assertThat(amounts.invalidSamples()).extracting(InvalidRow::detail).containsExactlyInAnyOrder(
            "2 rows share this key; this row: (one)", "2 rows share this key; this row: (\"one again\")");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "json, '''{\"a\": 1}''::json', type json has no equality operator PostgreSQL can index",
        "point, 'point(1, 2)', type point has no equality operator PostgreSQL can index",
        "json[], 'array[''{}''::json]', type json[] has no equality operator PostgreSQL can index",
    })
    void aKeyColumnOfATypeWithoutEqualityIsNamedBeforeAnythingIsTouched(String type, String value, String reason,
                                                                         TestDatabase db) {
        String table = "by_" + type.replace("[]", "_array");
        String bookkeeping = "bk_" + table;
        db.execute("create table " + table + " (id int primary key, doc " + type + ", v text)",
            "insert into " + table + " values (1, " + value + ", 'x')");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", table)
            .bookkeepingSchema(bookkeeping).build();
        Mapping byDoc = Mapping.builder().key("doc").map("v").build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult result = Syncs.run(table, source, dest, byDoc, 10);

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("key column \"doc\"").hasMessageContaining(reason)
            .hasMessageContaining("candidate keys: id (primary key)")
            .hasMessageContaining("pick another key column").hasMessageContaining("cast")
            .hasMessageNotContaining("bookkeeping");
        assertThatThrownBy(() -> SyncRunner.create().plan(job(table, source, dest, byDoc)))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining(reason);
        assertThat(db.queryLong("select count(*) from pg_namespace where nspname = '" + bookkeeping + "'")).isZero();
        assertThat(dest.received).isEmpty();
    }

    @Test
    void aKeyOfATypeWithEqualityButNotUniqueSyncs(TestDatabase db) {
        db.execute("create table by_jsonb (id int primary key, doc jsonb, v text)",
            "insert into by_jsonb values (1, '{\"a\": 1}', 'x'), (2, '{\"a\": 2}', 'y')");
        SyncResult result = Syncs.runOk("by-jsonb", Syncs.source(db.dataSource(), "public", "by_jsonb"),
            new CollectingDestination(), Mapping.builder().key("doc").map("v").build());
        assertThat(result.counts().delivered()).isEqualTo(2);
    }
}
