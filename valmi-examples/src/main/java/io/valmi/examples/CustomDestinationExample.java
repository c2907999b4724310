package io.valmi.examples;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/** The second example: a destination written in application code ({@link CsvDestination}) run by SyncRunner. */
public final class CustomDestinationExample {
    private CustomDestinationExample() {
    }

    /**
     * Runs the example.
     *
     * @param args optional: the output folder
     * @throws Exception when something fails
     */
    public static void main(String[] args) throws Exception {
        run(Path.of(args.length > 0 ? args[0] : "target/custom-destination"), System.out);
    }

    /**
     * Runs the example.
     *
     * @param outputDir where the CSV file goes
     * @param out where to print
     * @return the result of the run
     * @throws Exception when something fails
     */
    public static SyncResult run(Path outputDir, PrintStream out) throws Exception {
        Properties props = new Properties();
        props.putAll(System.getProperties());
        props.putIfAbsent("valmi.test.postgres.provider", "embedded");
        try (PostgresServer server = PostgresServer.start(FixtureSettings.from(props, Map.of()));
             TestDatabase db = server.createDatabase("custom_destination")) {
            DemoData.create(db, 500);
            Files.createDirectories(outputDir);
            Path csv = outputDir.resolve("customers.csv");
            Files.deleteIfExists(csv);
            SyncJob job = SyncJob.builder("customers-to-csv")
                .source(PostgresSource.builder().dataSource(db.dataSource(), "demo").table("crm", "customers").build())
                .destination(new CsvDestination(csv))
                .mapping(Mapping.builder().key("customer_id").map("email").map("country")
                    .destinationMode(DestinationMode.UPSERT).build())
                .build();
            SyncResult result = SyncRunner.create().run(job);
            RunReport.print("Sync into a custom CSV destination", result, csv.toAbsolutePath().toString(), out);
            return result.orThrow();
        }
    }
}
