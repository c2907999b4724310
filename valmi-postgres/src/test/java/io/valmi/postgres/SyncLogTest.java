package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.SyncLogEntry.Outcome;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sync log ({@link io.valmi.SyncOptions#syncLog()}): what each run sent of each key and what the destination
 * answered, recorded with the acknowledgement; read by {@link JobHistory#log(String, int)} and by SQL; pruned.
 */
@WithPostgres
class SyncLogTest {
    private static final String BK = PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA;

    private static Mapping mapping(SourceMode sourceMode, DestinationMode destinationMode) {
        return Mapping.builder().key("id").map("v").sourceMode(sourceMode).destinationMode(destinationMode).build();
    }

    private static void table(TestDatabase db, String table, int rows) {
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, " + rows + ") g");
    }

    private static SyncJob.Builder job(String id, PostgresSource source, CollectingDestination dest,
                                       Mapping mapping) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(mapping).batchSize(2)
            .retryPolicy(RetryPolicy.none()).isolateFailures(false).syncLog(true);
    }

    /** The log rows of a run, as (key, kind, outcome, reason), by key. */
    private static List<List<Object>> logOf(TestDatabase db, String runId) {
        return db.query("select key_text, kind, outcome, reason from " + BK + ".valmi_sync_log where run_id = '"
            + runId + "' order by key_text::int");
    }

    private static List<Object> row(Object... values) {
        return java.util.Arrays.asList(values);
    }

    @Test
    void everyKeyARunSentIsLoggedWithItsKindAndOutcomeInMirrorMode(TestDatabase db) {
        table(db, "l_mirror", 6);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "l_mirror");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(3) ? "v too short" : null;
        SyncJob job = job("l-mirror", source, dest, mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR)).build();
        SyncRunner runner = SyncRunner.create();

        // A first sync (read straight from the table), in three batches.
        SyncResult first = runner.run(job).orThrow();
        assertThat(logOf(db, first.runId())).containsExactly(
            row("1", "ADDED", "DELIVERED", null), row("2", "ADDED", "DELIVERED", null),
            row("3", "ADDED", "REJECTED", "v too short"), row("4", "ADDED", "DELIVERED", null),
            row("5", "ADDED", "DELIVERED", null), row("6", "ADDED", "DELIVERED", null));

        // Through the plan table: a change, a removal, an addition, and the rejected key again.
        db.execute("update l_mirror set v = 'new' where id = 2", "delete from l_mirror where id = 4",
            "insert into l_mirror values (7, 'v7')");
        dest.rejector = c -> c.key().equals(7) ? "no room" : null;
        SyncResult second = runner.run(job).orThrow();
        assertThat(logOf(db, second.runId())).containsExactly(
            row("2", "CHANGED", "DELIVERED", null), row("3", "ADDED", "DELIVERED", null),
            row("4", "REMOVED", "DELIVERED", null), row("7", "ADDED", "REJECTED", "no room"));
        assertThat(db.queryLong("select count(*) from " + BK + ".valmi_sync_log where run_id = '" + second.runId()
            + "'")).isEqualTo(second.counts().delivered() + second.counts().rejected());

        // The API: a key's entries, newest first.
        JobHistory history = source.history("l-mirror");
        assertThat(history.log("3", 10)).extracting(SyncLogEntry::runId, SyncLogEntry::kind, SyncLogEntry::outcome,
            SyncLogEntry::reason).containsExactly(
                tuple(second.runId(), ChangeKind.ADDED, Outcome.DELIVERED, null),
                tuple(first.runId(), ChangeKind.ADDED, Outcome.REJECTED, "v too short"));
        assertThat(history.log("4", 10)).extracting(SyncLogEntry::kind, SyncLogEntry::outcome).containsExactly(
            tuple(ChangeKind.REMOVED, Outcome.DELIVERED), tuple(ChangeKind.ADDED, Outcome.DELIVERED));
        assertThat(history.log("4", 1)).extracting(SyncLogEntry::runId).containsExactly(second.runId());
        assertThat(history.log("4", 10).get(0).loggedAt()).isAfter(history.log("4", 10).get(1).loggedAt());
        assertThat(history.log("4", 10).get(0).key()).isEqualTo("4");
        assertThat(history.log("99", 10)).isEmpty();

        // README's query: when was key 7 last sent, and what happened.
        assertThat(db.query("select l.logged_at is not null, l.kind, l.outcome, l.reason, r.status"
            + " from " + BK + ".valmi_sync_log l left join " + BK + ".valmi_runs r on r.run_id = l.run_id"
            + " where l.job_id = 'l-mirror' and l.key_text = '7' order by l.logged_at desc limit 1"))
            .containsExactly(row(true, "ADDED", "REJECTED", "no room", "SUCCEEDED"));
    }

    @Test
    void aBatchThatFailedIsNotLoggedAndFullTableRunsLogUnchangedRows(TestDatabase db) {
        table(db, "l_full", 4);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "l_full");
        CollectingDestination dest = new CollectingDestination();
        SyncJob job = job("l-full", source, dest, mapping(SourceMode.FULL_TABLE, DestinationMode.UPSERT)).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();

        // The second batch fails after the destination applied it: its keys are in doubt, not logged.
        db.execute("update l_full set v = 'x' where id = 1");
        dest.applyThenThrow.add(2);
        SyncResult failed = runner.run(job);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(logOf(db, failed.runId())).containsExactly(
            row("1", "CHANGED", "DELIVERED", null), row("2", "UNCHANGED", "DELIVERED", null));

        dest.applyThenThrow.clear();
        SyncResult next = runner.run(job).orThrow();
        assertThat(logOf(db, next.runId())).containsExactly(
            row("1", "UNCHANGED", "DELIVERED", null), row("2", "UNCHANGED", "DELIVERED", null),
            row("3", "CHANGED", "DELIVERED", null), row("4", "CHANGED", "DELIVERED", null));
    }

    @Test
    void nothingIsLoggedWhenTheLogIsOff(TestDatabase db) {
        table(db, "l_off", 5);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "l_off");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(2) ? "no" : null;
        Mapping mirror = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        SyncRunner runner = SyncRunner.create();
        runner.run(job("l-off", source, dest, mirror).syncLog(false).build()).orThrow();
        db.execute("update l_off set v = 'new' where id = 1", "delete from l_off where id = 5");
        SyncResult off = runner.run(job("l-off", source, dest, mirror).syncLog(false).build()).orThrow();
        assertThat(off.counts().delivered()).isEqualTo(2);
        assertThat(db.queryLong("select count(*) from " + BK + ".valmi_sync_log where job_id = 'l-off'")).isZero();
        assertThat(source.history("l-off").log("1", 10)).isEmpty();

        // Turned on for one run: that run is logged.
        db.execute("update l_off set v = 'newer' where id = 1");
        SyncResult on = runner.run(job("l-off", source, dest, mirror).build()).orThrow();
        assertThat(logOf(db, on.runId())).containsExactly(row("1", "CHANGED", "DELIVERED", null),
            row("2", "ADDED", "REJECTED", "no"));
        assertThat(db.queryLong("select count(*) from " + BK + ".valmi_sync_log where job_id = 'l-off'"))
            .isEqualTo(2);
    }

    @Test
    void logRowsOlderThanTheRetentionArePrunedByTheJobsNextRun(TestDatabase db) {
        table(db, "l_keep", 3);
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "l_keep")
            .historyRetention(Duration.ofDays(7)).build();
        CollectingDestination dest = new CollectingDestination();
        Mapping mirror = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        SyncRunner runner = SyncRunner.create();
        SyncResult old = runner.run(job("l-keep", source, dest, mirror).build()).orThrow();
        db.execute("update l_keep set v = 'new' where id = 2");
        SyncResult recent = runner.run(job("l-keep", source, dest, mirror).build()).orThrow();
        // Another job's log, as old: only its own runs prune it.
        table(db, "l_other", 1);
        PostgresSource other = Syncs.source(db.dataSource(), "public", "l_other");
        SyncResult otherRun = runner.run(job("l-other", other, new CollectingDestination(), mirror).build()).orThrow();
        db.execute("update " + BK + ".valmi_sync_log set logged_at = logged_at - interval '8 days' where run_id in ('"
            + old.runId() + "', '" + otherRun.runId() + "')");
        db.execute("update " + BK + ".valmi_sync_log set logged_at = logged_at - interval '6 days' where run_id = '"
            + recent.runId() + "'");
        assertThat(source.history("l-keep").log("2", 10)).hasSize(2);

        db.execute("update l_keep set v = 'newer' where id = 3");
        SyncResult third = runner.run(job("l-keep", source, dest, mirror).build()).orThrow();
        assertThat(source.history("l-keep").log("2", 10)).extracting(SyncLogEntry::runId)
            .containsExactly(recent.runId());
        assertThat(source.history("l-keep").log("3", 10)).extracting(SyncLogEntry::runId)
            .containsExactly(third.runId());
        assertThat(db.queryLong("select count(*) from " + BK + ".valmi_sync_log where run_id = '" + old.runId() + "'"))
            .isZero();
        assertThat(other.history("l-other").log("1", 10)).extracting(SyncLogEntry::runId)
            .containsExactly(otherRun.runId());
    }
}
