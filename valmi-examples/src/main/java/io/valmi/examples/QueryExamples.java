package io.valmi.examples;

import io.valmi.Destination;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.postgres.PostgresSource;
import javax.sql.DataSource;

/** The README's code for a SQL query as a source: compiled (and run by QueryExamplesTest). */
final class QueryExamples {
    private QueryExamples() {
    }

    static SyncJob customerTotals(DataSource dataSource, Destination crm) {
        // tag::query[]
        PostgresSource totals = PostgresSource.builder()
            .dataSource(dataSource, "shop")
            .query("customer_totals", """
                SELECT c.id, c.email, sum(o.amount) AS lifetime_value, count(*) AS orders
                FROM public.customers c JOIN public.orders o ON o.customer_id = c.id
                GROUP BY c.id, c.email
                """)
            .build();
        SyncJob job = SyncJob.builder("customer-totals-to-crm")
            .source(totals)
            .destination(crm)
            .mapping(Mapping.builder().key("id").map("email").map("lifetime_value", "ltv").map("orders")
                .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.UPSERT).build())
            .build();
        // end::query[]
        return job;
    }
}
