package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickStartTest {

    @Test
    void quickStartPrintsBothReports(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        QuickStart.run(300, dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("== Setup script for the DBA ==").contains("GRANT USAGE ON SCHEMA \"crm\"")
            .contains("crm.customers (TABLE)")
            .contains("== FULL_TABLE sync: SUCCEEDED").contains("== INCREMENTAL sync: SUCCEEDED")
            .contains("NULL key 1, duplicated key 2").contains("delivering [")
            .containsPattern("of 299  \\S+ rows/s, ETA 0 s");
        // FULL: 299 valid rows (300 minus key 42 held twice). INCREMENTAL: 25 added, 40 changed, 10 removed, and
        // key 42 valid again (changed: never acknowledged before, so added).
        assertThat(out).containsPattern("FULL_TABLE sync: SUCCEEDED[\\s\\S]*planned +299 ");
        assertThat(out).containsPattern("INCREMENTAL sync: SUCCEEDED[\\s\\S]*added 26, changed 40, unchanged 0, removed 10");
        List<String> lines = Files.readAllLines(dir.resolve("customers.jsonl"));
        assertThat(lines).hasSize(299 + 76);
        assertThat(lines.get(lines.size() - 1)).startsWith("{").contains("\"ADDED\"").contains("\"id\":1000025");
    }

    @Test
    void customDestinationExampleWritesACsvFile(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        var result = CustomDestinationExample.run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(result.counts().delivered()).isEqualTo(499);
        List<String> lines = Files.readAllLines(dir.resolve("customers.csv"));
        assertThat(lines.get(0)).isEqualTo("kind,key,email,country");
        assertThat(lines).hasSize(500).contains("ADDED,1,customer1@example.com,FR");
    }
}
