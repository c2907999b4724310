package io.valmi.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds a destination's {@code write}: when it is still running at its timeout, the thread that called it is
 * interrupted, and the attempt counts as timed out whatever it returns afterwards.
 */
final class WriteWatchdog {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "valmi-write-watchdog");
        t.setDaemon(true);
        return t;
    });

    private WriteWatchdog() {
    }

    /** One write being watched. */
    static final class Watch implements AutoCloseable {
        private final AtomicBoolean fired = new AtomicBoolean();
        private final AtomicBoolean over = new AtomicBoolean();
        private final ScheduledFuture<?> alarm;

        private Watch(Thread writer, Duration timeout) {
            this.alarm = TIMER.schedule(() -> {
                if (!over.get() && fired.compareAndSet(false, true)) {
                    writer.interrupt();
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /**
         * Whether the write ran into its timeout (and its thread was interrupted).
         *
         * @return whether the alarm went off
         */
        boolean timedOut() {
            return fired.get();
        }

        /** Ends the watch; clears the interrupt the alarm caused, so that it does not reach what runs next. */
        @Override
        public void close() {
            over.set(true);
            alarm.cancel(false);
            if (fired.get()) {
                Thread.interrupted();
            }
        }
    }

    /**
     * Starts watching a write on the current thread.
     *
     * @param timeout how long it may take
     * @return the watch, to close when the write returns or throws
     */
    static Watch start(Duration timeout) {
        return new Watch(Thread.currentThread(), timeout);
    }
}
