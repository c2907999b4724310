package io.valmi.micrometer;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.WriteResult;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * A destination that fails, throttles, rejects and blocks as a test scripts it. Its messages hold keys and e-mail
 * addresses on purpose: none of them may become a tag.
 */
final class ScriptedDestination implements Destination {
    /** Thrown by the next writes, one each, in order. */
    final Deque<Exception> failures = new ArrayDeque<>();
    /** Keys rejected whenever sent. */
    final Set<Long> rejectKeys = new HashSet<>();
    /** Keys a write fails on (not retriable) whenever its batch holds one: a split isolates them. */
    final Set<Long> poisonKeys = new HashSet<>();
    /** When set, every write waits for it to open. */
    volatile CountDownLatch gate = new CountDownLatch(0);
    /** Opens when a write has started. */
    final CountDownLatch writing = new CountDownLatch(1);
    DestinationCapabilities capabilities = DestinationCapabilities.all();

    @Override
    public DestinationCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public WriteResult write(List<Change> batch) throws Exception {
        writing.countDown();
        gate.await();
        Exception failure;
        synchronized (failures) {
            failure = failures.poll();
        }
        if (failure != null) {
            throw failure;
        }
        for (Change change : batch) {
            if (poisonKeys.contains((Long) change.key())) {
                throw new DestinationException("cannot write customer " + change.key() + " ("
                    + change.requireRow().getString("email") + ")", null, false);
            }
        }
        WriteResult.Builder result = WriteResult.builder();
        for (Change change : batch) {
            if (rejectKeys.contains((Long) change.key())) {
                result.reject(change, "invalid e-mail address " + change.requireRow().getString("email"));
            }
        }
        return result.build();
    }
}
