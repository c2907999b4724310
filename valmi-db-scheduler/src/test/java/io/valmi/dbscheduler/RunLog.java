package io.valmi.dbscheduler;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the destinations of several instances received, run by run: which instance ran it and how many rows. */
final class RunLog {
    final Map<String, String> nodeOfRun = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> rowsOfRun = new ConcurrentHashMap<>();

    /** A destination of one instance: one job runs at a time on it, so the run id of {@code open} is the writer's. */
    Destination destination(String node) {
        return new Destination() {
            private volatile String runId = "";

            @Override
            public DestinationCapabilities capabilities() {
                return DestinationCapabilities.all();
            }

            @Override
            public void open(SyncContext context) {
                runId = context.runId();
                nodeOfRun.put(runId, node);
            }

            @Override
            public WriteResult write(List<Change> batch) {
                rowsOfRun.computeIfAbsent(runId, r -> new AtomicLong()).addAndGet(batch.size());
                return WriteResult.ok();
            }
        };
    }
}
