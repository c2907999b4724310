package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Plan;
import io.valmi.RetryPolicy;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.postgres.internal.JobTables;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code SyncRunner.plan(job)} plans as a run would and leaves the job's state exactly as it was. */
@WithPostgres
class DryRunTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private static SyncJob job(String id, PostgresSource source, CollectingDestination dest) {
        return SyncJob.builder(id).source(source).destination(dest).mapping(MAPPING).batchSize(2)
            .retryPolicy(RetryPolicy.none()).build();
    }

    /** Everything the job keeps: its record, its in-doubt marks, its snapshot, its issues, its run history. */
    private static List<Object> state(TestDatabase db, String jobId) {
        JobTables t = new JobTables(PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA, jobId);
        return List.of(
            db.query("select j::text from " + t.jobsName() + " j where job_id = '" + jobId + "'"),
            db.query("select m::text from " + t.inDoubtName() + " m where job_id = '" + jobId + "' order by 1"),
            db.query("select s::text from " + t.snapshotName() + " s order by k"),
            db.query("select i::text from " + t.issuesName() + " i order by 1"),
            db.query("select r::text from " + t.runsName() + " r where job_id = '" + jobId + "' order by 1"));
    }

    @Test
    void aDryRunChangesNoStateOfTheJob(TestDatabase db) {
        db.execute("create table dry (id int primary key, v text, w int)",
            "insert into dry select g, 'v' || g, 0 from generate_series(1, 6) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "dry");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> c.key().equals(3) ? "refused" : null;
        SyncRunner runner = SyncRunner.create();
        assertThat(runner.run(job("dry", source, dest)).counts().rejected()).isEqualTo(1);
        List<Object> rejected = state(db, "dry");
        assertThat(rejected.get(3).toString()).contains("REJECTED", "refused");
        runner.plan(job("dry", source, dest));
        assertThat(state(db, "dry")).isEqualTo(rejected);

        // A row changes, an unmapped column changes (a run would record the new row version), a row goes; then a run
        // dies inside write, leaving its batch's keys marked in doubt.
        db.execute("update dry set v = 'changed' where id = 1", "update dry set w = 1 where id = 2",
            "delete from dry where id = 5", "update dry set v = 'also' where id = 6");
        dest.rejector = c -> null;
        dest.applyThenDie.add(1);
        assertThatThrownBy(() -> runner.run(job("dry", source, dest)))
            .isInstanceOf(CollectingDestination.ProcessDied.class);
        List<Object> before = state(db, "dry");
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_in_doubt where job_id = 'dry'"
            + " and key_texts is not null")).isEqualTo(1);

        Plan plan = runner.plan(job("dry", source, dest));

        assertThat(plan.count(ChangeKind.CHANGED)).isPositive();
        assertThat(plan.count(ChangeKind.REMOVED)).isEqualTo(1);
        assertThat(state(db, "dry")).isEqualTo(before);

        // The run after it finds everything as the dead run left it: the rejected key 3 and the rows in doubt.
        dest.applyThenDie.clear();
        dest.takeReceived();
        runner.run(job("dry", source, dest)).orThrow();
        assertThat(dest.state).containsOnlyKeys(1, 2, 3, 4, 6);
        assertThat(dest.state.get(1).get("v")).isEqualTo("changed");
    }

    @Test
    void aDryRunOfANewJobCreatesNothing(TestDatabase db) {
        db.execute("create table dry_new (id int primary key, v text)",
            "insert into dry_new select g, 'v' || g from generate_series(1, 4) g", "insert into dry_new values (9, null)");
        db.execute("create schema if not exists valmi_scratch_computed_");
        long tables = db.queryLong("select count(*) from pg_tables where schemaname = 'valmi_scratch_computed_'");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "dry_new");

        Plan plan = SyncRunner.create().plan(job("dry-new", source, new CollectingDestination()));

        assertThat(plan.count(ChangeKind.ADDED)).isEqualTo(5);
        assertThat(db.queryLong("select count(*) from pg_tables where schemaname = 'valmi_scratch_computed_'"))
            .isEqualTo(tables);
    }
}
