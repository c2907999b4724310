package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.internal.JobTables;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * A row the destination rejects, with the same values, on {@code quarantineAfter} consecutive runs is quarantined:
 * counted, reported and not sent, until its row changes or the job is told to retry it.
 */
@WithPostgres
class QuarantineTest {
    private static final String SCHEMA = PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA;
    private static final String REFUSED = "field v is too short";

    private static Mapping mapping(SourceMode sourceMode, DestinationMode destinationMode) {
        return Mapping.builder().key("id").map("v").sourceMode(sourceMode).destinationMode(destinationMode).build();
    }

    private static SyncJob.Builder job(String id, PostgresSource source, CollectingDestination dest, Mapping mapping,
                                       int quarantineAfter) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(mapping).batchSize(4)
            .quarantineAfter(quarantineAfter);
    }

    private static PostgresSource table(TestDatabase db, String table, int rows) {
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, " + rows + ") g");
        return Syncs.source(db.dataSource(), "public", table);
    }

    private static List<Object> sentKeys(CollectingDestination dest) {
        return dest.takeReceived().stream().map(Change::key).toList();
    }

    /** The rejection streak the job keeps for a key, or {@code null}. */
    private static Object streak(TestDatabase db, String jobId, String key) {
        List<List<Object>> rows = db.query("select streak from " + new JobTables(SCHEMA, jobId).issuesName()
            + " where reason = 'REJECTED' and key_text = '" + key + "'");
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    @ParameterizedTest
    @EnumSource(SourceMode.class)
    void aRowRejectedOnThreeRunsInARowIsQuarantinedUntilItChanges(SourceMode mode, TestDatabase db) {
        String id = "q_" + mode.name().toLowerCase(Locale.ROOT);
        PostgresSource source = table(db, id, 10);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(7) ? REFUSED : null;
        SyncJob job = job(id, source, dest, mapping(mode, DestinationMode.UPSERT), 3).build();
        SyncRunner runner = SyncRunner.create();

        // Run 1 is a first sync (read straight from the table), runs 2 and 3 plan against the snapshot.
        for (int run = 1; run <= 3; run++) {
            SyncResult result = runner.run(job).orThrow();
            assertThat(sentKeys(dest)).as("run %d", run).contains(7);
            assertThat(result.counts().rejected()).as("run %d", run).isEqualTo(1);
            assertThat(result.counts().quarantined()).as("run %d", run).isZero();
            assertThat(streak(db, id, "7")).as("run %d", run).isEqualTo(run);
        }
        assertThat(runner.plan(job).quarantined()).as("a dry run counts it too").isEqualTo(1);

        Logger logger = (Logger) LoggerFactory.getLogger(PostgresSource.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        SyncResult fourth;
        try {
            fourth = runner.run(job).orThrow();
        } finally {
            logger.detachAppender(logs);
        }
        List<Object> sent = sentKeys(dest);
        assertThat(sent).doesNotContain(7);
        if (mode == SourceMode.FULL_TABLE) {
            assertThat(sent).containsExactly(1, 2, 3, 4, 5, 6, 8, 9, 10);
        } else {
            assertThat(sent).isEmpty();
        }
        assertThat(fourth.counts().quarantined()).isEqualTo(1);
        assertThat(fourth.counts().rejected()).isZero();
        assertThat(fourth.counts().added()).isZero();
        assertThat(source.quarantinedKeys(id, 10)).containsExactly(new QuarantinedKey("7", REFUSED, 3));
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN)
            .extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
            .contains("Sync job '" + id + "': 1 row is quarantined and not sent", "on at least 3 consecutive runs",
                "key 7 (3 runs: " + REFUSED + ")", "PostgresSource.retryQuarantined(\"" + id + "\")");
        assertThat(streak(db, id, "7")).as("a run that does not send it keeps its streak").isEqualTo(3);

        SyncResult fifth = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).doesNotContain(7);
        assertThat(fifth.counts().quarantined()).isEqualTo(1);

        // The row changes: it is sent again, and a rejection of its new values starts a new streak.
        db.execute("update " + id + " set v = 'a longer value' where id = 7");
        SyncResult changed = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).contains(7);
        assertThat(changed.counts().quarantined()).isZero();
        assertThat(changed.counts().rejected()).isEqualTo(1);
        assertThat(streak(db, id, "7")).isEqualTo(1);
        assertThat(source.quarantinedKeys(id, 10)).isEmpty();

        dest.rejector = c -> null;
        runner.run(job).orThrow();
        assertThat(dest.state.get(7).get("v")).isEqualTo("a longer value");
        assertThat(streak(db, id, "7")).as("delivered: its streak ends").isNull();
    }

    @Test
    void retryQuarantinedSendsTheRowsAgainAndAResetReleasesThemToo(TestDatabase db) {
        PostgresSource source = table(db, "retry", 10);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(7) || c.key().equals(9) ? REFUSED : null;
        SyncJob job = job("retry", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        runner.run(job).orThrow();
        dest.takeReceived();
        assertThat(runner.run(job).orThrow().counts().quarantined()).isEqualTo(2);
        assertThat(sentKeys(dest)).isEmpty();

        // One key.
        assertThat(source.retryQuarantined("retry", "8")).isFalse();
        assertThat(source.retryQuarantined("retry", "7")).isTrue();
        SyncResult one = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(7);
        assertThat(one.counts().quarantined()).isEqualTo(1);
        assertThat(streak(db, "retry", "7")).isEqualTo(1);

        // Every key: 9 is quarantined, 7 has a streak of 1 that is forgotten too.
        runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(7);
        assertThat(source.quarantinedKeys("retry", 10)).extracting(QuarantinedKey::key).containsExactly("9");
        assertThat(source.retryQuarantined("retry")).isEqualTo(1);
        assertThat(source.quarantinedKeys("retry", 10)).isEmpty();
        SyncResult all = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(7, 9);
        assertThat(all.counts().rejected()).isEqualTo(2);
        assertThat(streak(db, "retry", "7")).isEqualTo(1);

        runner.run(job).orThrow();
        assertThat(runner.run(job).orThrow().counts().quarantined()).isEqualTo(2);
        dest.takeReceived();

        // A reset starts over: nothing stays quarantined, and the next run is a first sync of every row.
        source.resetJob("retry");
        SyncResult afterReset = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(afterReset.counts().quarantined()).isZero();
        assertThat(afterReset.counts().rejected()).isEqualTo(2);
    }

    @Test
    void aSourceWhoseOnlyRowIsRejectedIsQuarantinedToo(TestDatabase db) {
        // The snapshot stays empty, so every run could be a first sync, which reads no earlier state.
        PostgresSource source = table(db, "lonely", 1);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> REFUSED;
        SyncJob job = job("lonely", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(1, 1);

        SyncResult third = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).isEmpty();
        assertThat(third.counts().quarantined()).isEqualTo(1);
    }

    @Test
    void anUnknownJobIsRefused(TestDatabase db) {
        PostgresSource source = table(db, "known", 3);
        SyncRunner.create().run(job("known", source, new CollectingDestination(),
            mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2).build()).orThrow();
        assertThat(source.retryQuarantined("known")).isZero();
        assertThat(source.quarantinedKeys("known", 5)).isEmpty();

        assertThatThrownBy(() -> source.retryQuarantined("unknown")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("has no sync job 'unknown'").hasMessageContaining("Check the job id");
        assertThatThrownBy(() -> source.retryQuarantined("unknown", "7")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> source.quarantinedKeys("unknown", 5)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("PostgresSource.quarantinedKeys");
    }

    @Test
    void quarantineAfterZeroNeverQuarantinesButTheStreakCounts(TestDatabase db) {
        PostgresSource source = table(db, "never", 6);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(5) ? REFUSED : null;
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT);
        SyncRunner runner = SyncRunner.create();
        for (int run = 1; run <= 5; run++) {
            SyncResult result = runner.run(job("never", source, dest, mapping, 0).build()).orThrow();
            assertThat(sentKeys(dest)).as("run %d", run).contains(5);
            assertThat(result.counts().quarantined()).isZero();
        }
        assertThat(streak(db, "never", "5")).isEqualTo(5);

        // Turned on later, the threshold applies to the streak as it is.
        SyncResult on = runner.run(job("never", source, dest, mapping, 3).build()).orThrow();
        assertThat(sentKeys(dest)).isEmpty();
        assertThat(on.counts().quarantined()).isEqualTo(1);
    }

    @Test
    void aDeliveredKeyEndsItsStreak(TestDatabase db) {
        PostgresSource source = table(db, "ends", 8);
        CollectingDestination dest = new CollectingDestination();
        SyncJob job = job("ends", source, dest, mapping(SourceMode.FULL_TABLE, DestinationMode.UPSERT), 3).build();
        SyncRunner runner = SyncRunner.create();
        dest.rejector = c -> c.key().equals(7) ? REFUSED : null;
        runner.run(job).orThrow();
        runner.run(job).orThrow();
        assertThat(streak(db, "ends", "7")).isEqualTo(2);

        dest.rejector = c -> null;
        assertThat(runner.run(job).orThrow().counts().delivered()).isEqualTo(8);
        assertThat(streak(db, "ends", "7")).isNull();

        // Sent as UNCHANGED every run (full table): three rejections in a row from here on, counted from 1.
        dest.rejector = c -> c.key().equals(7) ? REFUSED : null;
        dest.takeReceived();
        for (int run = 1; run <= 3; run++) {
            SyncResult result = runner.run(job).orThrow();
            assertThat(sentKeys(dest)).as("run %d after the delivery", run).contains(7);
            assertThat(result.counts().rejected()).isEqualTo(1);
        }
        SyncResult quarantined = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).doesNotContain(7).hasSize(7);
        assertThat(quarantined.counts().quarantined()).isEqualTo(1);
        assertThat(quarantined.counts().unchanged()).isEqualTo(7);
    }

    @Test
    void aRunThatFailsBeforeTheKeyKeepsItsStreak(TestDatabase db) {
        PostgresSource source = table(db, "keeps", 8);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(7) ? REFUSED : null;
        SyncJob job = job("keeps", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 3)
            .retryPolicy(RetryPolicy.none()).isolateFailures(false).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        runner.run(job).orThrow();
        assertThat(streak(db, "keeps", "7")).isEqualTo(2);

        // Keys 1 to 4 changed: they are the first batch, which fails; key 7, in the second, is not sent.
        db.execute("update keeps set v = v || '+' where id <= 4");
        dest.applyThenThrow.add(1);
        dest.takeReceived();
        SyncResult failed = runner.run(job);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(sentKeys(dest)).containsExactly(1, 2, 3, 4);
        assertThat(streak(db, "keeps", "7")).isEqualTo(2);

        dest.applyThenThrow.clear();
        runner.run(job).orThrow();
        assertThat(sentKeys(dest)).contains(7);
        assertThat(streak(db, "keeps", "7")).isEqualTo(3);
        SyncResult quarantined = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).isEmpty();
        assertThat(quarantined.counts().quarantined()).isEqualTo(1);
    }

    @Test
    void theRemovalOfAQuarantinedRowIsSentInMirrorMode(TestDatabase db) {
        PostgresSource source = table(db, "gone", 8);
        CollectingDestination dest = new CollectingDestination();
        SyncJob job = job("gone", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR), 2).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        db.execute("update gone set v = 'bad' where id = 7");
        dest.rejector = c -> c.kind() != ChangeKind.REMOVED && "bad".equals(c.row().get("v")) ? REFUSED : null;
        runner.run(job).orThrow();
        runner.run(job).orThrow();
        dest.takeReceived();
        assertThat(runner.run(job).orThrow().counts().quarantined()).isEqualTo(1);
        assertThat(sentKeys(dest)).isEmpty();
        assertThat(dest.state.get(7).get("v")).isEqualTo("v7");

        db.execute("delete from gone where id = 7");
        SyncResult removed = runner.run(job).orThrow();
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.REMOVED, 7));
        assertThat(removed.counts().quarantined()).isZero();
        assertThat(dest.state).doesNotContainKey(7);
        assertThat(db.queryLong("select count(*) from " + new JobTables(SCHEMA, "gone").issuesName()
            + " where key_text = '7'")).isZero();
    }

    @Test
    void aJobOfThePreviousTablesVersionUpgradesInPlace(TestDatabase db) {
        PostgresSource source = table(db, "old_job", 6);
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(4) ? REFUSED : null;
        SyncJob job = job("old_job", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.UPSERT), 2)
            .build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        JobTables t = new JobTables(SCHEMA, "old_job");
        String issues = t.issuesName().toString();
        // As job tables version 3 left them: an issues table without streaks, its rejection of key 4 without one, and a
        // snapshot without the gone column of version 5.
        db.execute("drop index " + SCHEMA + "." + t.issuesName().last() + "_rejected",
            "alter table " + issues + " drop column streak, drop column row_hash",
            "alter table " + t.snapshotName() + " drop column g",
            "update " + t.jobsName() + " set tables_version = 3 where job_id = 'old_job'");
        assertThat(source.quarantinedKeys("old_job", 5)).isEmpty();

        SyncResult upgraded = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).contains(4);
        assertThat(upgraded.counts().quarantined()).as("an old rejection starts no streak").isZero();
        assertThat(db.queryLong("select tables_version from " + t.jobsName() + " where job_id = 'old_job'"))
            .isEqualTo(5);
        assertThat(db.queryLong("select count(*) from information_schema.columns where table_schema = '" + SCHEMA
            + "' and table_name = '" + t.snapshotName().last() + "' and column_name = 'g'")).as("version 5's column")
            .isEqualTo(1);
        assertThat(db.queryLong("select count(*) from pg_indexes where schemaname = '" + SCHEMA + "' and indexname = '"
            + t.issuesName().last() + "_rejected'")).isEqualTo(1);
        assertThat(streak(db, "old_job", "4")).isEqualTo(1);

        runner.run(job).orThrow();
        assertThat(sentKeys(dest)).containsExactly(4);
        SyncResult quarantined = runner.run(job).orThrow();
        assertThat(sentKeys(dest)).isEmpty();
        assertThat(quarantined.counts().quarantined()).isEqualTo(1);
    }
}
