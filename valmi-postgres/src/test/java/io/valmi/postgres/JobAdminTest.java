package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.ValmiException;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@WithPostgres
class JobAdminTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    @Test
    void resetSendsEverythingAgainAndDropRemovesTheTables(TestDatabase db) {
        db.execute("create table adm (id int primary key, v text)", "insert into adm values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "adm");
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("adm", source, dest, MAPPING);
        dest.takeReceived();
        assertThat(Syncs.runOk("adm", source, dest, MAPPING).counts().planned()).isZero();

        source.resetJob("adm");
        Syncs.runOk("adm", source, dest, MAPPING);
        assertThat(dest.takeReceived()).extracting(Change::kind).containsExactly(ChangeKind.ADDED, ChangeKind.ADDED);

        long before = db.queryLong("select count(*) from pg_tables where schemaname = 'valmi_scratch_computed_'");
        source.dropJob("adm");
        assertThat(db.queryLong("select count(*) from pg_tables where schemaname = 'valmi_scratch_computed_'"))
            .isEqualTo(before - 2);
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = 'adm'")).isZero();
    }

    @Test
    void resetAndDropByJobSayWhetherTheJobWasKnown(TestDatabase db) {
        db.execute("create table known (id int primary key, v text)", "insert into known values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "known");
        CollectingDestination dest = new CollectingDestination();
        SyncJob job = SyncJob.builder("known-job").source(source).destination(dest).mapping(MAPPING).build();
        SyncRunner runner = SyncRunner.create();
        runner.run(job).orThrow();
        dest.takeReceived();

        // A typo in the id is no longer a silent no-op: it returns false and nothing changes.
        assertThat(source.resetJob("knwon-job")).isFalse();
        assertThat(runner.run(job).orThrow().counts().planned()).isZero();

        assertThat(runner.reset(job)).isTrue();
        assertThat(runner.run(job).orThrow().counts().added()).isEqualTo(2);
        assertThat(runner.drop(job)).isTrue();
        assertThat(runner.drop(job)).as("dropped already").isFalse();
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = 'known-job'"))
            .isZero();
    }

    @Test
    void oneRunPerJobAcrossProcesses(TestDatabase db) throws Exception {
        db.execute("create table locked (id int primary key, v text)", "insert into locked values (1, 'a')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "locked");
        // Another process's run: a session of its own holding the job's advisory lock (its key as JobLock makes it).
        try (Connection other = db.dataSource().getConnection(); Statement s = other.createStatement()) {
            s.execute("select pg_advisory_lock(hashtextextended('valmi job valmi_scratch_computed_ locked', 0))");
            SyncResult second = Syncs.run("locked", source, new CollectingDestination(), MAPPING, 10);
            assertThat(second.status()).isEqualTo(RunStatus.SKIPPED);
            assertThat(second.error()).hasMessageContaining("already running")
                .hasMessageContaining("another process holds its lock");
            assertThatThrownBy(() -> source.resetJob("locked")).hasMessageContaining("another process holds its lock");
        }
        assertThat(Syncs.runOk("locked", source, new CollectingDestination(), MAPPING).counts().added()).isEqualTo(1);
    }

    /** Holds every write until released, to look at the job while its run is on. */
    static final class HeldDestination extends CollectingDestination {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            writing.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
            return super.write(batch);
        }
    }

    @Test
    void planAndResetWhileARunIsOnInThisProcessSaySo(TestDatabase db) throws Exception {
        db.execute("create table busy (id int primary key, v text)", "insert into busy values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "busy");
        HeldDestination dest = new HeldDestination();
        SyncJob job = SyncJob.builder("busy").source(source).destination(dest).mapping(MAPPING).build();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<SyncResult> run = executor.submit(() -> SyncRunner.create().run(job));
            assertThat(dest.writing.await(30, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> SyncRunner.create().plan(job)).isInstanceOf(ValmiException.class)
                .hasMessageContaining("a run of this job is in progress in this process")
                .hasMessageNotContaining("another process");
            assertThatThrownBy(() -> source.resetJob("busy"))
                .hasMessageContaining("a run of this job is in progress in this process");
            assertThatThrownBy(() -> source.dropJob("busy"))
                .hasMessageContaining("a run of this job is in progress in this process");

            dest.release.countDown();
            assertThat(run.get(30, TimeUnit.SECONDS).orThrow().counts().delivered()).isEqualTo(2);
        } finally {
            dest.release.countDown();
            executor.shutdownNow();
        }
        // The lock was released with the run: the job can be planned and reset again.
        assertThat(SyncRunner.create().plan(job).total()).isZero();
        source.resetJob("busy");
        assertThat(SyncRunner.create().plan(job).count(ChangeKind.ADDED)).isEqualTo(2);
    }

    @Test
    void changingTheKeyColumnOfAMirrorJobNeedsAReset(TestDatabase db) {
        db.execute("create table rekey (id int primary key, code text unique, v text)", "insert into rekey values (1, 'a', 'x')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "rekey");
        Syncs.runOk("rekey", source, new CollectingDestination(), MAPPING);
        Mapping byCode = Mapping.builder().key("code").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR).build();
        SyncResult r = Syncs.run("rekey", source, new CollectingDestination(), byCode, 10);
        assertThat(r.status()).isEqualTo(RunStatus.FAILED);
        assertThat(r.error()).hasMessageContaining("was keyed by column \"id\"").hasMessageContaining("resetJob");
    }

    @Test
    void unknownColumnsAreNamed(TestDatabase db) {
        db.execute("create table cols (id int primary key, v text)");
        SyncResult r = Syncs.run("cols", Syncs.source(db.dataSource(), "public", "cols"), new CollectingDestination(),
            Mapping.builder().key("id").map("V").build(), 10);
        assertThat(r.error()).hasMessageContaining("has no column [V]").hasMessageContaining("[id, v]");
    }

    @Test
    void emptiedSourceIsStoppedByTheGuardAndDryRunChangesNothing(TestDatabase db) {
        db.execute("create table guarded (id int primary key, v text)",
            "insert into guarded select g, 'v' from generate_series(1, 50) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "guarded");
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("guarded", source, dest, MAPPING);
        dest.takeReceived();

        db.execute("delete from guarded where id > 10");
        io.valmi.Plan plan = io.valmi.SyncRunner.create().plan(io.valmi.SyncJob.builder("guarded").source(source)
            .destination(dest).mapping(MAPPING).build());
        assertThat(plan.count(ChangeKind.REMOVED)).isEqualTo(40);
        assertThat(plan.knownKeys()).isEqualTo(50);
        assertThat(db.queryLong("select count(*) from pg_tables where schemaname = 'valmi_scratch_computed_'"
            + " and tablename like 'plan\\_%'")).isZero();

        SyncResult limited = io.valmi.SyncRunner.create().run(io.valmi.SyncJob.builder("guarded").source(source)
            .destination(dest).mapping(MAPPING).maxRemovedFraction(0.5).build());
        assertThat(limited.error()).isInstanceOf(io.valmi.GuardException.class).hasMessageContaining("40 of 50 keys");
        assertThat(dest.takeReceived()).isEmpty();

        db.execute("truncate guarded");
        SyncResult empty = Syncs.run("guarded", source, dest, MAPPING, 10);
        assertThat(empty.error()).isInstanceOf(io.valmi.GuardException.class).hasMessageContaining("has no valid row");
        assertThat(dest.takeReceived()).isEmpty();
        assertThat(dest.state).hasSize(50);
    }
}
