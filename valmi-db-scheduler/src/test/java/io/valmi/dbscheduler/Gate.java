package io.valmi.dbscheduler;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.Row;
import io.valmi.WriteResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A destination whose writes wait until the test opens the gate; it keeps what it applied by key. */
final class Gate implements Destination {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch open = new CountDownLatch(1);
    final Map<Object, Row> state = new ConcurrentHashMap<>();

    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all();
    }

    @Override
    public WriteResult write(List<Change> batch) throws InterruptedException {
        entered.countDown();
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never opened the gate");
        }
        for (Change c : batch) {
            if (c.kind() == ChangeKind.REMOVED) {
                state.remove(c.key());
            } else {
                state.put(c.key(), c.requireRow());
            }
        }
        return WriteResult.ok();
    }

    void awaitEntered() throws InterruptedException {
        if (!entered.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no write reached the gate within 30 s");
        }
    }
}
