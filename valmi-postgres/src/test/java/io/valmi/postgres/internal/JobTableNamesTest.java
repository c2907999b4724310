package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job's tables are named from its id: two ids alike in their first characters must not share tables, and tables an
 * earlier version named are moved to today's names, state and all.
 */
@WithPostgres
class JobTableNamesTest {
    private static final String SCHEMA = PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA;

    @Test
    void idsAlikeInTheirFirstCharactersGetTablesOfTheirOwn() {
        // (A pair whose names were the same before job tables version 3: 30 characters and 32 bits of a hash.)
        String one = "customer-sync-production-europe-west-10700";
        String two = "customer-sync-production-europe-west-21405";
        assertThat(JobTables.legacy(SCHEMA, one).snapshotName()).isEqualTo(JobTables.legacy(SCHEMA, two).snapshotName());
        assertThat(new JobTables(SCHEMA, one).snapshotName()).isNotEqualTo(new JobTables(SCHEMA, two).snapshotName());
        assertThat(new JobTables(SCHEMA, one).issuesName().last().length()).isLessThanOrEqualTo(63);
    }

    /** Keeps what it was sent. */
    static final class Received implements Destination {
        final List<Change> changes = new ArrayList<>();

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all();
        }

        @Override
        public WriteResult write(List<Change> batch) {
            changes.addAll(batch);
            return WriteResult.ok();
        }
    }

    @Test
    void tablesAnEarlierVersionNamedAreMovedToTodaysNamesStateAndAll(TestDatabase db) {
        db.execute("create table names_src (id int primary key, v text)",
            "insert into names_src select g, 'v' || g from generate_series(1, 5) g");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", "names_src")
            .build();
        Received dest = new Received();
        SyncJob job = SyncJob.builder("names-job").source(source).destination(dest).mapping(Mapping.builder()
            .key("id").map("v").sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build())
            .build();
        SyncRunner.create().run(job).orThrow();
        JobTables now = new JobTables(SCHEMA, "names-job");
        JobTables before = JobTables.legacy(SCHEMA, "names-job");
        // As an earlier version left them: under the old names, the job record at tables version 2.
        db.execute("alter table " + now.snapshotName() + " rename to " + before.snapshotName().last(),
            "alter table " + now.issuesName() + " rename to " + before.issuesName().last(),
            "update " + now.jobsName() + " set tables_version = 2 where job_id = 'names-job'",
            "delete from names_src where id = 5", "update names_src set v = 'changed' where id = 1");
        dest.changes.clear();

        SyncResult result = SyncRunner.create().run(job).orThrow();

        assertThat(dest.changes).extracting(Change::kind, Change::key).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(ChangeKind.CHANGED, 1), org.assertj.core.groups.Tuple.tuple(
                ChangeKind.REMOVED, 5));
        assertThat(result.counts().planned()).isEqualTo(2);
        assertThat(db.queryLong("select count(*) from pg_tables where schemaname = '" + SCHEMA + "' and tablename = '"
            + before.snapshotName().last() + "'")).isZero();
        assertThat(db.queryLong("select count(*) from " + now.snapshotName())).isEqualTo(4);
        assertThat(db.queryLong("select tables_version from " + now.jobsName() + " where job_id = 'names-job'"))
            .isEqualTo(JobsTable.JOB_TABLES_VERSION);
    }
}
