package io.valmi;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link SyncScheduler} runs a job: after an initial delay, then again {@code interval} after each run
 * ends (fixed delay: runs of one job never overlap, and a slow run pushes the next one back).
 *
 * @param initialDelay the wait before the first run
 * @param interval the wait between the end of a run and the start of the next
 */
public record Schedule(Duration initialDelay, Duration interval) {

    /**
     * Validates the durations.
     *
     * @param initialDelay the wait before the first run
     * @param interval the wait between the end of a run and the start of the next
     */
    public Schedule {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(interval, "interval");
        if (initialDelay.isNegative() || interval.isNegative() || interval.isZero()) {
            throw new ConfigurationException("A Schedule needs a positive interval and a non-negative initial delay, got "
                + interval + " and " + initialDelay);
        }
    }

    /**
     * Runs now, then {@code interval} after each run ends.
     *
     * @param interval the wait between runs
     * @return the schedule
     */
    public static Schedule every(Duration interval) {
        return new Schedule(Duration.ZERO, interval);
    }

    /**
     * A copy with an initial delay.
     *
     * @param delay the wait before the first run
     * @return the schedule
     */
    public Schedule startingAfter(Duration delay) {
        return new Schedule(delay, interval);
    }
}
