package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's history example, run after two syncs of a job that keeps a sync log. */
@WithPostgres
class HistoryExamplesTest {
    @Test
    void printsTheRunsAndWhatWasSentOfKey42(TestDatabase db, @TempDir Path dir) {
        db.execute("create table customers (id int primary key, email text)",
            "insert into customers select g, 'c' || g || '@example.com' from generate_series(1, 50) g");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "shop")
            .table("public", "customers").build();
        SyncJob job = SyncJob.builder("customers-to-crm").source(source)
            .destination(JsonLinesDestination.toFile(dir.resolve("out.jsonl")))
            .mapping(Mapping.builder().key("id").map("email").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.UPSERT).build())
            .syncLog(true).build();
        SyncRunner.create().run(job).orThrow();
        db.execute("update customers set email = 'new@example.com' where id = 42");
        SyncRunner.create().run(job).orThrow();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HistoryExamples.print(source, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);

        assertThat(printed.lines()).hasSize(1 + 2 + 2);
        assertThat(printed).contains(", 50 rows known").contains("SUCCEEDED: 50 delivered, 0 rejected in PT")
            .contains("SUCCEEDED: 1 delivered, 0 rejected in PT").contains(" CHANGED DELIVERED ")
            .contains(" ADDED DELIVERED ");
        assertThat(printed.lines().skip(1).findFirst().orElseThrow()).contains("1 delivered");
    }
}
