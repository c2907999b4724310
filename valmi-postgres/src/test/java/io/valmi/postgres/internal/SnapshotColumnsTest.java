package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Mapping;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link JobTables#SNAPSHOT_COLUMNS} is the snapshot a job gets, column for column: {@link PgTemplates#keyFromText}
 * reads keys through a row of that width, and a snapshot column added without it broke key conversion and the folding
 * of in-doubt marks once (fixed in {@code 52034f4}).
 */
@WithPostgres
class SnapshotColumnsTest {

    @Test
    void theSnapshotAJobGetsHasTheListedColumnsInOrder(TestDatabase db) {
        db.execute("create table snapcols (id int primary key, v text)", "insert into snapcols values (1, 'a')");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test")
            .table("public", "snapcols").build();
        SyncRunner.create().run(SyncJob.builder("snapcols").source(source)
            .destination(new JobTableNamesTest.Received()).mapping(Mapping.builder().key("id").map("v").build())
            .build()).orThrow();

        String snapshot = new JobTables(PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA, "snapcols").snapshotName().toString();
        List<List<Object>> columns = db.query("select attname::text from pg_catalog.pg_attribute where attrelid = '"
            + snapshot.replace("'", "''") + "'::regclass and attnum > 0 and not attisdropped order by attnum");
        assertThat(columns).extracting(row -> row.get(0)).containsExactlyElementsOf(JobTables.SNAPSHOT_COLUMNS);
    }
}
