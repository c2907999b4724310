package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.Row;
import io.valmi.testing.RecordingDestination;
import io.valmi.testing.RecordingDestination.Batch;
import io.valmi.testing.RecordingDestination.Outcome;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The delivery benchmark at a tiny size: every setting runs, delivers every change, and is printed. */
@WithPostgres
class DeliveryBenchmarkTest {

    @Test
    void measuresEverySetting(TestDatabase db) throws Exception {
        DeliveryBenchmark.Options options = DeliveryBenchmark.Options.parse("--rows", "300", "--batch-size", "20",
            "--latency-ms", "2", "--concurrency", "1,4", "--rate", "200", "--rate-concurrency", "2",
            "--jdbc-url", db.jdbcUrl(), "--user", db.user());
        options.password = db.password();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        List<DeliveryBenchmark.Figure> figures = DeliveryBenchmark.run(options,
            new PrintStream(bytes, true, StandardCharsets.UTF_8));

        // No latency at 1 and 4, latency at 1 and 4, the rate limit: each a first sync and an incremental run.
        assertThat(figures).hasSize(10).allSatisfy(f -> {
            assertThat(f.changes()).isEqualTo(300);
            assertThat(f.rowsPerSecond()).isPositive();
            assertThat(f.maxInFlight()).isBetween(1, f.setting().concurrency());
        });
        assertThat(figures).extracting(DeliveryBenchmark.Figure::run).containsOnly("first sync", "incremental");
        assertThat(figures.get(4).ideal()).isEqualTo(1 * 20 * 1000.0 / 2);
        assertThat(figures.get(8).ideal()).isEqualTo(200.0 * 20);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains(DeliveryBenchmark.Figure.HEADER).contains("rate limit 200 batches/s, first sync:");
    }

    @Test
    void batchesPerSecondCountsTheStartsBetweenTheFirstAndTheLast() {
        Change change = Change.added(1L, Row.of(List.of("name"), "a"));
        List<Batch> calls = List.of(
            new Batch(1, 1, List.of(change), Outcome.ANSWERED, List.of(), "t", 1_000_000_000L, 1_100_000_000L),
            new Batch(2, 1, List.of(change), Outcome.ANSWERED, List.of(), "t", 1_500_000_000L, 1_600_000_000L),
            new Batch(3, 1, List.of(change), Outcome.ANSWERED, List.of(), "t", 1_250_000_000L, 1_300_000_000L));
        assertThat(DeliveryBenchmark.batchesPerSecond(calls)).isEqualTo(4.0);
        assertThat(DeliveryBenchmark.batchesPerSecond(List.of(calls.get(0)))).isZero();
        assertThat(DeliveryBenchmark.delivery(calls)).isEqualTo(java.time.Duration.ofMillis(600));
        assertThat(new RecordingDestination().maxConcurrentWrites()).isZero();
    }
}
