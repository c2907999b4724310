package io.valmi.internal;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * What an application can do to a run from another thread: ask it to stop. The run's coordinator waits on
 * {@link #events()}, so a request wakes it at once.
 */
public final class RunControl {
    /** A wake-up with nothing to handle (a cancel request). */
    static final Object WAKE = new Object();

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile @Nullable Duration cancelWait;
    private volatile long cancelledAt;

    /**
     * Asks the run to stop: no batch is handed out after this; batches out are waited for up to {@code wait}, then
     * their writes are interrupted and, when they do not stop, abandoned. The first request counts.
     *
     * @param wait how long to wait for the writes under way
     */
    public void cancel(Duration wait) {
        synchronized (this) {
            if (cancelWait != null) {
                return;
            }
            cancelledAt = System.nanoTime();
            cancelWait = wait.isNegative() ? Duration.ZERO : wait;
        }
        events.add(WAKE);
    }

    /**
     * Whether the run was asked to stop.
     *
     * @return {@code true} after {@link #cancel(Duration)}
     */
    public boolean cancelled() {
        return cancelWait != null;
    }

    /** When the writes under way are no longer waited for ({@link System#nanoTime()}); only once cancelled. */
    long cancelDeadline() {
        Duration wait = cancelWait;
        return wait == null ? Long.MAX_VALUE : cancelledAt + wait.toNanos();
    }

    /** Where the run's writers report and cancel requests wake the coordinator. */
    BlockingQueue<Object> events() {
        return events;
    }
}
