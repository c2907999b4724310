package io.valmi.testing;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import io.valmi.testing.internal.ContractPlans;
import io.valmi.testing.internal.ContractValues;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/**
 * The destination contract kit: drives a {@link Destination} directly ({@code open}, {@code write}, {@code close})
 * with hand-built batches in every {@link DestinationMode} it declares, reads back what it holds after every
 * batch and compares that with what a correct destination would hold. Most authors extend
 * {@link DestinationContract} instead of using this class directly.
 *
 * <p>Scenarios, per declared mode: adds; changes (not in INSERT mode); removes (MIRROR mode); repeated delivery
 * of the same batch, in the same run and in the next one; batch boundaries (25 keys in uneven batches, never more
 * than {@link DestinationCapabilities#maxBatchSize()}); NULL values; unicode and long text (100 000 characters);
 * numeric precision (38 digits, {@code Long.MAX_VALUE}, 2<sup>53</sup>+1, subnormal doubles); timestamps with
 * zones and local date-times in a daylight-saving gap and before 1583. What the modes mean:
 * <ul>
 *   <li>{@code UPSERT}, {@code MIRROR}: every sent row is held with exactly the sent values; {@code MIRROR} also
 *       deletes removed keys (removing an unknown key is harmless).</li>
 *   <li>{@code UPDATE}: rows the destination holds are updated; a key it does not hold must not be created (it may
 *       be rejected or skipped). Its records are created first through another declared mode (UPSERT, MIRROR or
 *       INSERT); without one, UPDATE scenarios are skipped.</li>
 *   <li>{@code INSERT}: sent rows are held; a row sent again must not appear twice.</li>
 * </ul>
 * A rejection of any other key fails the scenario, as does a write that throws.
 *
 * <p>Like the runner, the kit calls {@code close()} once after each run it opened the destination for, also when the
 * run failed. A destination it created but never opened (its scenario is skipped, its mode is not declared, or the
 * first {@code open} failed) it closes once before letting go of it, so {@code close()} must allow that.
 */
public final class DestinationContractKit {

    /** Creates the destination of a scenario. */
    @FunctionalInterface
    public interface DestinationFactory {
        /**
         * Creates a destination that holds nothing yet; called once per scenario. The kit closes it.
         *
         * @param scenario the scenario; {@link ContractScenario#id()} names its own place (a table, a file)
         * @return the destination
         * @throws Exception when it cannot be created
         */
        Destination create(ContractScenario scenario) throws Exception;
    }

    /** Reads back what a destination holds. */
    @FunctionalInterface
    public interface ReadBack {
        /**
         * Reads every record the destination of a scenario holds now.
         *
         * @param destination the destination the factory created for the scenario
         * @param scenario the scenario
         * @return every record, once per record held (a key held twice must appear twice)
         * @throws Exception when it cannot be read
         */
        List<HeldRecord> read(Destination destination, ContractScenario scenario) throws Exception;
    }

    private static final int MAX_DIFFERENCES = 8;

    private final DestinationFactory factory;
    private final ReadBack readBack;

    private DestinationContractKit(DestinationFactory factory, ReadBack readBack) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.readBack = Objects.requireNonNull(readBack, "readBack");
    }

    /**
     * Creates a kit.
     *
     * @param factory creates one empty destination per scenario
     * @param readBack reads back what a destination holds
     * @return the kit
     */
    public static DestinationContractKit of(DestinationFactory factory, ReadBack readBack) {
        return new DestinationContractKit(factory, readBack);
    }

    /**
     * The scenarios for the modes a destination declares.
     *
     * @param capabilities the destination's capabilities
     * @return the scenarios, mode by mode
     */
    public List<ContractScenario> scenarios(DestinationCapabilities capabilities) {
        List<ContractScenario> scenarios = new ArrayList<>();
        for (DestinationMode mode : DestinationMode.values()) {
            if (capabilities.supports(mode)) {
                for (String title : ContractPlans.TITLES) {
                    if (ContractPlans.applies(title, mode)) {
                        scenarios.add(ContractScenario.of(mode, title));
                    }
                }
            }
        }
        return scenarios;
    }

    /**
     * Runs one scenario.
     *
     * @param scenario the scenario
     * @return {@code false} when the scenario could not run (an UPDATE scenario of a destination without a mode
     *     that creates records)
     * @throws AssertionError when the destination broke the contract; the message names the scenario, the run and
     *     batch, and what differed
     */
    public boolean check(ContractScenario scenario) {
        Destination destination;
        try {
            destination = factory.create(scenario);
        } catch (Exception e) {
            throw new AssertionError(scenario + ": the destination factory failed: " + e, e);
        }
        DestinationCapabilities caps;
        Optional<List<ContractPlans.Run>> runs;
        try {
            caps = destination.capabilities();
            if (!caps.supports(scenario.mode())) {
                throw new AssertionError(scenario + ": the destination does not declare mode " + scenario.mode()
                    + " (it declares " + caps.modes() + ")");
            }
            Optional<DestinationMode> seedMode = Stream.of(DestinationMode.UPSERT, DestinationMode.MIRROR,
                DestinationMode.INSERT).filter(caps::supports).findFirst();
            runs = ContractPlans.runs(scenario.title(), scenario.mode(), seedMode);
        } catch (RuntimeException | Error e) {
            close(destination, e, scenario.toString(), false);
            throw e;
        }
        if (runs.isEmpty()) {
            close(destination, null, scenario.toString(), false);
            return false;
        }
        Map<Object, Row> expected = new LinkedHashMap<>();
        int runNumber = 0;
        for (ContractPlans.Run run : runs.get()) {
            runNumber++;
            int batchSize = Math.min(caps.maxBatchSize(), 1000);
            SyncContext context = new SyncContext("contract-" + scenario.id(), "run-" + runNumber,
                "valmi destination contract kit", scenario.mapping().withDestinationMode(run.mode()), batchSize);
            String where = scenario + ": run " + runNumber + " (" + run.mode() + ")";
            try {
                destination.open(context);
            } catch (Exception e) {
                AssertionError openFailure = new AssertionError(where + ": open failed: " + e, e);
                if (runNumber == 1) {
                    close(destination, openFailure, where, false);
                }
                throw openFailure;
            }
            AssertionError failure = null;
            try {
                int batchNumber = 0;
                for (List<Change> planned : run.batches()) {
                    for (List<Change> batch : ContractPlans.limit(planned, caps.maxBatchSize())) {
                        batchNumber++;
                        String at = where + ", batch " + batchNumber + " " + summary(batch);
                        writeAndCompare(destination, scenario, run.mode(), batch, expected, at);
                    }
                }
            } catch (AssertionError e) {
                failure = e;
            }
            close(destination, failure, where, true);
            if (failure != null) {
                throw failure;
            }
        }
        return true;
    }

    /**
     * Closes a destination the kit created: after each run it opened, or once if it never opened it. A failing
     * {@code close()} never hides the failure that came before it: it is added to that one as suppressed, and
     * thrown only when there is none.
     *
     * @param destination the destination
     * @param failure what already failed, or {@code null}
     * @param where the scenario and run, for the message
     * @param opened whether the destination was opened, for the message
     * @throws AssertionError when {@code close()} threw and nothing had failed before
     */
    static void close(Destination destination, @Nullable Throwable failure, String where, boolean opened) {
        try {
            destination.close();
        } catch (Exception e) {
            AssertionError closeFailure = new AssertionError(where + ": close failed: " + e + (opened ? ""
                : " (the destination was never opened: the contract kit closes every destination it creates, so "
                    + "close() must allow that)"), e);
            if (failure == null) {
                throw closeFailure;
            }
            failure.addSuppressed(closeFailure);
        }
    }

    /**
     * Runs every scenario of the declared modes and collects the failures instead of stopping at the first.
     *
     * @param capabilities the destination's capabilities
     * @return one message per failed scenario; empty when the destination keeps the contract
     */
    public List<String> failures(DestinationCapabilities capabilities) {
        List<String> failures = new ArrayList<>();
        for (ContractScenario scenario : scenarios(capabilities)) {
            try {
                check(scenario);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        return failures;
    }

    /**
     * The scenarios as JUnit 5 dynamic tests, one container per mode.
     *
     * @param capabilities the destination's capabilities
     * @return the tests
     */
    public Stream<DynamicNode> dynamicTests(DestinationCapabilities capabilities) {
        Map<DestinationMode, List<ContractScenario>> byMode = scenarios(capabilities).stream()
            .collect(Collectors.groupingBy(ContractScenario::mode, LinkedHashMap::new, Collectors.toList()));
        return byMode.entrySet().stream().map(e -> DynamicContainer.dynamicContainer(e.getKey().name(),
            e.getValue().stream().map(s -> DynamicTest.dynamicTest(s.title(), () -> Assumptions.assumeTrue(check(s),
                s + ": skipped, the destination declares no mode that creates records (UPSERT, MIRROR or INSERT)")))));
    }

    private void writeAndCompare(Destination destination, ContractScenario scenario, DestinationMode mode,
                                 List<Change> batch, Map<Object, Row> expected, String at) {
        WriteResult result;
        try {
            result = destination.write(batch);
        } catch (Exception e) {
            throw new AssertionError(at + ": write threw " + e, e);
        }
        if (result == null) {
            throw new AssertionError(at + ": write returned null; return WriteResult.ok() or WriteResult.rejected(...)");
        }
        List<Object> mayReject = ContractPlans.apply(expected, mode, batch);
        Set<Object> batchKeys = batch.stream().map(Change::key).collect(Collectors.toSet());
        List<String> problems = new ArrayList<>();
        for (Rejection rejection : result.rejections()) {
            if (!batchKeys.contains(rejection.key())) {
                problems.add("rejected key " + ContractValues.describe(rejection.key()) + ", which is not in the batch");
            } else if (!mayReject.contains(rejection.key())) {
                problems.add("rejected key " + rejection.key() + " (" + rejection.reason()
                    + "), but a correct destination applies it");
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(at + ": " + String.join("; ", problems));
        }
        List<HeldRecord> held;
        try {
            held = readBack.read(destination, scenario);
        } catch (Exception e) {
            throw new AssertionError(at + ": reading back failed: " + e, e);
        }
        List<String> differences = differences(expected, held);
        if (!differences.isEmpty()) {
            int shown = Math.min(MAX_DIFFERENCES, differences.size());
            throw new AssertionError(at + ": the destination holds what it should not (" + differences.size()
                + (differences.size() == 1 ? " difference" : " differences") + ", expected " + expected.size()
                + " records, it holds " + held.size() + "):\n  - "
                + String.join("\n  - ", differences.subList(0, shown))
                + (shown < differences.size() ? "\n  - ... " + (differences.size() - shown) + " more" : ""));
        }
    }

    private static List<String> differences(Map<Object, Row> expected, List<HeldRecord> held) {
        List<String> differences = new ArrayList<>();
        Map<String, HeldRecord> actual = new LinkedHashMap<>();
        Map<String, Integer> times = new HashMap<>();
        for (HeldRecord record : held) {
            String key = ContractValues.canonicalKey(record.key());
            actual.putIfAbsent(key, record);
            times.merge(key, 1, Integer::sum);
        }
        times.forEach((key, n) -> {
            if (n > 1) {
                differences.add("key " + key + " is held " + n + " times, expected once");
            }
        });
        Map<String, Object> expectedKeys = new LinkedHashMap<>();
        for (Map.Entry<Object, Row> entry : expected.entrySet()) {
            String key = ContractValues.canonicalKey(entry.getKey());
            expectedKeys.put(key, entry.getKey());
            HeldRecord record = actual.get(key);
            if (record == null) {
                differences.add("key " + key + ": expected " + entry.getValue() + ", but the destination holds no "
                    + "record with this key");
                continue;
            }
            Row row = entry.getValue();
            for (int i = 0; i < row.size(); i++) {
                String field = row.fieldNames().get(i);
                Object want = row.get(i);
                if (!record.fields().containsKey(field)) {
                    differences.add("key " + key + ", field '" + field + "': expected " + ContractValues.describe(want)
                        + ", but the record has no such field (a field holding null must be there)");
                    continue;
                }
                Object got = record.fields().get(field);
                if (!ContractValues.same(want, got)) {
                    String detail = want instanceof String && got instanceof String
                        ? ContractValues.firstDifference((String) want, (String) got) : "";
                    differences.add("key " + key + ", field '" + field + "': expected " + ContractValues.describe(want)
                        + " but the destination holds " + ContractValues.describe(got) + detail);
                }
            }
        }
        for (Map.Entry<String, HeldRecord> entry : actual.entrySet()) {
            if (!expectedKeys.containsKey(entry.getKey())) {
                differences.add("key " + entry.getKey() + ": expected no record (never sent, removed, or not "
                    + "matched in UPDATE mode), but the destination holds " + entry.getValue().fields());
            }
        }
        return differences;
    }

    private static String summary(List<Change> batch) {
        StringBuilder sb = new StringBuilder("[");
        int shown = Math.min(6, batch.size());
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(batch.get(i).kind()).append(' ').append(batch.get(i).key());
        }
        if (shown < batch.size()) {
            sb.append(", ... ").append(batch.size() - shown).append(" more");
        }
        return sb.append(']').toString();
    }
}
