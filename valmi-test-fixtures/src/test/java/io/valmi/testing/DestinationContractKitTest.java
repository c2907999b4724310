package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Row;
import io.valmi.RowLayout;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The kit itself: it must catch destinations that break the contract, and say what broke. */
class DestinationContractKitTest {

    /** Wraps a recording destination and changes what reaches it. */
    private static final class Broken implements Destination {
        final RecordingDestination inner = new RecordingDestination();
        private final UnaryOperator<List<Change>> breakage;

        Broken(UnaryOperator<List<Change>> breakage) {
            this.breakage = breakage;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all();
        }

        @Override
        public void open(SyncContext context) {
            inner.open(context);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            List<Change> changed = breakage.apply(batch);
            return changed.isEmpty() ? WriteResult.ok() : inner.write(changed);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static DestinationContractKit kit(UnaryOperator<List<Change>> breakage) {
        return DestinationContractKit.of(s -> new Broken(breakage), (d, s) -> ((Broken) d).inner.state().entrySet()
            .stream().map(e -> new HeldRecord(e.getKey(), e.getValue())).collect(Collectors.toList()));
    }

    private static Row mapValues(Row row, UnaryOperator<Object> f) {
        Object[] values = new Object[row.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(i) == null ? null : f.apply(row.get(i));
        }
        return new RowLayout(row.fieldNames()).row(values);
    }

    private static UnaryOperator<List<Change>> perRow(UnaryOperator<Object> f) {
        return batch -> batch.stream().map(c -> c.row() == null ? c
            : new Change(c.kind(), c.key(), mapValues(c.row(), f))).collect(Collectors.toList());
    }

    @Test
    void aCorrectDestinationPassesEveryScenarioOfEveryMode() {
        DestinationContractKit kit = kit(UnaryOperator.identity());
        assertThat(kit.scenarios(DestinationCapabilities.all())).hasSize(4 * 9 - 3 - 1);
        assertThat(kit.failures(DestinationCapabilities.all())).isEmpty();
    }

    @Test
    void reportsADestinationThatDropsDeletes() {
        List<String> failures = kit(batch -> batch.stream().filter(c -> c.kind() != ChangeKind.REMOVED)
            .collect(Collectors.toList())).failures(DestinationCapabilities.all());

        assertThat(failures).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith("[MIRROR]"));
        assertThat(failures).anySatisfy(f -> assertThat(f)
            .startsWith("[MIRROR] removes: run 2 (MIRROR), batch 1 [REMOVED 2, REMOVED 99]")
            .contains("key 2: expected no record"));
    }

    @Test
    void reportsADestinationThatLosesNumericPrecision() {
        List<String> failures = kit(perRow(v -> v instanceof BigDecimal ? BigDecimal.valueOf(((BigDecimal) v)
            .doubleValue()) : v instanceof Long ? (long) (double) (Long) v : v)).failures(DestinationCapabilities.all());

        assertThat(failures).anySatisfy(f -> assertThat(f).startsWith("[UPSERT] numeric precision")
            .contains("key 1, field 'amount': expected 12345678901234567890.123456789012345678 (BigDecimal) but the "
                + "destination holds 1.2345678901234567E+19 (BigDecimal)")
            .contains("key 5, field 'quantity': expected 9007199254740993 (Long) but the destination holds 9007199254740992"));
        assertThat(failures).noneSatisfy(f -> assertThat(f).contains("unicode"));
    }

    @Test
    void reportsADestinationThatShiftsLocalTimesThroughAZone() {
        ZoneId zurich = ZoneId.of("Europe/Zurich");
        List<String> failures = kit(perRow(v -> v instanceof LocalDateTime
            ? ((LocalDateTime) v).atZone(zurich).toLocalDateTime() : v)).failures(DestinationCapabilities.all());

        assertThat(failures).anySatisfy(f -> assertThat(f).startsWith("[UPSERT] timestamps with zones")
            .contains("field 'local_at': expected 2024-03-31T02:30 (LocalDateTime) but the destination holds "
                + "2024-03-31T03:30 (LocalDateTime)"));
    }

    @Test
    void reportsADestinationThatMangledUnicode() {
        List<String> failures = kit(perRow(v -> v instanceof String
            ? new String(((String) v).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                java.nio.charset.StandardCharsets.ISO_8859_1) : v)).failures(DestinationCapabilities.all());

        assertThat(failures).anySatisfy(f -> assertThat(f).startsWith("[UPSERT] unicode and long text")
            .contains("field 'name': expected \"日本語のテキスト 中文 한국어\" (String)")
            .contains("first difference at char 0"));
    }

    @Test
    void reportsADestinationThatStoresNullAsEmptyText() {
        List<String> failures = kit(batch -> batch.stream().map(c -> {
            if (c.row() == null) {
                return c;
            }
            Object[] values = new Object[c.row().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = c.row().get(i) == null && i == 0 ? "" : c.row().get(i);
            }
            return new Change(c.kind(), c.key(), new RowLayout(c.row().fieldNames()).row(values));
        }).collect(Collectors.toList())).failures(DestinationCapabilities.all());

        assertThat(failures).anySatisfy(f -> assertThat(f).startsWith("[UPSERT] null values")
            .contains("key 1, field 'name': expected null but the destination holds \"\" (String)"));
    }

    @Test
    void reportsADestinationThatAppendsInsteadOfWritingByKey() {
        List<HeldRecord> log = new ArrayList<>();
        Destination appending = new Destination() {
            @Override
            public WriteResult write(List<Change> batch) {
                batch.forEach(c -> log.add(new HeldRecord(c.key(), c.requireRow().toMap())));
                return WriteResult.ok();
            }
        };
        DestinationContractKit kit = DestinationContractKit.of(s -> {
            log.clear();
            return appending;
        }, (d, s) -> List.copyOf(log));

        assertThat(kit.failures(DestinationCapabilities.DEFAULT)).anySatisfy(f -> assertThat(f)
            .startsWith("[INSERT] repeated delivery: run 2 (INSERT), batch 2 [ADDED 4, ADDED 5]")
            .contains("key 4 is held 2 times, expected once"));
    }

    @Test
    void reportsRejectionsOfValidRowsAndThrowingWrites() {
        DestinationContractKit rejecting = DestinationContractKit.of(
            s -> new RecordingDestination().rejectKey(2L, "not today"),
            (d, s) -> List.of());
        assertThatThrownBy(() -> rejecting.check(ContractScenario.of(DestinationMode.UPSERT, "adds")))
            .isInstanceOf(AssertionError.class)
            .hasMessage("[UPSERT] adds: run 1 (UPSERT), batch 1 [ADDED 1, ADDED 2, ADDED 3]: rejected key 2 (not "
                + "today), but a correct destination applies it");

        DestinationContractKit throwing = DestinationContractKit.of(
            s -> new RecordingDestination().failBatch(1, 1), (d, s) -> List.of());
        assertThatThrownBy(() -> throwing.check(ContractScenario.of(DestinationMode.MIRROR, "adds")))
            .isInstanceOf(AssertionError.class)
            .hasMessageStartingWith("[MIRROR] adds: run 1 (MIRROR), batch 1 [ADDED 1, ADDED 2, ADDED 3]: write threw "
                + "java.io.IOException: RecordingDestination: injected failure of batch 1");
    }

    @Test
    void updateModeMayRejectUnknownKeysButMustNotCreateThem() {
        DestinationContractKit kit = kit(UnaryOperator.identity());
        assertThat(kit.check(ContractScenario.of(DestinationMode.UPDATE, "adds"))).isTrue();

        Destination creating = new RecordingDestination().mode(DestinationMode.UPSERT)
            .capabilities(DestinationCapabilities.of(DestinationMode.UPSERT, DestinationMode.UPDATE));
        DestinationContractKit upsertingInUpdateMode = DestinationContractKit.of(s -> creating,
            (d, s) -> ((RecordingDestination) d).state().entrySet().stream()
                .map(e -> new HeldRecord(e.getKey(), e.getValue())).collect(Collectors.toList()));
        assertThatThrownBy(() -> upsertingInUpdateMode.check(ContractScenario.of(DestinationMode.UPDATE, "adds")))
            .hasMessageContaining("[UPDATE] adds: run 2 (UPDATE)")
            .hasMessageContaining("key 3: expected no record");
    }

    @Test
    void updateScenariosAreSkippedWithoutAModeThatCreatesRecords() {
        DestinationContractKit kit = DestinationContractKit.of(s -> new RecordingDestination()
            .capabilities(DestinationCapabilities.of(DestinationMode.UPDATE)), (d, s) -> List.of());
        assertThat(kit.scenarios(DestinationCapabilities.of(DestinationMode.UPDATE)))
            .extracting(ContractScenario::id).contains("update_adds", "update_changes").doesNotContain("update_removes");
        assertThat(kit.check(ContractScenario.of(DestinationMode.UPDATE, "changes"))).isFalse();
    }

    @Test
    void respectsTheDestinationsMaximumBatchSize() {
        List<Integer> sizes = new ArrayList<>();
        RecordingDestination small = new RecordingDestination().capabilities(DestinationCapabilities.all()
            .withMaxBatchSize(3));
        DestinationContractKit kit = DestinationContractKit.of(s -> small, (d, s) -> {
            sizes.add(small.batches().get(small.batches().size() - 1).changes().size());
            return small.state().entrySet().stream().map(e -> new HeldRecord(e.getKey(), e.getValue()))
                .collect(Collectors.toList());
        });
        assertThat(kit.check(ContractScenario.of(DestinationMode.UPSERT, "batch boundaries"))).isTrue();
        assertThat(sizes).containsExactly(1, 3, 3, 1, 3, 3, 3, 1, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 3, 3);
        assertThat(small.violations()).isEmpty();
    }
}
