package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncCounts;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.TemporalUnitOffset;
import org.junit.jupiter.api.Test;

/**
 * The run history as an API ({@link PostgresSource#history(String)}): runs newest first and paged, with status,
 * counts, times and error; the job's state and issues; retention.
 */
@WithPostgres
class RunHistoryTest {
    private static final String BK = PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA;
    private static final Mapping MIRROR = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private static void table(TestDatabase db, String table, int rows) {
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, " + rows + ") g");
    }

    private static SyncJob job(String id, PostgresSource source, CollectingDestination dest) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(MIRROR).batchSize(3)
            .retryPolicy(RetryPolicy.none()).isolateFailures(false).build();
    }

    /** PostgreSQL keeps times to the microsecond (rounded). */
    private static final TemporalUnitOffset MICROSECOND = within(1, ChronoUnit.MICROS);

    /** The counts without entries of 0 in their maps (a result's map of invalid rows may have them). */
    private static SyncCounts withoutZeros(SyncCounts c) {
        Map<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
        c.invalid().forEach((reason, n) -> {
            if (n > 0) {
                invalid.put(reason, n);
            }
        });
        Map<ChangeKind, Long> delivered = new EnumMap<>(ChangeKind.class);
        c.deliveredByKind().forEach((kind, n) -> {
            if (n > 0) {
                delivered.put(kind, n);
            }
        });
        return new SyncCounts(c.planned(), c.added(), c.changed(), c.unchanged(), c.removed(), invalid, c.delivered(),
            c.rejected(), c.skipped(), c.inDoubt(), c.batches(), c.retries(), c.throttles(), c.splits(), delivered,
            c.quarantined());
    }

    @Test
    void runsAreListedNewestFirstWithTheirStatusCountsTimesAndError(TestDatabase db) {
        table(db, "h_runs", 10);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "h_runs");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(3) ? "name too short" : null;
        SyncRunner runner = SyncRunner.create();

        // 1: a first sync with a rejection.
        SyncResult first = runner.run(job("h-runs", source, dest)).orThrow();
        // 2: a removal and a change, and a destination that times out after applying the first batch: FAILED.
        db.execute("delete from h_runs where id = 5", "update h_runs set v = 'new' where id = 7");
        dest.applyThenThrow.add(1);
        SyncResult failed = runner.run(job("h-runs", source, dest));
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        // 3: everything goes through (the rejected key 3, the removal, the change, the keys in doubt).
        dest.applyThenThrow.clear();
        dest.rejector = c -> null;
        SyncResult third = runner.run(job("h-runs", source, dest)).orThrow();
        assertThat(third.counts().delivered(ChangeKind.REMOVED)).isEqualTo(1);

        JobHistory history = source.history("h-runs");
        List<RunRecord> runs = history.runs(10);
        assertThat(runs).extracting(RunRecord::runId, RunRecord::status).containsExactly(
            tuple(third.runId(), RunStatus.SUCCEEDED), tuple(failed.runId(), RunStatus.FAILED),
            tuple(first.runId(), RunStatus.SUCCEEDED));
        List<SyncResult> results = List.of(third, failed, first);
        for (int i = 0; i < runs.size(); i++) {
            RunRecord run = runs.get(i);
            SyncResult result = results.get(i);
            assertThat(run.jobId()).isEqualTo("h-runs");
            assertThat(run.counts()).as("run %d", i).isEqualTo(withoutZeros(result.counts()));
            assertThat(run.startedAt()).isCloseTo(result.startedAt(), MICROSECOND);
            assertThat(run.finishedAt()).isCloseTo(result.finishedAt(), MICROSECOND);
            assertThat(run.duration()).isEqualTo(Duration.between(run.startedAt(), run.finishedAt()));
        }
        assertThat(runs.get(2).counts().added()).isEqualTo(10);
        assertThat(runs.get(2).counts().rejected()).isEqualTo(1);
        assertThat(runs.get(2).counts().delivered(ChangeKind.ADDED)).isEqualTo(9);
        assertThat(runs.get(2).error()).isNull();
        assertThat(runs.get(1).counts().inDoubt()).isPositive();
        assertThat(runs.get(1).error()).isEqualTo(failed.error().getMessage())
            .contains("read timed out after the remote commit");
        assertThat(runs.get(0).counts().delivered(ChangeKind.REMOVED)).isEqualTo(1);
        assertThat(runs.get(0).counts().delivered(ChangeKind.CHANGED)).isPositive();

        // Pages: by the last run seen, never by position.
        assertThat(history.runs(1)).extracting(RunRecord::runId).containsExactly(third.runId());
        assertThat(history.runs(2, third.runId())).extracting(RunRecord::runId)
            .containsExactly(failed.runId(), first.runId());
        assertThat(history.runs(1, failed.runId())).extracting(RunRecord::runId).containsExactly(first.runId());
        assertThat(history.runs(5, first.runId())).isEmpty();
        assertThat(history.runs(0)).isEmpty();
        assertThatThrownBy(() -> history.runs(1, "no-such-run")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("no run 'no-such-run'");
        assertThatThrownBy(() -> history.runs(-1)).isInstanceOf(IllegalArgumentException.class);

        // A run recorded between two pages does not shift the next page.
        List<RunRecord> page = history.runs(2);
        runner.run(job("h-runs", source, dest)).orThrow();
        assertThat(history.runs(2, page.get(1).runId())).extracting(RunRecord::runId).containsExactly(first.runId());

        // The job's state.
        JobState state = history.state();
        RunRecord newest = history.runs(1).get(0);
        assertThat(state.lastStatus()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(state.lastRunAt()).isEqualTo(newest.finishedAt());
        assertThat(state.lastSuccessAt()).isEqualTo(newest.finishedAt());
        assertThat(state.lastSuccessRunId()).isEqualTo(newest.runId());
        assertThat(state.rowsKnown()).isEqualTo(9);
        assertThat(state.firstSyncInProgress()).isFalse();
        assertThat(state.invalidRows()).isZero();
        assertThat(state.rejectedKeys()).isZero();
    }

    @Test
    void theStateAndTheIssuesOfAJob(TestDatabase db) {
        // No key declared unique: NULL and duplicated keys are found by the plan.
        db.execute("create table h_issues (id int, v text)",
            "insert into h_issues values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (4, 'e'), (null, 'f'), (5, 'g')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "h_issues");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(2) ? "bad email" : null;
        SyncJob job = SyncJob.builder("h-issues").source(source).destination(dest).mapping(MIRROR)
            .quarantineAfter(2).build();
        SyncRunner runner = SyncRunner.create();
        SyncResult first = runner.run(job).orThrow();

        JobHistory history = source.history("h-issues");
        JobState state = history.state();
        assertThat(state.jobId()).isEqualTo("h-issues");
        assertThat(state.lastSuccessRunId()).isEqualTo(first.runId());
        assertThat(state.rowsKnown()).as("1, 3, 5: not the rejected 2, not the duplicated 4").isEqualTo(3);
        assertThat(state.invalidRows()).isEqualTo(3);
        assertThat(state.rejectedKeys()).isEqualTo(1);
        assertThat(state.quarantinedKeys()).isZero();
        assertThat(history.invalidRows(10)).extracting(InvalidRow::reason, InvalidRow::key).containsExactly(
            tuple(InvalidReason.DUPLICATE_KEY, "4"), tuple(InvalidReason.DUPLICATE_KEY, "4"),
            tuple(InvalidReason.NULL_KEY, null));
        assertThat(history.invalidRows(10).get(0).detail()).startsWith("2 rows share this key; this row: (");
        assertThat(history.invalidRows(10).get(2).detail()).isEqualTo("(f)");
        assertThat(history.invalidRows(1)).hasSize(1);
        List<RejectedKey> rejected = history.rejectedKeys(10);
        assertThat(rejected).extracting(RejectedKey::key, RejectedKey::reason, RejectedKey::rejections,
            RejectedKey::runId).containsExactly(tuple("2", "bad email", 1, first.runId()));
        assertThat(rejected.get(0).rejectedAt()).isBetween(first.startedAt().minusSeconds(5),
            first.finishedAt().plusSeconds(5));

        SyncResult second = runner.run(job).orThrow();
        assertThat(history.rejectedKeys(10)).extracting(RejectedKey::rejections, RejectedKey::runId)
            .containsExactly(tuple(2, second.runId()));
        assertThat(runner.run(job).orThrow().counts().quarantined()).isEqualTo(1);
        assertThat(history.quarantinedKeys(10)).containsExactly(new QuarantinedKey("2", "bad email", 2));
        assertThat(history.quarantinedKeys(10)).isEqualTo(source.quarantinedKeys("h-issues", 10));
        assertThat(history.state().quarantinedKeys()).isEqualTo(1);

        // The duplicates go, the rejected row is released and taken.
        db.execute("delete from h_issues where v = 'e'");
        dest.rejector = c -> null;
        source.retryQuarantined("h-issues");
        runner.run(job).orThrow();
        state = history.state();
        assertThat(state.invalidRows()).isEqualTo(1);
        assertThat(state.rejectedKeys()).isZero();
        assertThat(state.quarantinedKeys()).isZero();
        assertThat(state.rowsKnown()).isEqualTo(5);
        assertThat(history.rejectedKeys(10)).isEmpty();
        assertThat(history.invalidRows(10)).extracting(InvalidRow::reason).containsExactly(InvalidReason.NULL_KEY);
    }

    @Test
    void aFirstSyncThatDidNotCompleteIsInProgress(TestDatabase db) {
        table(db, "h_first", 9);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "h_first");
        CollectingDestination dest = new CollectingDestination();
        dest.applyThenDie.add(2);
        assertThatThrownBy(() -> SyncRunner.create().run(job("h-first", source, dest)))
            .isInstanceOf(CollectingDestination.ProcessDied.class);

        JobState state = source.history("h-first").state();
        assertThat(state.firstSyncInProgress()).isTrue();
        assertThat(state.lastRunAt()).as("the run never recorded its end").isNull();
        assertThat(state.lastSuccessAt()).isNull();
        assertThat(source.history("h-first").runs(10)).isEmpty();

        dest.applyThenDie.clear();
        SyncRunner.create().run(job("h-first", source, dest)).orThrow();
        state = source.history("h-first").state();
        assertThat(state.firstSyncInProgress()).isFalse();
        assertThat(state.rowsKnown()).isEqualTo(9);
        assertThat(state.lastStatus()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void anUnknownJobIsRefusedNamingTheJobsTheSchemaKnows(TestDatabase db) {
        PostgresSource elsewhere = PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table("public", "h_known").bookkeepingSchema("h_nothing_here").build();
        assertThatThrownBy(() -> elsewhere.history("h-known")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("bookkeeping schema \"h_nothing_here\" has no sync job 'h-known'")
            .hasMessageContaining("PostgresSource.Builder.bookkeepingSchema");
        assertThat(db.queryLong("select count(*) from pg_namespace where nspname = 'h_nothing_here'"))
            .as("reading creates nothing").isZero();

        table(db, "h_known", 3);
        PostgresSource source = Syncs.source(db.dataSource(), "public", "h_known");
        SyncRunner.create().run(job("h-known", source, new CollectingDestination())).orThrow();
        assertThatThrownBy(() -> source.history("h-knwon")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("has no sync job 'h-knwon'").hasMessageContaining("jobs it knows: ")
            .hasMessageContaining("h-known");

        // A job that was reset or dropped keeps its history, and is known by it.
        source.resetJob("h-known");
        JobHistory history = source.history("h-known");
        assertThat(history.runs(10)).hasSize(1);
        JobState state = history.state();
        assertThat(state.rowsKnown()).isZero();
        assertThat(state.lastStatus()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(state.lastSuccessRunId()).isEqualTo(history.runs(1).get(0).runId());
        source.dropJob("h-known");
        assertThat(source.history("h-known").runs(10)).hasSize(1);
        assertThat(source.history("h-known").invalidRows(10)).isEmpty();
        assertThat(source.history("h-known").quarantinedKeys(10)).isEmpty();
    }

    @Test
    void runsOlderThanTheRetentionArePrunedByTheJobsNextRun(TestDatabase db) {
        table(db, "h_keep", 4);
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "h_keep")
            .historyRetention(Duration.ofDays(10)).build();
        assertThat(source.historyRetention()).isEqualTo(Duration.ofDays(10));
        CollectingDestination dest = new CollectingDestination();
        SyncRunner runner = SyncRunner.create();
        SyncResult oldSuccess = runner.run(job("h-keep", source, dest)).orThrow();
        SyncResult recent = runner.run(job("h-keep", source, dest)).orThrow();
        // Another job's runs in the same schema, as old: only their own job's runs prune them.
        table(db, "h_other", 2);
        PostgresSource other = Syncs.source(db.dataSource(), "public", "h_other");
        SyncResult otherRun = runner.run(job("h-other", other, new CollectingDestination())).orThrow();
        db.execute("update " + BK + ".valmi_runs set finished_at = finished_at - interval '11 days', started_at ="
            + " started_at - interval '11 days' where run_id = '" + oldSuccess.runId() + "'");
        db.execute("update " + BK + ".valmi_runs set finished_at = finished_at - interval '40 days', started_at ="
            + " started_at - interval '40 days' where run_id = '" + otherRun.runId() + "'");
        db.execute("update " + BK + ".valmi_runs set finished_at = finished_at - interval '9 days', started_at ="
            + " started_at - interval '9 days' where run_id = '" + recent.runId() + "'");
        assertThat(source.history("h-keep").runs(10)).hasSize(2);

        // A failed run: the run of 11 days ago goes, the one of 9 days ago stays.
        dest.applyThenThrow.add(1);
        db.execute("update h_keep set v = 'x'");
        SyncResult failed = runner.run(job("h-keep", source, dest));
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(source.history("h-keep").runs(10)).extracting(RunRecord::runId)
            .containsExactly(failed.runId(), recent.runId());
        assertThat(source.history("h-other").runs(10)).extracting(RunRecord::runId).containsExactly(otherRun.runId());
        // The job's last success is its record's, whatever the history keeps.
        JobState state = source.history("h-keep").state();
        assertThat(state.lastStatus()).isEqualTo(RunStatus.FAILED);
        assertThat(state.lastSuccessRunId()).isEqualTo(recent.runId());
        assertThat(state.lastSuccessAt()).isCloseTo(recent.finishedAt(), MICROSECOND);

        // Kept for ever; then by the default retention of 30 days.
        PostgresSource forever = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "h_other")
            .historyRetention(Duration.ZERO).build();
        runner.run(job("h-other", forever, new CollectingDestination())).orThrow();
        assertThat(forever.history("h-other").runs(10)).hasSize(2);
        assertThat(other.historyRetention()).isEqualTo(PostgresSource.DEFAULT_HISTORY_RETENTION);
        runner.run(job("h-other", other, new CollectingDestination())).orThrow();
        assertThat(other.history("h-other").runs(10)).hasSize(2).extracting(RunRecord::runId)
            .doesNotContain(otherRun.runId());
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "t")
            .historyRetention(Duration.ofDays(-1)).build()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("historyRetention");
    }

    @Test
    void runsRecordedBeforeSchemaVersion5AreReadAfterTheSchemaIsMigrated(TestDatabase db) {
        table(db, "h_old", 3);
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "h_old")
            .bookkeepingSchema("h_bk_old").build();
        SyncResult result = SyncRunner.create().run(job("h-old", source, new CollectingDestination())).orThrow();
        // The schema as version 4 left it: no sync log, no counts by kind, no last success.
        db.execute("drop table h_bk_old.valmi_sync_log", "drop index h_bk_old.valmi_runs_finished_idx",
            "alter table h_bk_old.valmi_runs drop column added, drop column changed, drop column unchanged,"
                + " drop column removed, drop column delivered_added, drop column delivered_changed,"
                + " drop column delivered_unchanged, drop column delivered_removed, drop column invalid_null_key,"
                + " drop column invalid_duplicate_key, drop column quarantined, drop column batches,"
                + " drop column retries, drop column throttles, drop column splits",
            "alter table h_bk_old.valmi_jobs drop column last_success_at, drop column last_success_run",
            "update h_bk_old.valmi_schema set version = 4");

        JobHistory history = source.history("h-old");
        assertThat(db.queryLong("select version from h_bk_old.valmi_schema")).isEqualTo(6);
        RunRecord run = history.runs(10).get(0);
        assertThat(run.runId()).isEqualTo(result.runId());
        assertThat(run.counts().delivered()).isEqualTo(3);
        assertThat(run.counts().planned()).isEqualTo(3);
        assertThat(run.counts().added()).as("not recorded then").isZero();
        assertThat(run.counts().deliveredByKind()).isEmpty();
        assertThat(history.state().lastSuccessRunId()).as("from the history").isEqualTo(result.runId());
        assertThat(history.log("1", 10)).isEmpty();
    }
}
