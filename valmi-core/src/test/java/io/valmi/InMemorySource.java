package io.valmi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A source over an in-memory table keyed by long, with a snapshot kept the way DESIGN.md describes:
 * key to (values, in doubt). Records every call so tests can assert the protocol.
 */
class InMemorySource implements Source {
    record State(List<Object> values, boolean inDoubt, boolean everAcknowledged) {
    }

    final TreeMap<Long, List<Object>> table = new TreeMap<>();
    final TreeMap<Long, State> snapshot = new TreeMap<>();
    final List<Object> acknowledgedKeys = new ArrayList<>();
    final List<Object> rejectedKeys = new ArrayList<>();
    final List<Object> inDoubtKeys = new ArrayList<>();
    final List<SyncResult> finished = new ArrayList<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Set when two calls of a run overlapped (the runner must make them one at a time). */
    volatile boolean overlapped;
    private final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    /** Thrown by {@code beforeWrite} from the given attempt on (0: never): the run lost its hold on the job. */
    int loseHoldAtAttempt;
    RunRequest lastRequest;
    /** Invalid rows the plans report (besides the table's rows, which are all valid). */
    final Map<InvalidReason, Long> invalid = new EnumMap<>(InvalidReason.class);
    /** Quarantined rows the plans report (besides the table's rows, which are all sent). */
    long quarantined;
    private final List<String> columns;

    InMemorySource(String... columns) {
        this.columns = List.of(columns);
    }

    InMemorySource put(long key, Object... values) {
        table.put(key, List.of(values));
        return this;
    }

    InMemorySource rows(int n) {
        for (long k = 1; k <= n; k++) {
            put(k, "name-" + k);
        }
        return this;
    }

    @Override
    public String description() {
        return "memory:test";
    }

    @Override
    public List<SourceColumn> columns() {
        List<SourceColumn> list = new ArrayList<>();
        for (String c : columns) {
            list.add(new SourceColumn(c, "text", true));
        }
        return list;
    }

    @Override
    public SourceRun startRun(RunRequest request) {
        calls.add("startRun");
        lastRequest = request;
        RowLayout layout = new RowLayout(request.mapping().destinationFields());
        List<Change> planned = new ArrayList<>();
        EnumMap<ChangeKind, Long> counts = new EnumMap<>(ChangeKind.class);
        TreeMap<Long, Change> all = new TreeMap<>();
        for (Map.Entry<Long, List<Object>> e : table.entrySet()) {
            State s = snapshot.get(e.getKey());
            ChangeKind kind;
            if (s == null || !s.everAcknowledged()) {
                kind = ChangeKind.ADDED;
            } else if (s.inDoubt() || !s.values().equals(e.getValue())) {
                kind = ChangeKind.CHANGED;
            } else if (request.mapping().sourceMode() == SourceMode.FULL_TABLE) {
                kind = ChangeKind.UNCHANGED;
            } else {
                continue;
            }
            all.put(e.getKey(), new Change(kind, e.getKey(), layout.row(e.getValue().toArray())));
        }
        for (Long key : snapshot.keySet()) {
            if (!table.containsKey(key)) {
                all.put(key, Change.removed(key));
            }
        }
        for (Change c : all.values()) {
            counts.merge(c.kind(), 1L, Long::sum);
            if (request.deliver().contains(c.kind())) {
                planned.add(c);
            }
        }
        Plan plan = new Plan(counts, invalid, List.of(), snapshot.size(), quarantined);
        Iterator<Change> it = planned.iterator();
        SourceRun run = new SourceRun() {
            @Override
            public Plan plan() {
                return plan;
            }

            @Override
            public List<Change> nextBatch(int maxSize) {
                calls.add("nextBatch");
                List<Change> batch = new ArrayList<>();
                while (it.hasNext() && batch.size() < maxSize) {
                    Change c = it.next();
                    State s = snapshot.get((Long) c.key());
                    snapshot.put((Long) c.key(), new State(s == null ? List.of() : s.values(), true,
                        s != null && s.everAcknowledged()));
                    batch.add(c);
                }
                return Collections.unmodifiableList(batch);
            }

            @Override
            public void acknowledge(Acknowledgement ack) {
                calls.add("acknowledge");
                for (Change c : ack.delivered()) {
                    acknowledgedKeys.add(c.key());
                    if (c.kind() == ChangeKind.REMOVED) {
                        snapshot.remove((Long) c.key());
                    } else {
                        snapshot.put((Long) c.key(), new State(List.of(c.requireRow().toMap().values().toArray()),
                            false, true));
                    }
                }
                for (Rejection r : ack.rejections()) {
                    rejectedKeys.add(r.key());
                    State s = Objects.requireNonNull(snapshot.get((Long) r.key()));
                    if (s.everAcknowledged()) {
                        snapshot.put((Long) r.key(), new State(s.values(), false, true));
                    } else {
                        snapshot.remove((Long) r.key());
                    }
                }
            }

            @Override
            public void beforeWrite(List<Change> batch, int attempt) {
                calls.add("beforeWrite " + attempt);
                if (loseHoldAtAttempt > 0 && attempt >= loseHoldAtAttempt) {
                    throw new SourceException("the job's lock is gone", null, true);
                }
            }

            @Override
            public void markInDoubt(List<Change> batch) {
                calls.add("markInDoubt");
                for (Change c : batch) {
                    inDoubtKeys.add(c.key());
                }
            }

            @Override
            public void finish(SyncResult result) {
                calls.add("finish");
                finished.add(result);
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        return new SourceRun() {
            @Override
            public Plan plan() {
                return run.plan();
            }

            @Override
            public List<Change> nextBatch(int maxSize) {
                enter();
                try {
                    return run.nextBatch(maxSize);
                } finally {
                    inside.decrementAndGet();
                }
            }

            @Override
            public void beforeWrite(List<Change> batch, int attempt) {
                enter();
                try {
                    run.beforeWrite(batch, attempt);
                } finally {
                    inside.decrementAndGet();
                }
            }

            @Override
            public void acknowledge(Acknowledgement ack) {
                enter();
                try {
                    run.acknowledge(ack);
                } finally {
                    inside.decrementAndGet();
                }
            }

            @Override
            public void markInDoubt(List<Change> batch) {
                enter();
                try {
                    run.markInDoubt(batch);
                } finally {
                    inside.decrementAndGet();
                }
            }

            @Override
            public void finish(SyncResult result) {
                run.finish(result);
            }

            @Override
            public void close() {
                run.close();
            }
        };
    }

    private void enter() {
        if (inside.incrementAndGet() > 1) {
            overlapped = true;
        }
        Thread.yield();
    }
}
