package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

/** End to end: a table of one database mirrored into a table of another, over several incremental runs. */
@WithPostgres
class PostgresToPostgresTest {

    @Test
    void mirrorOverSeveralIncrementalRunsEndsWithIdenticalRows(TestDatabase source) {
        try (TestDatabase target = source.server().createDatabase("mirror_target")) {
            source.execute("create table accounts (id bigint primary key, owner text, balance numeric(14,2),"
                    + " opened timestamptz, tags text[], meta jsonb, secret text)",
                "insert into accounts select g, 'owner ' || g, g * 1.25, timestamptz '2024-01-01 00:00+00' + g * interval"
                    + " '1 hour', array['t' || (g % 3)], jsonb_build_object('n', g), 's' from generate_series(1, 500) g");
            target.execute("create table mirror (id bigint primary key, owner text, balance numeric(14,2),"
                + " opened timestamptz, tags text[], meta jsonb)");
            Mapping mapping = Mapping.builder().key("id").map("id").map("owner").map("balance").map("opened").map("tags")
                .map("meta").sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
            SyncJob job = SyncJob.builder("accounts-mirror")
                .source(Syncs.source(source.dataSource(), "public", "accounts"))
                .destination(PostgresTableDestination.builder(target.dataSource()).table("mirror").keyColumn("id").build())
                .mapping(mapping).batchSize(64).build();
            SyncRunner runner = SyncRunner.create();
            String rows = "select id, owner, balance, opened, tags::text, meta::text from %s order by id";

            runner.run(job).orThrow();
            assertThat(target.query(String.format(rows, "mirror"))).isEqualTo(source.query(String.format(rows, "accounts")));

            List<String> rounds = List.of(
                "update accounts set balance = balance + 1 where id % 7 = 0",
                "delete from accounts where id between 100 and 180",
                "insert into accounts select g, 'late ' || g, 0, now(), '{}', '{}', 's' from generate_series(501, 560) g",
                "update accounts set secret = 'changed', owner = owner || '*' where id % 50 = 0",
                "update accounts set tags = null, meta = 'null' where id % 11 = 0");
            for (String change : rounds) {
                source.execute(change);
                runner.run(job).orThrow();
                assertThat(target.query(String.format(rows, "mirror"))).as("after: %s", change)
                    .isEqualTo(source.query(String.format(rows, "accounts")));
            }
            assertThat(runner.run(job).orThrow().counts().planned()).isZero();
        }
    }
}
