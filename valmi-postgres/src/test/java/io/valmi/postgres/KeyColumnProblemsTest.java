package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.GuardException;
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
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/** A key column that cannot work, or does not identify rows, is named with the reason and what to do. */
@WithPostgres
class KeyColumnProblemsTest {

    private static SyncJob job(String id, PostgresSource source, CollectingDestination dest, Mapping mapping) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(mapping).batchSize(100)
            .retryPolicy(RetryPolicy.none()).build();
    }

    private static SyncJob job(String id, PostgresSource source, CollectingDestination dest, Mapping mapping,
                               double maxInvalidFraction) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(mapping).batchSize(100)
            .retryPolicy(RetryPolicy.none()).maxInvalidFraction(maxInvalidFraction).build();
    }

    @Test
    void aKeyThatIsNotUniqueStopsTheRunAndTheWarningNamesTheCandidateKeys(TestDatabase db) {
        db.execute("create table orders (id int primary key, email text unique, status text)",
            "insert into orders select g, 'u' || g || '@example.com', (array['open', 'paid', 'sent'])[g % 3 + 1]"
                + " from generate_series(1, 500) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "orders");
        Mapping byStatus = Mapping.builder().key("status").map("email").build();
        CollectingDestination dest = new CollectingDestination();
        Logger logger = (Logger) LoggerFactory.getLogger("io.valmi");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        SyncResult stopped;
        try {
            stopped = SyncRunner.create().run(SyncJob.builder("by-status").source(source).destination(dest)
                .mapping(byStatus).build());
        } finally {
            logger.detachAppender(appender);
        }

        // By default a run where most rows are invalid fails before anything is sent.
        assertThat(stopped.status()).isEqualTo(RunStatus.FAILED);
        assertThat(stopped.error()).isInstanceOf(GuardException.class)
            .hasMessageContaining("500 of 500 rows (100 %) are invalid")
            .hasMessageContaining("500 share their key with another row")
            .hasMessageContaining("key column \"status\"")
            .hasMessageContaining("50 %").hasMessageContaining("maxInvalidFraction");
        assertThat(dest.received).isEmpty();
        List<String> warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("Sync job 'by-status'")
            .contains("key column \"status\"").contains("500 rows share their key")
            .contains("candidate keys: id (primary key), email (unique)"));

        // Allowed, the run delivers the valid rows and reports the others, each with how many rows share its key.
        SyncResult allowed = SyncRunner.create().run(job("by-status", source, dest, byStatus, 1.0)).orThrow();
        assertThat(allowed.counts().delivered()).isZero();
        assertThat(allowed.counts().invalid(InvalidReason.DUPLICATE_KEY)).isEqualTo(500);
        assertThat(allowed.invalidSamples()).isNotEmpty().allSatisfy(r -> assertThat(r.detail())
            .matches("(166|167) rows share this key; this row: \\(.*@example\\.com\\)"));
    }

    @Test
    void anIncrementalRunMeasuresTheInvalidShareAgainstEveryValidRowNotOnlyThePlannedOnes(TestDatabase db) {
        db.execute("create table codes (id int primary key, code text, name text)",
            "insert into codes values (1, 'a', 'Ann'), (2, 'a', 'Al'), (3, 'a', 'Abe'), (4, 'b', 'Bo'),"
                + " (5, 'c', 'Cy'), (6, 'd', 'Di'), (7, 'e', 'Ed'), (8, 'f', 'Fa'), (9, null, 'Nil')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "codes");
        Mapping byCode = Mapping.builder().key("code").map("name").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.UPSERT).build();
        CollectingDestination dest = new CollectingDestination();
        assertThat(SyncRunner.create().run(job("codes", source, dest, byCode)).orThrow().counts().delivered())
            .isEqualTo(5);

        // The next plan leaves the 5 unchanged rows out; the share is still 4 of 9, not 4 of 4.
        SyncResult unchanged = SyncRunner.create().run(job("codes", source, dest, byCode));
        assertThat(unchanged.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(unchanged.counts().planned()).isZero();
        assertThat(unchanged.counts().invalidTotal()).isEqualTo(4);

        SyncResult stricter = SyncRunner.create().run(job("codes", source, dest, byCode, 0.4));
        assertThat(stricter.error()).isInstanceOf(GuardException.class)
            .hasMessageContaining("4 of 9 rows (44 %) are invalid").hasMessageContaining("40 %");
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
            "amounts"), dest, Mapping.builder().key("amount").map("name").build(), 1.0)).orThrow();
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
