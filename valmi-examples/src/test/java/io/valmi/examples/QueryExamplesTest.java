package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.destinations.JsonLinesDestination;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's query example, run twice: every customer with orders, then the one whose total changed. */
@WithPostgres
class QueryExamplesTest {
    @Test
    void syncsEachCustomersTotalAndThenItsChange(TestDatabase db, @TempDir Path dir) throws IOException {
        db.execute("create table customers (id int primary key, email text)",
            "create table orders (id serial primary key, customer_id int, amount numeric(10,2))",
            "insert into customers values (1, 'a@example.com'), (2, 'b@example.com'), (3, 'c@example.com')",
            "insert into orders (customer_id, amount) values (1, 10), (1, 2.50), (2, 7)");
        Path out = dir.resolve("crm.jsonl");
        SyncJob job = QueryExamples.customerTotals(db.dataSource(), JsonLinesDestination.toFile(out));

        SyncResult first = SyncRunner.create().run(job).orThrow();
        assertThat(first.counts().added()).isEqualTo(2);
        db.execute("insert into orders (customer_id, amount) values (2, 1)");
        SyncResult second = SyncRunner.create().run(job).orThrow();
        assertThat(second.counts().changed()).isEqualTo(1);

        String written = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(written).contains("12.50").contains("8.00").doesNotContain("c@example.com");
    }
}
