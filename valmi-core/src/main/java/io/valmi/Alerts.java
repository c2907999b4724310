package io.valmi;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SyncListener} that turns runs into alerts for people: a run failed, a job recovered after failures, a run
 * rejected or skipped more rows than a threshold. Wire Slack, e-mail or PagerDuty in the handler:
 *
 * <pre>{@code
 * SyncRunner runner = SyncRunner.builder()
 *     .listener(Alerts.builder(alert -> slack.post(alert.summary()))
 *         .rejectedAbove(100)            // more than 100 rejections in one run
 *         .invalidAbove(0)               // any row with a NULL or duplicated key
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Failures are alerted on every failed run ({@link Alert#consecutiveFailures()} says how many in a row, so a
 * handler can page on the first and stay quiet after); a recovery once, on the first successful run after failures.
 * Skipped and cancelled runs change nothing. The state (failures in a row per job) lives in this object, in memory:
 * use one {@code Alerts} per runner. The handler is called on the run's thread; an exception it throws is logged and
 * ignored.
 */
public final class Alerts implements SyncListener {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    private final Consumer<Alert> handler;
    private final long rejectedAbove;
    private final double rejectedShareAbove;
    private final long invalidAbove;
    private final Map<String, Integer> failuresInARow = new ConcurrentHashMap<>();

    private Alerts(Builder b) {
        this.handler = b.handler;
        this.rejectedAbove = b.rejectedAbove;
        this.rejectedShareAbove = b.rejectedShareAbove;
        this.invalidAbove = b.invalidAbove;
    }

    /**
     * Starts alerts sent to a handler.
     *
     * @param handler receives every alert
     * @return a builder: failures and recoveries on, thresholds off
     */
    public static Builder builder(Consumer<Alert> handler) {
        return new Builder(Objects.requireNonNull(handler, "handler"));
    }

    /** What an alert is about. */
    public enum Kind {
        /** A run failed. */
        FAILED,
        /** A run succeeded after one or more failed runs of the job. */
        RECOVERED,
        /** A run rejected more changes than the threshold (a count or a share of what it sent). */
        REJECTIONS,
        /** A run found more invalid rows (NULL or duplicated key, never sent) than the threshold. */
        INVALID_ROWS
    }

    /**
     * One alert.
     *
     * @param kind what it is about
     * @param result the run's result
     * @param consecutiveFailures failed runs of the job in a row, this one included (for {@link Kind#RECOVERED}: the
     *     failures it recovered from)
     * @param summary one line for a person: the job, what happened, the numbers, the error (secrets masked)
     */
    public record Alert(Kind kind, SyncResult result, int consecutiveFailures, String summary) {
    }

    @Override
    public void runFinished(SyncResult result) {
        String job = result.jobId();
        switch (result.status()) {
            case FAILED: {
                int n = failuresInARow.merge(job, 1, Integer::sum);
                send(new Alert(Kind.FAILED, result, n, "Sync job '" + job + "' failed" + (n > 1 ? " (" + n
                    + " runs in a row)" : "") + " after " + result.duration().toMillis() + " ms, "
                    + result.counts().delivered() + " delivered: " + result.error()));
                break;
            }
            case SUCCEEDED: {
                Integer before = failuresInARow.remove(job);
                if (before != null) {
                    send(new Alert(Kind.RECOVERED, result, before, "Sync job '" + job + "' recovered after "
                        + before + (before == 1 ? " failed run" : " failed runs") + ": "
                        + result.counts().delivered() + " delivered"));
                }
                break;
            }
            default:
                break;
        }
        if (result.status() == RunStatus.SKIPPED) {
            return;
        }
        SyncCounts c = result.counts();
        long answered = c.delivered() + c.rejected();
        if ((rejectedAbove >= 0 && c.rejected() > rejectedAbove)
            || (rejectedShareAbove >= 0 && answered > 0 && c.rejected() > rejectedShareAbove * answered)) {
            Rejection first = result.rejectionSamples().isEmpty() ? null : result.rejectionSamples().get(0);
            send(new Alert(Kind.REJECTIONS, result, failuresInARow.getOrDefault(job, 0), "Sync job '" + job
                + "': the destination rejected " + c.rejected() + " of " + answered + " changes" + (first == null ? ""
                : "; first: key " + first.key() + ": " + first.reason())));
        }
        if (invalidAbove >= 0 && c.invalidTotal() > invalidAbove) {
            send(new Alert(Kind.INVALID_ROWS, result, failuresInARow.getOrDefault(job, 0), "Sync job '" + job
                + "': " + c.invalidTotal() + " rows are invalid and not sent (" + c.invalid(InvalidReason.NULL_KEY)
                + " with a NULL key, " + c.invalid(InvalidReason.DUPLICATE_KEY) + " with a duplicated key)"));
        }
    }

    private void send(Alert alert) {
        try {
            handler.accept(alert);
        } catch (RuntimeException e) {
            log.warn("Alert handler threw; alert not sent: {} ({})", alert.summary(), e.toString(), e);
        }
    }

    /** Builds {@link Alerts}. */
    public static final class Builder {
        private final Consumer<Alert> handler;
        private long rejectedAbove = -1;
        private double rejectedShareAbove = -1;
        private long invalidAbove = -1;

        private Builder(Consumer<Alert> handler) {
            this.handler = handler;
        }

        /**
         * Alerts when a run rejects more than {@code count} changes.
         *
         * @param count the threshold, 0 or more (0: any rejection)
         * @return this builder
         */
        public Builder rejectedAbove(long count) {
            if (count < 0) {
                throw new ConfigurationException("rejectedAbove must not be negative, got " + count);
            }
            this.rejectedAbove = count;
            return this;
        }

        /**
         * Alerts when a run rejects more than this share of the changes it sent.
         *
         * @param fraction 0.0 to 1.0
         * @return this builder
         */
        public Builder rejectedShareAbove(double fraction) {
            if (!(fraction >= 0.0 && fraction <= 1.0)) {
                throw new ConfigurationException("rejectedShareAbove must be from 0.0 to 1.0, got " + fraction);
            }
            this.rejectedShareAbove = fraction;
            return this;
        }

        /**
         * Alerts when a run finds more than {@code count} invalid rows.
         *
         * @param count the threshold, 0 or more (0: any invalid row)
         * @return this builder
         */
        public Builder invalidAbove(long count) {
            if (count < 0) {
                throw new ConfigurationException("invalidAbove must not be negative, got " + count);
            }
            this.invalidAbove = count;
            return this;
        }

        /**
         * Builds the listener; add it with {@link SyncRunner.Builder#listener(SyncListener)}.
         *
         * @return the listener
         */
        public Alerts build() {
            return new Alerts(this);
        }
    }
}
