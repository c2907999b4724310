package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One sync, as an application would run it, against the test fixtures' PostgreSQL. */
@WithPostgres
class SyncTest {
    @Test
    void syncsATableIntoAFile(TestDatabase db, @TempDir Path dir) throws Exception {
        db.execute("create table customers (id int primary key, email text, seen_at timestamptz)",
            "insert into customers values (1, 'ada@example.com', '2024-05-01 10:15:30+00'),"
                + " (2, 'grace@example.com', null), (3, 'alan@example.com', now())");
        Path file = dir.resolve("customers.jsonl");
        SyncJob job = SyncJob.builder("customers-to-file")
            .source(PostgresSource.builder().dataSource(db.dataSource(), "shop").table("public", "customers").build())
            .destination(JsonLinesDestination.toFile(file))
            .mapping(Mapping.builder().key("id").map("email").map("seen_at").build())
            .build();

        SyncResult result = SyncRunner.create().run(job);

        assertEquals(RunStatus.SUCCEEDED, result.status(), () -> String.valueOf(result.error()));
        assertEquals(3, result.counts().delivered());
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).contains("\"email\":\"ada@example.com\""), lines.get(0));
        assertTrue(lines.get(0).contains("\"seen_at\":\"2024-05-01T10:15:30Z\""), lines.get(0));
    }
}
