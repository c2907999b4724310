package io.valmi.testing.internal;

import io.valmi.Change;
import io.valmi.DestinationMode;
import io.valmi.Row;
import io.valmi.RowLayout;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The scenarios of the destination contract kit as data: runs of batches of changes, with the mode of each run.
 * The expected state after each batch is computed by {@link #apply}, the reference semantics of the modes.
 */
public final class ContractPlans {

    /** The titles of the scenarios, in the order they run. */
    public static final List<String> TITLES = List.of("adds", "changes", "removes", "repeated delivery",
        "batch boundaries", "null values", "unicode and long text", "numeric precision", "timestamps with zones");

    private static final RowLayout LAYOUT = new RowLayout(List.of("name", "amount", "quantity", "ratio", "active",
        "day", "local_at", "updated_at"));

    /**
     * One run: the destination is opened in {@code mode}, given the batches and closed.
     *
     * @param mode the mode of the run (a seeding run may use another mode than the scenario's)
     * @param batches the batches, each in key order
     */
    public record Run(DestinationMode mode, List<List<Change>> batches) {
        /** Copies the lists. */
        public Run {
            batches = batches.stream().map(List::copyOf).collect(java.util.stream.Collectors.toUnmodifiableList());
        }
    }

    private ContractPlans() {
    }

    /**
     * Whether a scenario applies to a mode at all.
     *
     * @param title the scenario title
     * @param mode the mode
     * @return {@code false} for combinations that do not exist ({@code removes} outside MIRROR, {@code changes}
     *     in INSERT mode)
     */
    public static boolean applies(String title, DestinationMode mode) {
        switch (title) {
            case "removes":
                return mode == DestinationMode.MIRROR;
            case "changes":
                return mode != DestinationMode.INSERT;
            default:
                return true;
        }
    }

    /**
     * The runs of a scenario.
     *
     * @param title the scenario title
     * @param mode the mode checked
     * @param seedMode a mode that creates records, for scenarios of UPDATE mode that need existing records
     * @return the runs, or empty when the scenario needs a seed mode and there is none
     */
    public static Optional<List<Run>> runs(String title, DestinationMode mode, Optional<DestinationMode> seedMode) {
        boolean creates = mode != DestinationMode.UPDATE;
        if (!creates && seedMode.isEmpty()) {
            return Optional.empty();
        }
        DestinationMode seed = creates ? mode : seedMode.get();
        List<Run> runs = new ArrayList<>();
        switch (title) {
            case "adds":
                if (creates) {
                    runs.add(run(mode, List.of(added(1, 1), added(2, 1), added(3, 1))));
                } else {
                    runs.add(run(seed, List.of(added(1, 1), added(2, 1))));
                    runs.add(run(mode, List.of(added(1, 2), added(2, 2), added(3, 1))));
                }
                break;
            case "changes":
                runs.add(run(seed, List.of(added(1, 1), added(2, 1), added(3, 1))));
                runs.add(run(mode, List.of(changed(1, 2), Change.unchanged(2L, base(2, 1)), changed(3, 2))));
                if (!creates) {
                    runs.add(run(mode, List.of(changed(1, 3), changed(4, 1))));
                }
                break;
            case "removes":
                runs.add(run(mode, List.of(added(1, 1), added(2, 1), added(3, 1))));
                runs.add(run(mode, List.of(Change.removed(2L), Change.removed(99L))));
                runs.add(run(mode, List.of(changed(1, 2), Change.removed(3L), added(4, 1))));
                break;
            case "repeated delivery":
                runs.add(run(seed, List.of(added(1, 1), added(2, 1), added(3, 1))));
                List<Change> repeated = repeatedBatch(mode);
                runs.add(new Run(mode, List.of(repeated, repeated)));
                runs.add(new Run(mode, List.of(repeated)));
                break;
            case "batch boundaries":
                runs.add(new Run(seed, split(range(1, 25, k -> added(k, 1)), 1, 7, 10, 7)));
                if (mode != DestinationMode.INSERT) {
                    runs.add(new Run(mode, split(range(1, 25, k -> changed(k, 2)), 10, 15)));
                }
                if (mode == DestinationMode.MIRROR) {
                    List<Change> last = new ArrayList<>(range(1, 3, k -> changed(k, 3)));
                    last.addAll(range(18, 25, Change::removed));
                    runs.add(new Run(mode, split(last, 4, 7)));
                }
                break;
            case "null values":
                runs.addAll(valueRuns(mode, seed, nullRows()));
                break;
            case "unicode and long text":
                runs.addAll(valueRuns(mode, seed, textRows()));
                break;
            case "numeric precision":
                runs.addAll(valueRuns(mode, seed, numericRows()));
                break;
            case "timestamps with zones":
                runs.addAll(valueRuns(mode, seed, timeRows()));
                break;
            default:
                throw new IllegalArgumentException("No contract scenario '" + title + "'");
        }
        return Optional.of(runs);
    }

    /**
     * Applies a batch to a state with the reference semantics of a mode.
     *
     * @param state key to row; changed in place
     * @param mode the mode of the run
     * @param batch the changes
     * @return the keys that the destination may reject or skip (UPDATE mode, no such record); every other key
     *     must be applied
     */
    public static List<Object> apply(Map<Object, Row> state, DestinationMode mode, List<Change> batch) {
        List<Object> mayReject = new ArrayList<>();
        for (Change change : batch) {
            switch (change.kind()) {
                case REMOVED:
                    state.remove(change.key());
                    break;
                default:
                    if (mode == DestinationMode.UPDATE && !state.containsKey(change.key())) {
                        mayReject.add(change.key());
                    } else if (mode == DestinationMode.INSERT) {
                        state.putIfAbsent(change.key(), change.requireRow());
                    } else {
                        state.put(change.key(), change.requireRow());
                    }
                    break;
            }
        }
        return mayReject;
    }

    /**
     * Splits a batch into batches of at most {@code max} changes.
     *
     * @param batch the batch
     * @param max the destination's largest batch
     * @return the batches
     */
    public static List<List<Change>> limit(List<Change> batch, int max) {
        if (batch.size() <= max) {
            return List.of(batch);
        }
        List<List<Change>> parts = new ArrayList<>();
        for (int i = 0; i < batch.size(); i += max) {
            parts.add(batch.subList(i, Math.min(batch.size(), i + max)));
        }
        return parts;
    }

    private static List<Change> repeatedBatch(DestinationMode mode) {
        switch (mode) {
            case INSERT:
                return List.of(added(4, 1), added(5, 1));
            case UPDATE:
                return List.of(changed(1, 2), added(2, 2), changed(9, 1));
            case MIRROR:
                return List.of(changed(1, 2), Change.removed(3L), added(4, 1));
            default:
                return List.of(changed(1, 2), Change.unchanged(2L, base(2, 1)), added(4, 1));
        }
    }

    /** Rows with special values: created (or, in UPDATE mode, set on seeded rows), then rotated among the keys. */
    private static List<Run> valueRuns(DestinationMode mode, DestinationMode seed, List<Row> rows) {
        List<Run> runs = new ArrayList<>();
        int n = rows.size();
        if (mode == DestinationMode.UPDATE) {
            runs.add(run(seed, range(1, n, k -> added(k, 1))));
            runs.add(run(mode, range(1, n, k -> Change.changed(k, rows.get((int) (k - 1))))));
        } else {
            runs.add(run(mode, range(1, n, k -> Change.added(k, rows.get((int) (k - 1))))));
        }
        if (mode != DestinationMode.INSERT) {
            runs.add(run(mode, range(1, n, k -> Change.changed(k, rows.get((int) (k % n))))));
        }
        return runs;
    }

    private static List<Row> nullRows() {
        return List.of(
            LAYOUT.row(null, null, null, null, null, null, null, null),
            LAYOUT.row("half null", null, 7L, null, true, null, LocalDateTime.of(2024, 5, 6, 7, 8, 9), null),
            LAYOUT.row(null, new BigDecimal("0.00"), null, 0.0, null, LocalDate.of(2024, 1, 1), null,
                OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)),
            base(4, 1));
    }

    private static List<Row> textRows() {
        StringBuilder longText = new StringBuilder(100_100);
        String piece = "Lorem ipsum dolor sit amet, Grüße, 漢字, 🚀 ";
        while (longText.length() < 100_000) {
            longText.append(piece);
        }
        String[] texts = {
            "Zoë Ålesund Ørsted façade naïve",
            "日本語のテキスト 中文 한국어",
            "emoji 🚀 👍🏽 👩‍👩‍👧 🇨🇭",
            "עברית וערבית العربية",
            "quotes ' \" ` and backslash \\ and slash /",
            "line\nbreak\r\ntab\tform\ffeed \u2028 \u2029",
            "combining e\u0301 vs \u00e9",
            "",
            "   leading and trailing spaces   ",
            longText.toString(),
            "{\"looks\": \"like JSON\", \"n\": 1}",
            "<script>alert('x')</script> & &amp;",
        };
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            rows.add(withField(base(i + 1, 1), 0, texts[i]));
        }
        return rows;
    }

    private static List<Row> numericRows() {
        Object[][] values = {
            {new BigDecimal("12345678901234567890.123456789012345678"), Long.MAX_VALUE, 0.1},
            {new BigDecimal("-0.000000000000000001"), Long.MIN_VALUE, -1.0E-300},
            {new BigDecimal("0.10"), 0L, 1.7976931348623157E308},
            {new BigDecimal("1E+30"), -1L, 4.9E-324},
            {new BigDecimal("-99999999999999999999999999999.99"), 9007199254740993L, 3.141592653589793},
            {BigDecimal.ZERO, 1L, -0.0},
        };
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            Row row = withField(base(i + 1, 1), 1, values[i][0]);
            row = withField(row, 2, values[i][1]);
            rows.add(withField(row, 3, values[i][2]));
        }
        return rows;
    }

    private static List<Row> timeRows() {
        Object[][] values = {
            {LocalDate.of(2024, 2, 29), LocalDateTime.of(2024, 3, 31, 2, 30),
                OffsetDateTime.of(2024, 3, 31, 1, 30, 0, 123_456_000, ZoneOffset.UTC)},
            {LocalDate.of(1970, 1, 1), LocalDateTime.of(2024, 10, 27, 2, 30, 0, 1_000),
                OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)},
            {LocalDate.of(1582, 10, 10), LocalDateTime.of(1582, 10, 10, 12, 0),
                OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)},
            {LocalDate.of(9999, 12, 31), LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000),
                OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC)},
            {LocalDate.of(1, 1, 1), LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000),
                OffsetDateTime.of(2024, 10, 27, 1, 30, 0, 0, ZoneOffset.ofHours(2))},
            {LocalDate.of(2000, 1, 1), LocalDateTime.of(2000, 1, 1, 0, 0),
                OffsetDateTime.of(2024, 6, 30, 23, 59, 59, 999_999_000, ZoneOffset.ofHoursMinutes(-9, -30))},
        };
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            Row row = withField(base(i + 1, 1), 5, values[i][0]);
            row = withField(row, 6, values[i][1]);
            rows.add(withField(row, 7, values[i][2]));
        }
        return rows;
    }

    /** An ordinary row; {@code version} makes the values of the same key differ between versions. */
    static Row base(long key, int version) {
        return LAYOUT.row("row " + key + " version " + version,
            new BigDecimal(key + "." + version + "5"),
            key * 10 + version,
            key + version / 8.0,
            (key + version) % 2 == 0,
            LocalDate.of(2024, 1, 1).plusDays(key + version),
            LocalDateTime.of(2024, 1, 1, 8, 0).plusMinutes(key * 7 + version),
            OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusHours(key).plusSeconds(version));
    }

    private static Row withField(Row row, int index, @Nullable Object value) {
        @Nullable Object[] values = new Object[row.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = i == index ? value : row.get(i);
        }
        return LAYOUT.row(values);
    }

    private static Change added(long key, int version) {
        return Change.added(key, base(key, version));
    }

    private static Change changed(long key, int version) {
        return Change.changed(key, base(key, version));
    }

    private static Run run(DestinationMode mode, List<Change> batch) {
        return new Run(mode, List.of(batch));
    }

    private static List<Change> range(long from, long to, Function<Long, Change> change) {
        List<Change> changes = new ArrayList<>();
        for (long k = from; k <= to; k++) {
            changes.add(change.apply(k));
        }
        return changes;
    }

    private static List<List<Change>> split(List<Change> changes, int... sizes) {
        if (Arrays.stream(sizes).sum() != changes.size()) {
            throw new IllegalArgumentException("sizes " + Arrays.toString(sizes) + " do not add up to " + changes.size());
        }
        List<List<Change>> batches = new ArrayList<>();
        int start = 0;
        for (int size : sizes) {
            batches.add(changes.subList(start, start + size));
            start += size;
        }
        return batches;
    }

    /**
     * The rows of a state as field maps, for messages.
     *
     * @param state key to row
     * @return key to field map
     */
    public static Map<Object, Map<String, @Nullable Object>> fields(Map<Object, Row> state) {
        Map<Object, Map<String, @Nullable Object>> out = new LinkedHashMap<>();
        state.forEach((k, row) -> out.put(k, row.toMap()));
        return out;
    }
}
