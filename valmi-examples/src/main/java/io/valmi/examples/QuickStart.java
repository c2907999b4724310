package io.valmi.examples;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.postgres.PostgresCatalog;
import io.valmi.postgres.PostgresConnection;
import io.valmi.postgres.PostgresPermissions;
import io.valmi.postgres.PostgresSource;
import io.valmi.postgres.Relation;
import io.valmi.postgres.RelationDetails;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The quick start: an embedded PostgreSQL, a demo table of customers, the setup script a DBA would run, discovery,
 * a FULL_TABLE sync into a JSON Lines file, some changes, and an INCREMENTAL sync. Run it with the first command
 * of the README.
 */
public final class QuickStart {
    private QuickStart() {
    }

    /**
     * Runs the quick start.
     *
     * @param args optional: the number of demo customers (default 3000) and the output folder
     * @throws Exception when something fails
     */
    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        Path outputDir = Path.of(args.length > 1 ? args[1] : "target/quickstart");
        run(customers, outputDir, System.out);
    }

    /**
     * Runs the quick start and prints to the given stream.
     *
     * @param customers how many demo customers to create
     * @param outputDir where the JSON Lines file goes
     * @param out where to print
     * @throws Exception when something fails
     */
    public static void run(int customers, Path outputDir, PrintStream out) throws Exception {
        Properties props = new Properties();
        props.putAll(System.getProperties());
        props.putIfAbsent("valmi.test.postgres.provider", "embedded");
        out.println("Starting an embedded PostgreSQL (binaries from Maven Central)...");
        try (PostgresServer server = PostgresServer.start(FixtureSettings.from(props, Map.of()));
             TestDatabase db = server.createDatabase("quickstart")) {
            out.println("  " + server.version());
            DemoData.create(db, customers);
            out.printf("Created crm.customers with %,d rows (one has a NULL customer_id, two share customer_id 42)%n",
                customers + 2);

            // 1. The database user valmi runs as: the setup script a DBA would run.
            String password = "demo-" + Long.toHexString(System.nanoTime());
            String script = PostgresPermissions.setupScript("valmi_demo", List.of("crm"));
            out.println();
            out.println("== Setup script for the DBA ==");
            out.print(script.indent(2));
            for (String statement : script.replace("<choose a strong password>", password).split("\n")) {
                db.execute(statement);
            }
            PostgresConnection connection = PostgresConnection.builder("demo").host(server.host()).port(server.port())
                .database(db.name()).username("valmi_demo").password(password).sslMode("disable").build();

            // 2. Discovery, as that user.
            PostgresCatalog catalog = PostgresCatalog.of(connection.dataSource());
            out.println();
            out.println("== Discovery ==");
            out.println("  namespaces: " + catalog.namespaces());
            for (Relation r : catalog.relations("crm")) {
                RelationDetails d = catalog.describe(r.schema(), r.name());
                out.println("  " + r + ": " + d.columns().size() + " columns, suggested key: "
                    + d.suggestedKey().map(k -> k.column() + " (" + k.origin() + ")").orElse("none, pick one"));
            }

            // 3. The sync: customers -> a JSON Lines file, keyed by customer_id.
            Files.createDirectories(outputDir);
            Path file = outputDir.resolve("customers.jsonl");
            Files.deleteIfExists(file);
            PostgresSource source = PostgresSource.builder().connection(connection).table("crm", "customers").build();
            Mapping mapping = Mapping.builder()
                .key("customer_id")
                .map("customer_id", "id")
                .map("email")
                .map("full_name", "name")
                .map("country")
                .map("lifetime_value", "ltv")
                .map("signed_up_at")
                .sourceMode(SourceMode.FULL_TABLE)
                .destinationMode(DestinationMode.MIRROR)
                .build();
            SyncRunner runner = SyncRunner.builder().listener(new ProgressBar(out)).build();
            SyncJob fullJob = SyncJob.builder("customers-to-jsonl").source(source)
                .destination(JsonLinesDestination.toFile(file)).mapping(mapping).batchSize(250).build();
            out.println();
            out.println("Running a FULL_TABLE sync...");
            SyncResult full = runner.run(fullJob);
            RunReport.print("FULL_TABLE sync", full, file.toAbsolutePath() + " (" + lines(file) + " lines)", out);

            // 4. Changes in the source: inserts, updates, deletes, and an update of an unmapped column.
            DemoData.change(db);
            out.println();
            out.println("Changed the source: 25 inserted, 40 updated, 10 deleted, 100 with new notes (unmapped),"
                + " the duplicate of 42 deleted");

            // 5. An INCREMENTAL sync sends only what changed.
            SyncJob incrementalJob = SyncJob.builder("customers-to-jsonl").source(source)
                .destination(JsonLinesDestination.toFile(file)).mapping(mapping.withSourceMode(SourceMode.INCREMENTAL))
                .batchSize(250).build();
            out.println();
            out.println("Running an INCREMENTAL sync...");
            SyncResult incremental = runner.run(incrementalJob);
            RunReport.print("INCREMENTAL sync", incremental, file.toAbsolutePath() + " (" + lines(file) + " lines)",
                out);
            full.orThrow();
            incremental.orThrow();
        }
    }

    private static long lines(Path file) throws java.io.IOException {
        try (var stream = Files.lines(file)) {
            return stream.count();
        }
    }
}
