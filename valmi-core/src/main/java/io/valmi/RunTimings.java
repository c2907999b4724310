package io.valmi;

import java.time.Duration;
import java.util.Objects;

/**
 * How long each phase of a run took, as the runner measured it with the clock of {@link SyncResult#startedAt()}. A
 * phase the run did not reach (it failed or was refused before) took {@link Duration#ZERO}.
 *
 * <ul>
 *   <li>{@code prepare}: the source's {@link Source#startRun} up to a planned run ({@code PostgresSource}: describe,
 *       check, lock, recover, plan), with its plan, columns and key order;</li>
 *   <li>{@code deliver}: from the plan to the destination's {@code close}: the guards, the destination's
 *       {@code open}, every batch handed out, written and answered;</li>
 *   <li>{@code finish}: the source's {@link SourceRun#finish} recording the result. It comes after the result's
 *       {@link SyncResult#finishedAt()} (the source records the result, end time included), so it is not part of
 *       {@link SyncResult#duration()}: {@code prepare + deliver} is at most the duration, and all three are at most
 *       the time {@code SyncRunner.run} took.</li>
 * </ul>
 *
 * @param prepare from asking the source for a run to its plan
 * @param deliver from the plan to the destination's close
 * @param finish the source recording the run
 */
public record RunTimings(Duration prepare, Duration deliver, Duration finish) {
    /** A run that reached no phase, or a result made without timings. */
    public static final RunTimings NONE = new RunTimings(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /**
     * Checks the durations.
     *
     * @param prepare from asking the source for a run to its plan
     * @param deliver from the plan to the destination's close
     * @param finish the source recording the run
     * @throws IllegalArgumentException when a duration is negative
     */
    public RunTimings {
        for (Duration d : new Duration[] {prepare, deliver, finish}) {
            if (Objects.requireNonNull(d, "duration").isNegative()) {
                throw new IllegalArgumentException("A phase of a run cannot take a negative time: " + d);
            }
        }
    }

    /**
     * The three phases together.
     *
     * @return {@code prepare + deliver + finish}
     */
    public Duration total() {
        return prepare.plus(deliver).plus(finish);
    }

    @Override
    public String toString() {
        return "prepare " + prepare.toMillis() + " ms, deliver " + deliver.toMillis() + " ms, finish "
            + finish.toMillis() + " ms";
    }
}
