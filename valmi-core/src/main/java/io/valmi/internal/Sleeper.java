package io.valmi.internal;

import java.time.Duration;

/** Waits between retries; replaced in tests so that backoff takes no time. */
@FunctionalInterface
public interface Sleeper {
    /** The real clock. */
    Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

    /**
     * Waits.
     *
     * @param duration how long
     * @throws InterruptedException when the thread is interrupted
     */
    void sleep(Duration duration) throws InterruptedException;
}
