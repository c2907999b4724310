package io.valmi;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * When a {@link SyncScheduler} runs a job: at a fixed delay after each run ends ({@link #every(Duration)}), or at the
 * times of a cron expression in a time zone ({@link #cron(String, ZoneId)}), each time optionally delayed by a random
 * jitter so that many jobs (or many instances) do not start at once. Runs of one job never overlap: a time that comes
 * while the job still runs is skipped (counted, logged at DEBUG), not queued.
 *
 * <pre>{@code
 * Schedule.every(Duration.ofMinutes(5));
 * Schedule.cron("0 2 * * 1-5", ZoneId.of("Europe/Berlin"));        // 02:00 on weekdays, Berlin time
 * Schedule.cron("0 0,30 * * * *", ZoneOffset.UTC).withJitter(Duration.ofSeconds(30));  // six fields: seconds first
 * }</pre>
 *
 * <p>Cron expressions are parsed and evaluated by <a href="https://github.com/jmrozanec/cron-utils">cron-utils</a>:
 * five fields (minute, hour, day of month, month, day of week) as in Unix cron, or six with seconds first as in
 * Spring's {@code @Scheduled}. Daylight saving time follows the zone: a time that does not exist that day (02:30 when
 * clocks go forward) is skipped, a time that occurs twice (when they go back) runs twice.
 */
public final class Schedule {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SPRING =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));

    private final Duration initialDelay;
    private final @Nullable Duration interval;
    private final @Nullable String expression;
    private final @Nullable ExecutionTime executionTime;
    private final ZoneId zone;
    private final Duration jitter;

    private Schedule(Duration initialDelay, @Nullable Duration interval, @Nullable String expression,
                     @Nullable ExecutionTime executionTime, ZoneId zone, Duration jitter) {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(jitter, "jitter");
        if (initialDelay.isNegative() || jitter.isNegative()) {
            throw new ConfigurationException("A Schedule needs a non-negative initial delay and jitter, got "
                + initialDelay + " and " + jitter);
        }
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new ConfigurationException("A Schedule needs a positive interval, got " + interval);
        }
        this.initialDelay = initialDelay;
        this.interval = interval;
        this.expression = expression;
        this.executionTime = executionTime;
        this.zone = zone;
        this.jitter = jitter;
    }

    /**
     * Runs now, then {@code interval} after each run ends (fixed delay: a slow run pushes the next one back).
     *
     * @param interval the wait between the end of a run and the start of the next, positive
     * @return the schedule
     */
    public static Schedule every(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        return new Schedule(Duration.ZERO, interval, null, null, ZoneId.of("UTC"), Duration.ZERO);
    }

    /**
     * Runs at the times of a cron expression, in a time zone.
     *
     * @param expression five fields (Unix: {@code "0 2 * * 1-5"}) or six with seconds first (Spring:
     *     {@code "0 0 2 * * MON-FRI"})
     * @param zone the time zone the expression's times are in
     * @return the schedule
     * @throws ConfigurationException when the expression is not valid, saying why
     */
    public static Schedule cron(String expression, ZoneId zone) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(zone, "zone");
        String trimmed = expression.trim();
        int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
        if (fields != 5 && fields != 6) {
            throw new ConfigurationException("Cron expression '" + expression + "' has " + fields + " fields: give"
                + " five (minute hour day-of-month month day-of-week, e.g. \"0 2 * * 1-5\") or six with seconds first"
                + " (e.g. \"0 0 2 * * MON-FRI\")");
        }
        Cron cron;
        try {
            cron = (fields == 5 ? UNIX : SPRING).parse(trimmed).validate();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Cron expression '" + expression + "' is not valid: " + e.getMessage());
        }
        return new Schedule(Duration.ZERO, null, trimmed, ExecutionTime.forCron(cron), zone, Duration.ZERO);
    }

    /**
     * A copy that waits before its first run (an interval schedule) or its first time (a cron schedule).
     *
     * @param delay the wait, zero or more
     * @return the schedule
     */
    public Schedule startingAfter(Duration delay) {
        return new Schedule(delay, interval, expression, executionTime, zone, jitter);
    }

    /**
     * A copy whose every run starts up to {@code max} later than its time, at random: spreads jobs (and instances)
     * that share a schedule.
     *
     * @param max the longest extra wait, zero or more
     * @return the schedule
     */
    public Schedule withJitter(Duration max) {
        return new Schedule(initialDelay, interval, expression, executionTime, zone, max);
    }

    /**
     * The wait before the first run.
     *
     * @return the delay
     */
    public Duration initialDelay() {
        return initialDelay;
    }

    /**
     * The fixed delay between runs, for an interval schedule.
     *
     * @return the interval, or empty for a cron schedule
     */
    public Optional<Duration> interval() {
        return Optional.ofNullable(interval);
    }

    /**
     * The cron expression, for a cron schedule.
     *
     * @return the expression as given (trimmed), or empty for an interval schedule
     */
    public Optional<String> cronExpression() {
        return Optional.ofNullable(expression);
    }

    /**
     * The time zone of a cron schedule's times (UTC for an interval schedule).
     *
     * @return the zone
     */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The longest random extra wait before each run.
     *
     * @return the jitter
     */
    public Duration jitter() {
        return jitter;
    }

    /**
     * The next time of a cron schedule after a moment.
     *
     * @param after the moment
     * @return the next time, in the schedule's zone; empty for an interval schedule or an expression with no later time
     */
    public Optional<ZonedDateTime> nextTime(ZonedDateTime after) {
        ExecutionTime times = executionTime;
        if (times == null) {
            return Optional.empty();
        }
        return times.nextExecution(after.withZoneSameInstant(zone));
    }

    /** A random share of the jitter, for one run. */
    Duration randomJitter() {
        long max = jitter.toMillis();
        return max <= 0 ? Duration.ZERO : Duration.ofMillis(ThreadLocalRandom.current().nextLong(max + 1));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Schedule)) {
            return false;
        }
        Schedule s = (Schedule) o;
        return initialDelay.equals(s.initialDelay) && Objects.equals(interval, s.interval)
            && Objects.equals(expression, s.expression) && zone.equals(s.zone) && jitter.equals(s.jitter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialDelay, interval, expression, zone, jitter);
    }

    @Override
    public String toString() {
        return "Schedule[" + (interval != null ? "every " + interval : "cron '" + expression + "' in " + zone)
            + (initialDelay.isZero() ? "" : ", starting after " + initialDelay)
            + (jitter.isZero() ? "" : ", jitter up to " + jitter) + "]";
    }
}
