package io.valmi.dbscheduler;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.schedule.CronSchedule;
import com.github.kagkarlsson.scheduler.task.schedule.CronStyle;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import com.github.kagkarlsson.scheduler.task.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A valmi {@link io.valmi.Schedule} as a db-scheduler {@link Schedule}: an interval is db-scheduler's
 * {@link FixedDelay} (the next run an interval after the last one ended), a cron expression its {@link CronSchedule}
 * in the schedule's zone, read by the same cron-utils definition valmi reads it with (five fields: Unix; six: Spring,
 * seconds first). db-scheduler has no jitter of its own; it is added here: random for an interval, and for a cron
 * schedule an offset fixed by the job id and the time, so that every instance computes the same next time (a
 * deterministic schedule, which db-scheduler keeps in step with the code on start-up). {@code startingAfter} delays the
 * first time, when the job first enters the table.
 */
final class DbSchedules {
    private DbSchedules() {
    }

    /**
     * The db-scheduler schedule of a job.
     *
     * @param schedule the job's schedule
     * @param jobId the job's id (spreads the jitter of jobs that share a cron expression)
     * @return the db-scheduler schedule
     */
    static Schedule of(io.valmi.Schedule schedule, String jobId) {
        Duration interval = schedule.interval().orElse(null);
        Duration jitter = schedule.jitter();
        Schedule base;
        if (interval != null) {
            base = FixedDelay.of(interval);
            if (!jitter.isZero()) {
                base = new RandomJitter(base, jitter);
            }
        } else {
            String expression = schedule.cronExpression().orElseThrow();
            CronStyle style = expression.split("\\s+").length == 5 ? CronStyle.UNIX : CronStyle.SPRING53;
            base = new CronSchedule(expression, schedule.zone(), style);
            if (!jitter.isZero()) {
                base = new KeyedJitter(base, jitter, jobId);
            }
        }
        return schedule.initialDelay().isZero() ? base : new DelayedStart(base, schedule.initialDelay());
    }

    /** Each time up to {@code jitter} later, at random (for a fixed delay, which is not deterministic anyway). */
    static final class RandomJitter implements Schedule {
        private final Schedule base;
        private final Duration jitter;

        RandomJitter(Schedule base, Duration jitter) {
            this.base = base;
            this.jitter = jitter;
        }

        @Override
        public Instant getNextExecutionTime(ExecutionComplete complete) {
            return base.getNextExecutionTime(complete).plusMillis(random());
        }

        @Override
        public Instant getInitialExecutionTime(Instant now) {
            return base.getInitialExecutionTime(now).plusMillis(random());
        }

        private long random() {
            return ThreadLocalRandom.current().nextLong(jitter.toMillis() + 1);
        }

        @Override
        public boolean isDeterministic() {
            return false;
        }

        @Override
        public String toString() {
            return base + ", jitter up to " + jitter;
        }
    }

    /**
     * Each time of a deterministic schedule up to {@code jitter} later, by an offset that the job id and the time fix:
     * the same on every instance and after every restart, spread over the jitter across jobs and times.
     */
    static final class KeyedJitter implements Schedule {
        /** Enough steps for a jitter of a day over a schedule of every second; a schedule never needs more. */
        private static final int MAX_STEPS = 100_000;

        private final Schedule base;
        private final Duration jitter;
        private final long seed;

        KeyedJitter(Schedule base, Duration jitter, String jobId) {
            this.base = base;
            this.jitter = jitter;
            this.seed = jobId.hashCode() * 0x9E3779B97F4A7C15L;
        }

        /**
         * The first jittered time after the run ended. A base time that came before the end may still have its
         * jittered time after it, so the search starts a jitter before the end.
         */
        @Override
        public Instant getNextExecutionTime(ExecutionComplete complete) {
            Instant done = complete.getTimeDone();
            Instant from = done.minus(jitter);
            Instant at = NEVER;
            for (int step = 0; step < MAX_STEPS; step++) {
                Instant time = base.getNextExecutionTime(ExecutionComplete.simulatedSuccess(from));
                if (!time.isBefore(NEVER)) {
                    return NEVER;
                }
                at = time.plusMillis(offset(time));
                if (at.isAfter(done)) {
                    return at;
                }
                from = time;
            }
            return at;
        }

        /**
         * The offset of one time: SplitMix64's finalizer over the job's seed and the time, within the jitter.
         *
         * @param time a time of the base schedule
         * @return milliseconds, from 0 to the jitter
         */
        long offset(Instant time) {
            long z = seed + time.toEpochMilli() * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            return Math.floorMod(z, jitter.toMillis() + 1);
        }

        @Override
        public boolean isDeterministic() {
            return base.isDeterministic();
        }

        @Override
        public String toString() {
            return base + ", jitter up to " + jitter + " (fixed per job and time)";
        }
    }

    /** The first time, when the job enters the table, no earlier than {@code delay} from then. */
    static final class DelayedStart implements Schedule {
        private final Schedule base;
        private final Duration delay;

        DelayedStart(Schedule base, Duration delay) {
            this.base = base;
            this.delay = delay;
        }

        @Override
        public Instant getNextExecutionTime(ExecutionComplete complete) {
            return base.getNextExecutionTime(complete);
        }

        @Override
        public Instant getInitialExecutionTime(Instant now) {
            return base.getInitialExecutionTime(now.plus(delay));
        }

        @Override
        public boolean isDeterministic() {
            return base.isDeterministic();
        }

        @Override
        public String toString() {
            return base + ", starting after " + delay;
        }
    }
}
