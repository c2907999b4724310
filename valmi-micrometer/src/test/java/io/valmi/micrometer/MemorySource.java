package io.valmi.micrometer;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.InvalidReason;
import io.valmi.JobBusyException;
import io.valmi.Plan;
import io.valmi.RowLayout;
import io.valmi.RunRequest;
import io.valmi.Source;
import io.valmi.SourceColumn;
import io.valmi.SourceMode;
import io.valmi.SourceRun;
import io.valmi.SyncResult;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A source over an in-memory table of (id, email) rows keyed by long (map {@code email} alone), with a snapshot of what the destination
 * acknowledged: enough of a source for runs with every change kind. Invalid and quarantined rows are only reported in
 * its plans, as a test sets them.
 */
final class MemorySource implements Source {
    final TreeMap<Long, String> table = new TreeMap<>();
    /** Acknowledged values by key. */
    private final TreeMap<Long, String> snapshot = new TreeMap<>();
    /** Invalid rows the plans report, besides the table's rows. */
    final Map<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
    /** Quarantined rows the plans report. */
    long quarantined;
    /** When set, a run finds the job running elsewhere (another process holds its lock). */
    volatile boolean busyElsewhere;

    MemorySource rows(int n) {
        for (long k = 1; k <= n; k++) {
            table.put(k, "customer" + k + "@example.com");
        }
        return this;
    }

    @Override
    public String description() {
        return "memory:customers";
    }

    @Override
    public List<SourceColumn> columns() {
        return List.of(new SourceColumn("id", "bigint", false), new SourceColumn("email", "text", true));
    }

    @Override
    public SourceRun startRun(RunRequest request) {
        if (busyElsewhere) {
            throw new JobBusyException(request.jobId(), false, "Sync job '" + request.jobId()
                + "' is running in another process");
        }
        RowLayout layout = new RowLayout(request.mapping().destinationFields());
        TreeMap<Long, Change> all = new TreeMap<>();
        for (Map.Entry<Long, String> row : table.entrySet()) {
            String acknowledged = snapshot.get(row.getKey());
            ChangeKind kind = acknowledged == null ? ChangeKind.ADDED
                : !acknowledged.equals(row.getValue()) ? ChangeKind.CHANGED
                : request.mapping().sourceMode() == SourceMode.FULL_TABLE ? ChangeKind.UNCHANGED : null;
            if (kind != null) {
                all.put(row.getKey(), new Change(kind, row.getKey(), layout.row(row.getValue())));
            }
        }
        for (Long key : snapshot.keySet()) {
            if (!table.containsKey(key)) {
                all.put(key, Change.removed(key));
            }
        }
        Map<ChangeKind, Long> counts = new EnumMap<>(ChangeKind.class);
        List<Change> planned = new ArrayList<>();
        for (Change change : all.values()) {
            counts.merge(change.kind(), 1L, Long::sum);
            if (request.deliver().contains(change.kind())) {
                planned.add(change);
            }
        }
        Plan plan = new Plan(counts, invalid, List.of(), snapshot.size(), quarantined);
        Iterator<Change> next = planned.iterator();
        return new SourceRun() {
            @Override
            public Plan plan() {
                return plan;
            }

            @Override
            public synchronized List<Change> nextBatch(int maxSize) {
                List<Change> batch = new ArrayList<>();
                while (next.hasNext() && batch.size() < maxSize) {
                    batch.add(next.next());
                }
                return batch;
            }

            @Override
            public synchronized void acknowledge(Acknowledgement acknowledgement) {
                for (Change change : acknowledgement.delivered()) {
                    if (change.kind() == ChangeKind.REMOVED) {
                        snapshot.remove((Long) change.key());
                    } else {
                        snapshot.put((Long) change.key(), change.requireRow().getString("email"));
                    }
                }
                // (A rejected change stays out of the snapshot: it is offered again next run.)
            }

            @Override
            public void markInDoubt(List<Change> batch) {
            }

            @Override
            public void finish(SyncResult result) {
            }

            @Override
            public void close() {
            }
        };
    }
}
