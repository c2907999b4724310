package io.valmi.postgres;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.WriteResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keeps what it was sent and the state a keyed destination would hold; can reject keys or fail after applying. */
class CollectingDestination implements Destination {
    final List<Change> received = new ArrayList<>();
    final Map<Object, Row> state = new LinkedHashMap<>();
    Function<Change, String> rejector = c -> null;
    /** How a rejection names its key: the change's own key by default, or, e.g., a Long or String form of it. */
    Function<Object, Object> rejectedKeyAs = key -> key;
    /** Keys rejected in every batch besides the rejector's, whether in the batch or not (a confused destination). */
    final List<Object> alsoRejected = new ArrayList<>();
    /** Batches (from 1) that are applied and then throw, as a timeout after a remote commit would. */
    final java.util.Set<Integer> applyThenThrow = new java.util.HashSet<>();
    /** Batches (from 1) that are applied and then "kill the process": an Error no code of the run handles. */
    final java.util.Set<Integer> applyThenDie = new java.util.HashSet<>();
    private int batches;

    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all();
    }

    @Override
    public void open(io.valmi.SyncContext context) {
        batches = 0;
    }

    @Override
    public WriteResult write(List<Change> batch) throws Exception {
        batches++;
        List<Rejection> rejections = new ArrayList<>();
        for (Change c : batch) {
            received.add(c);
            String reason = rejector.apply(c);
            if (reason != null) {
                rejections.add(new Rejection(rejectedKeyAs.apply(c.key()), reason));
                continue;
            }
            if (c.kind() == ChangeKind.REMOVED) {
                state.remove(c.key());
            } else {
                state.put(c.key(), c.row());
            }
        }
        if (applyThenDie.contains(batches)) {
            throw new ProcessDied();
        }
        if (applyThenThrow.contains(batches)) {
            throw new java.net.SocketTimeoutException("read timed out after the remote commit");
        }
        for (Object key : alsoRejected) {
            rejections.add(new Rejection(key, "not mine"));
        }
        return WriteResult.rejected(rejections);
    }

    /** A process dying inside {@code write}: only finally blocks run afterwards. */
    static final class ProcessDied extends Error {
        private static final long serialVersionUID = 1L;

        ProcessDied() {
            super("simulated process death inside write");
        }
    }

    List<Change> takeReceived() {
        List<Change> copy = new ArrayList<>(received);
        received.clear();
        return copy;
    }
}
