package io.valmi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** A destination that records what it saw and fails or rejects as a test scripts it. */
final class ScriptedDestination implements Destination {
    final List<List<Change>> attempts = new ArrayList<>();
    final List<List<Change>> applied = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final Map<Integer, Integer> failuresByBatch = new HashMap<>();
    Function<Change, String> rejector = c -> null;
    DestinationCapabilities capabilities = DestinationCapabilities.all();
    final List<Map<String, String>> mdcSeen = new ArrayList<>();
    private int batchNumber;

    /** Batch {@code batch} (from 1) throws {@code times} times before it succeeds. */
    ScriptedDestination failBatch(int batch, int times) {
        failuresByBatch.put(batch, times);
        return this;
    }

    ScriptedDestination modes(Set<DestinationMode> modes) {
        capabilities = new DestinationCapabilities(modes, Integer.MAX_VALUE);
        return this;
    }

    @Override
    public DestinationCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public void open(SyncContext context) {
        events.add("open");
        batchNumber = 0;
    }

    @Override
    public WriteResult write(List<Change> batch) throws Exception {
        attempts.add(List.copyOf(batch));
        mdcSeen.add(Map.of("job", String.valueOf(org.slf4j.MDC.get("valmi.job")),
            "run", String.valueOf(org.slf4j.MDC.get("valmi.run"))));
        int number = batchNumber + 1;
        int remaining = failuresByBatch.getOrDefault(number, 0);
        if (remaining > 0) {
            failuresByBatch.put(number, remaining - 1);
            throw new java.io.IOException("injected failure of batch " + number);
        }
        batchNumber = number;
        applied.add(List.copyOf(batch));
        WriteResult.Builder result = WriteResult.builder();
        for (Change c : batch) {
            String reason = rejector.apply(c);
            if (reason != null) {
                result.reject(c, reason);
            }
        }
        return result.build();
    }

    @Override
    public void close() {
        events.add("close");
    }

    List<Change> appliedChanges() {
        List<Change> all = new ArrayList<>();
        applied.forEach(all::addAll);
        return all;
    }
}
