package io.valmi.destinations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.valmi.Change;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Row;
import io.valmi.SyncContext;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class JsonLinesDestinationTest {
    private static final SyncContext CONTEXT = new SyncContext("job", "run", "test",
        Mapping.builder().key("id").map("v").destinationMode(DestinationMode.MIRROR).build(), 100);

    private static Change one(long key, Object value) {
        return Change.added(key, Row.of(List.of("v"), value));
    }

    private static String written(List<Change> batch) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLinesDestination d = JsonLinesDestination.toStream(out);
        d.open(CONTEXT);
        assertThat(d.write(batch).allApplied()).isTrue();
        d.close();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesOneObjectPerChangeWithKindKeyAndFields() throws Exception {
        String text = written(List.of(
            Change.added(1L, Row.of(List.of("name", "note"), "Ada", null)),
            Change.changed("k2", Row.of(List.of("name", "note"), "line\nbreak", "🚀")),
            Change.removed(3L)));

        assertThat(text).isEqualTo(
            "{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"name\":\"Ada\",\"note\":null}}\n"
            + "{\"kind\":\"CHANGED\",\"key\":\"k2\",\"fields\":{\"name\":\"line\\nbreak\",\"note\":\"🚀\"}}\n"
            + "{\"kind\":\"REMOVED\",\"key\":3}\n");
    }

    @Test
    void rendersEveryValueTypeFaithfully() throws Exception {
        UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        List<Object[]> cases = List.of(
            new Object[] {42, "42"},
            new Object[] {9007199254740993L, "9007199254740993"},
            new Object[] {new BigDecimal("12345678901234567890.123456789012345678"),
                "12345678901234567890.123456789012345678"},
            new Object[] {new BigDecimal("12.50"), "12.50"},
            new Object[] {new BigDecimal("1E+30"), "1000000000000000000000000000000"},
            new Object[] {0.1, "0.1"},
            new Object[] {1.5f, "1.5"},
            new Object[] {Double.NaN, "\"NaN\""},
            new Object[] {Double.NEGATIVE_INFINITY, "\"-Infinity\""},
            new Object[] {true, "true"},
            new Object[] {LocalDate.of(1, 1, 1), "\"0001-01-01\""},
            new Object[] {LocalTime.of(7, 0), "\"07:00:00\""},
            new Object[] {OffsetTime.of(7, 0, 1, 5_000, ZoneOffset.ofHours(2)), "\"07:00:01.000005+02:00\""},
            new Object[] {LocalDateTime.of(2024, 3, 31, 2, 30), "\"2024-03-31T02:30:00\""},
            new Object[] {OffsetDateTime.of(2024, 5, 1, 10, 15, 30, 123_456_000, ZoneOffset.UTC),
                "\"2024-05-01T10:15:30.123456Z\""},
            new Object[] {uuid, "\"123e4567-e89b-12d3-a456-426614174000\""},
            new Object[] {new byte[] {0, 1, (byte) 0xff}, "\"AAH/\""},
            new Object[] {Arrays.asList(1, null, 3), "[1,null,3]"},
            new Object[] {List.of(List.of("a"), List.of()), "[[\"a\"],[]]"},
            new Object[] {"{\"json\": true}", "\"{\\\"json\\\": true}\""});
        for (Object[] c : cases) {
            assertThat(written(List.of(one(1L, c[0]))))
                .as("rendering of %s (%s)", c[0], c[0].getClass().getSimpleName())
                .isEqualTo("{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"v\":" + c[1] + "}}\n");
        }
    }

    @Test
    void appendsToAFileAcrossRunsAndLeavesAStreamOpen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.jsonl");
        JsonLinesDestination d = JsonLinesDestination.toFile(file);
        for (long key = 1; key <= 2; key++) {
            d.open(CONTEXT);
            d.write(List.of(one(key, "x")));
            d.close();
        }
        assertThat(Files.readAllLines(file)).containsExactly(
            "{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"v\":\"x\"}}",
            "{\"kind\":\"ADDED\",\"key\":2,\"fields\":{\"v\":\"x\"}}");

        boolean[] closed = {false};
        FilterOutputStream stream = new FilterOutputStream(new ByteArrayOutputStream()) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        JsonLinesDestination toStream = JsonLinesDestination.toStream(stream);
        toStream.open(CONTEXT);
        toStream.write(List.of(one(1L, "x")));
        toStream.close();
        assertThat(closed[0]).isFalse();
    }

    @Test
    void cutsAFailedBatchOffTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.jsonl");
        JsonLinesDestination d = JsonLinesDestination.toFile(file).withoutFsync();
        d.open(CONTEXT);
        d.write(List.of(one(1L, "kept")));
        Object exploding = new Object() {
            @Override
            public String toString() {
                throw new IllegalStateException("cannot render");
            }
        };
        assertThatThrownBy(() -> d.write(List.of(one(2L, "lost"), one(3L, exploding))))
            .hasMessage("cannot render");
        d.write(List.of(one(4L, "after")));
        d.close();

        assertThat(Files.readAllLines(file)).containsExactly(
            "{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"v\":\"kept\"}}",
            "{\"kind\":\"ADDED\",\"key\":4,\"fields\":{\"v\":\"after\"}}");
    }

    @Test
    void cutsATornLastLineLeftByAKilledRunBeforeAppending(@TempDir Path dir) throws Exception {
        String complete = "{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"v\":\"kept\"}}\n";
        String torn = "{\"kind\":\"ADDED\",\"key\":2,\"fields\":{\"v\":\"cut \u00e9";
        Path file = dir.resolve("out.jsonl");
        Files.write(file, (complete + torn).getBytes(StandardCharsets.UTF_8));
        Path onlyTorn = dir.resolve("only-torn.jsonl");
        Files.writeString(onlyTorn, "{\"kind\":\"ADD", StandardCharsets.UTF_8);
        Path whole = dir.resolve("whole.jsonl");
        Files.writeString(whole, complete, StandardCharsets.UTF_8);

        List<ILoggingEvent> logged = logged(() -> {
            for (Path p : List.of(file, onlyTorn, whole)) {
                JsonLinesDestination d = JsonLinesDestination.toFile(p);
                d.open(CONTEXT);
                d.write(List.of(one(3L, "next run")));
                d.close();
            }
        });

        String next = "{\"kind\":\"ADDED\",\"key\":3,\"fields\":{\"v\":\"next run\"}}";
        assertThat(Files.readAllLines(file)).containsExactly(complete.strip(), next);
        assertThat(Files.readAllLines(onlyTorn)).containsExactly(next);
        assertThat(Files.readAllLines(whole)).containsExactly(complete.strip(), next);
        assertThat(logged).hasSize(2).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));
        assertThat(logged.get(0).getFormattedMessage()).contains(file.toString())
            .contains(torn.getBytes(StandardCharsets.UTF_8).length + " bytes");
        assertThat(logged.get(1).getFormattedMessage()).contains(onlyTorn.toString()).contains("12 bytes");
    }

    /** What {@link JsonLinesDestination} logs at INFO or above while the action runs. */
    private static List<ILoggingEvent> logged(ThrowingRunnable action) throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(JsonLinesDestination.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level level = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addAppender(appender);
        try {
            action.run();
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        return appender.list;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void saysWhichFileCannotBeOpened(@TempDir Path dir) {
        JsonLinesDestination d = JsonLinesDestination.toFile(dir.resolve("missing-dir").resolve("out.jsonl"));
        assertThatThrownBy(() -> d.open(CONTEXT)).isInstanceOf(DestinationException.class)
            .hasMessageContaining("missing-dir").hasMessageContaining("directory exists");
        assertThat(d.capabilities().supports(DestinationMode.UPDATE)).isFalse();
        assertThat(d).hasToString("JsonLinesDestination[" + dir.resolve("missing-dir").resolve("out.jsonl") + "]");
    }

    @Test
    void refusesToWriteBeforeOpen() {
        assertThatThrownBy(() -> JsonLinesDestination.toStream(new ByteArrayOutputStream()).write(List.of(one(1L, "x"))))
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JsonLinesDestination.toFile(Path.of("x")).write(List.of(one(1L, "x"))))
            .isInstanceOf(IllegalStateException.class);
    }

}
