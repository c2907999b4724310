package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark at a tiny size: every phase runs, its checks pass, and the JSON file is written. */
@WithPostgres
class BenchmarkTest {

    @Test
    void writesTheJsonFile(TestDatabase db, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("benchmark.json");
        Benchmark.Options options = Benchmark.Options.parse("--rows", "2000", "--reps", "1", "--batch-size", "300",
            "--out", out.toString(), "--jdbc-url", db.jdbcUrl(), "--user", db.user());
        if (db.password() != null) {
            options.password = db.password();
        }

        assertThat(Benchmark.run(options)).isEqualTo(out);

        String json = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"rows\":2000,").contains("\"batch_size\":300")
            .containsPattern("\"floor_ms\":\\d+").containsPattern("\"full_ms\":\\d+").containsPattern("\"incr0_ms\":\\d+")
            .containsPattern("\"incr2_ms\":\\d+").containsPattern("\"naive_ms\":\\d+")
            .containsPattern("\"peak_heap_mb\":\\d+").contains("\"postgres\":\"PostgreSQL ")
            // Two warm-up repetitions by default, printed apart and not counted in the medians.
            .containsPattern("\"samples_ms\":\\{\"floor\":\\[\\d+\\],")
            .containsPattern("\"warmup\":2,\"warmup_samples_ms\":\\{\"floor\":\\[\\d+,\\d+\\],\"full\":\\[\\d+,\\d+\\],");
    }

    @Test
    void measuresIncr2WithTheSyncLogOnTheSameChanges(TestDatabase db, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("benchmark-log.json");
        Benchmark.Options options = Benchmark.Options.parse("--rows", "2000", "--reps", "2", "--warmup", "0",
            "--batch-size", "300", "--sync-log", "on", "--out", out.toString(), "--jdbc-url", db.jdbcUrl(), "--user",
            db.user());
        if (db.password() != null) {
            options.password = db.password();
        }

        assertThat(Benchmark.run(options)).isEqualTo(out);

        // (Its own checks: both figures delivered the 40 changes, the logged one logged each of them.)
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).containsPattern("\"incr2_ms\":\\d+")
            .containsPattern("\"incr2_log_ms\":\\d+").contains("\"sync_log\":true")
            .containsPattern("\"incr2\":\\[\\d+,\\d+\\],\"incr2_log\":\\[\\d+,\\d+\\]");
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_sync_log")).isEqualTo(2 * 40);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Benchmark.Options.parse("--sync-log", "on",
            "--mode", "UPSERT")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Benchmark.median(java.util.List.of(5L, 1L, 3L))).isEqualTo(3);
        assertThat(Benchmark.median(java.util.List.of(4L, 1L, 3L, 10L))).isEqualTo(3);
    }
}
