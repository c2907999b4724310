package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Row;
import io.valmi.SyncContext;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's CSV destination writes what a real CSV parser (Apache Commons CSV) reads back unchanged. */
class CsvDestinationTest {
    /**
     * RFC 4180 as the example writes it. {@code ALL_NON_NULL} makes the parser tell an empty field (null) from
     * {@code ""} (the empty string), which is the example's rule.
     */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setQuoteMode(QuoteMode.ALL_NON_NULL).get();

    private static List<List<String>> parsed(Path file) throws Exception {
        List<List<String>> records = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : FORMAT.parse(reader)) {
                records.add(Arrays.asList(record.values()));
            }
        }
        return records;
    }

    @Test
    void trickyValuesSurviveTheRoundTripThroughARealCsvParser(@TempDir Path dir) throws Exception {
        List<String> tricky = Arrays.asList("a,b\n\nc", "x\ry", "", null, "say \"hi\"", "plain", "line\r\n",
            "\"", ",", " padded ", "🚀 unicode");
        Path file = dir.resolve("out.csv");
        CsvDestination destination = new CsvDestination(file);
        SyncContext context = new SyncContext("csv-test", "run-1", "test",
            Mapping.builder().key("id").map("note", "the, note").map("other").destinationMode(DestinationMode.MIRROR)
                .build(), 100);
        List<Change> batch = new ArrayList<>();
        for (int i = 0; i < tricky.size(); i++) {
            batch.add(Change.added((long) i, Row.of(List.of("the, note", "other"), tricky.get(i), "row " + i)));
        }
        batch.add(Change.removed(99L));

        destination.open(context);
        assertThat(destination.write(batch).allApplied()).isTrue();
        destination.close();
        destination.open(context); // a second run appends, without a second header
        destination.write(List.of(Change.changed(3L, Row.of(List.of("the, note", "other"), "", null)),
            Change.changed(4L, Row.of(List.of("the, note", "other"), new byte[] {0, 1, (byte) 0xff}, 42))));
        destination.close();

        List<List<String>> records = parsed(file);
        assertThat(records).hasSize(1 + tricky.size() + 1 + 2);
        assertThat(records.get(0)).containsExactly("kind", "key", "the, note", "other");
        for (int i = 0; i < tricky.size(); i++) {
            assertThat(records.get(1 + i)).as("record of value %s", i)
                .containsExactly("ADDED", String.valueOf(i), tricky.get(i), "row " + i);
        }
        assertThat(records.get(1 + tricky.size())).containsExactly("REMOVED", "99");
        assertThat(records.get(records.size() - 2)).containsExactly("CHANGED", "3", "", null);
        assertThat(records.get(records.size() - 1)).containsExactly("CHANGED", "4", "AAH/", "42");
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).startsWith("kind,key,\"the, note\",other\r\n")
            .endsWith("CHANGED,3,\"\",\r\nCHANGED,4,AAH/,42\r\n");
    }
}
