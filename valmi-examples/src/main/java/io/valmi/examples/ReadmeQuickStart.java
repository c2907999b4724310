package io.valmi.examples;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.postgres.PostgresConnection;
import io.valmi.postgres.PostgresSource;
import java.nio.file.Path;

/** The code of the README's quick start; a test checks that the README shows exactly this. */
public final class ReadmeQuickStart {
    private ReadmeQuickStart() {
    }

    /**
     * Syncs {@code public.customers} into a JSON Lines file.
     *
     * @param host the PostgreSQL host
     * @param port its port
     * @param password the password of the user {@code valmi}
     * @return the result of the run
     */
    public static SyncResult sync(String host, int port, String password) {
        // tag::quickstart[]
        PostgresConnection connection = PostgresConnection.builder("shop")
            .host(host).port(port).database("shop")
            .username("valmi").password(password)
            .build();
        PostgresSource source = PostgresSource.builder()
            .connection(connection)
            .table("public", "customers")
            .build();
        Mapping mapping = Mapping.builder()
            .key("id")
            .map("email").map("full_name", "name")
            .sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.UPSERT)
            .build();
        SyncJob job = SyncJob.builder("customers-to-file")
            .source(source)
            .destination(JsonLinesDestination.toFile(Path.of("customers.jsonl")))
            .mapping(mapping)
            .build();
        SyncResult result = SyncRunner.create().run(job);
        System.out.println(result.status() + ": " + result.counts().delivered() + " changes delivered");
        // end::quickstart[]
        return result;
    }
}
