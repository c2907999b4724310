package io.valmi;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A limit of requests (batches) and rows per second that the runs of one or more destinations keep between them: the
 * quota of a remote API. Thread-safe; share one object between every job (and every {@link SyncRunner}) that writes
 * against the same quota. Requests are spaced evenly (no bursts): at 10 requests per second, one every 100 ms;
 * with a row limit, a request of {@code n} rows holds the next one back for {@code n / rowsPerSecond} seconds.
 *
 * <p>A destination told to slow down (HTTP 429 or 503 with {@code Retry-After}) throws a {@link ThrottledException};
 * the runner then {@linkplain #pause(Duration) pauses} every limit of the run, so that no run sharing the limit sends
 * before the time the destination named.
 *
 * <pre>{@code
 * RateLimit crmQuota = RateLimit.perSecond(10).withRowsPerSecond(1000);
 * SyncJob job = SyncJob.builder("contacts").source(source).destination(crm).mapping(mapping)
 *     .rateLimit(crmQuota).concurrency(4).build();
 * }</pre>
 */
public final class RateLimit {
    private final double requestsPerSecond;
    private final double rowsPerSecond;
    /** When the next request may start ({@link System#nanoTime()}). */
    private long nextFree = System.nanoTime();
    /** No request starts before this ({@link System#nanoTime()}): the end of a pause. */
    private long pausedUntil = System.nanoTime();

    private RateLimit(double requestsPerSecond, double rowsPerSecond) {
        if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
            throw new ConfigurationException("requestsPerSecond must be a positive number (0: no limit), got "
                + requestsPerSecond);
        }
        if (!(rowsPerSecond >= 0) || Double.isInfinite(rowsPerSecond)) {
            throw new ConfigurationException("rowsPerSecond must be a positive number (0: no limit), got "
                + rowsPerSecond);
        }
        this.requestsPerSecond = requestsPerSecond;
        this.rowsPerSecond = rowsPerSecond;
    }

    /**
     * At most {@code requests} requests (batches) per second.
     *
     * @param requests requests per second, positive (fractions allowed: 0.5 is one every two seconds)
     * @return the limit
     */
    public static RateLimit perSecond(double requests) {
        positive(requests, "requests per second");
        return new RateLimit(requests, 0);
    }

    /**
     * At most {@code rows} changes per second, in requests of any number.
     *
     * @param rows changes per second, positive
     * @return the limit
     */
    public static RateLimit rowsPerSecond(double rows) {
        positive(rows, "rows per second");
        return new RateLimit(0, rows);
    }

    /**
     * No limit: only pauses ({@link #pause(Duration)}) hold requests back.
     *
     * @return a new object
     */
    public static RateLimit none() {
        return new RateLimit(0, 0);
    }

    /**
     * A new limit with the requests of this one and a limit of rows as well. (A new object: it does not share this
     * one's state.)
     *
     * @param rows changes per second, positive
     * @return the limit
     */
    public RateLimit withRowsPerSecond(double rows) {
        positive(rows, "rows per second");
        return new RateLimit(requestsPerSecond, rows);
    }

    /**
     * The requests per second.
     *
     * @return the limit, 0 for none
     */
    public double requestsPerSecond() {
        return requestsPerSecond;
    }

    /**
     * The rows per second.
     *
     * @return the limit, 0 for none
     */
    public double rowsPerSecond() {
        return rowsPerSecond;
    }

    /**
     * Waits until a request of {@code rows} changes may start, and counts it.
     *
     * @param rows the changes the request carries
     * @return how long it waited
     * @throws InterruptedException when interrupted while waiting (the request is counted all the same)
     */
    public Duration acquire(int rows) throws InterruptedException {
        long wait = reserve(rows);
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return Duration.ofNanos(Math.max(0, wait));
    }

    /**
     * Reserves the next slot for a request of {@code rows} changes.
     *
     * @param rows the changes the request carries
     * @return nanoseconds to wait until it may start, 0 or more
     */
    synchronized long reserve(int rows) {
        long now = System.nanoTime();
        long start = now;
        if (nextFree - start > 0) {
            start = nextFree;
        }
        if (pausedUntil - start > 0) {
            start = pausedUntil;
        }
        double cost = 0;
        if (requestsPerSecond > 0) {
            cost = 1e9 / requestsPerSecond;
        }
        if (rowsPerSecond > 0) {
            cost = Math.max(cost, rows * 1e9 / rowsPerSecond);
        }
        nextFree = start + (long) cost;
        return start - now;
    }

    /**
     * Holds every request back for a while: what a destination's "slow down" asks (HTTP 429 {@code Retry-After}). A
     * pause never shortens one already in force.
     *
     * @param duration how long no request may start, from now
     */
    public synchronized void pause(Duration duration) {
        long until = System.nanoTime() + Math.max(0, duration.toNanos());
        if (until - pausedUntil > 0) {
            pausedUntil = until;
        }
    }

    /**
     * How long requests are still held back by a pause.
     *
     * @return the time left, zero when there is no pause
     */
    public synchronized Duration pausedFor() {
        long left = pausedUntil - System.nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public String toString() {
        return "RateLimit[" + (requestsPerSecond > 0 ? requestsPerSecond + " requests/s" : "")
            + (requestsPerSecond > 0 && rowsPerSecond > 0 ? ", " : "")
            + (rowsPerSecond > 0 ? rowsPerSecond + " rows/s" : "")
            + (requestsPerSecond == 0 && rowsPerSecond == 0 ? "no limit" : "") + "]";
    }

    private static void positive(double value, String what) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigurationException("A rate limit of " + what + " must be a positive number, got " + value);
        }
    }
}
