package io.valmi.dbscheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import io.valmi.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** valmi's schedules as db-scheduler's: the same times, jitter kept. */
class DbSchedulesTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    /** The night clocks went forward in Berlin (02:00 became 03:00), and the weeks around it. */
    private static final Instant START = ZonedDateTime.of(2025, 3, 20, 12, 20, 0, 0, BERLIN).toInstant();

    private static Instant next(com.github.kagkarlsson.scheduler.task.schedule.Schedule s, Instant done) {
        return s.getNextExecutionTime(ExecutionComplete.simulatedSuccess(done));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30 2 * * *", "0 2 * * 1-5", "0 0,30 * * * *", "0 0 2 * * MON-FRI", "0 9 1 * 0",
        "*/15 * * * *"})
    void aCronScheduleHasValmisTimes(String expression) {
        Schedule valmi = Schedule.cron(expression, BERLIN);
        com.github.kagkarlsson.scheduler.task.schedule.Schedule db = DbSchedules.of(valmi, "job");
        assertThat(db.isDeterministic()).isTrue();
        Instant t = START;
        for (int i = 0; i < 40; i++) {
            Instant expected = valmi.nextTime(t.atZone(BERLIN)).orElseThrow().toInstant();
            Instant actual = next(db, t);
            assertThat(actual).as("after %s", t).isEqualTo(expected);
            t = actual;
        }
    }

    @Test
    void anIntervalIsAFixedDelayFromTheEndOfTheRun() {
        var db = DbSchedules.of(Schedule.every(Duration.ofMinutes(5)), "job");
        assertThat(db.isDeterministic()).isFalse();
        assertThat(db.getInitialExecutionTime(START)).isEqualTo(START);
        assertThat(next(db, START)).isEqualTo(START.plus(Duration.ofMinutes(5)));
        var delayed = DbSchedules.of(Schedule.every(Duration.ofMinutes(5)).startingAfter(Duration.ofMinutes(1)), "job");
        assertThat(delayed.getInitialExecutionTime(START)).isEqualTo(START.plus(Duration.ofMinutes(1)));
        assertThat(next(delayed, START)).isEqualTo(START.plus(Duration.ofMinutes(5)));
    }

    @Test
    void anIntervalsJitterIsRandomWithinItsBound() {
        var db = DbSchedules.of(Schedule.every(Duration.ofMinutes(5)).withJitter(Duration.ofSeconds(10)), "job");
        List<Instant> times = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            times.add(next(db, START));
        }
        assertThat(times).allSatisfy(t -> assertThat(t).isBetween(START.plus(Duration.ofMinutes(5)),
            START.plus(Duration.ofMinutes(5)).plusSeconds(10)));
        assertThat(times.stream().distinct().count()).isGreaterThan(1);
    }

    @Test
    void aCronSchedulesJitterIsTheSameOnEveryInstanceAndWithinItsBound() {
        Schedule hourly = Schedule.cron("0 * * * *", BERLIN).withJitter(Duration.ofMinutes(10));
        var one = DbSchedules.of(hourly, "job-a");
        var other = DbSchedules.of(hourly, "job-a");
        var anotherJob = DbSchedules.of(hourly, "job-b");
        assertThat(one.isDeterministic()).as("db-scheduler keeps it in step with the code").isTrue();
        Instant t = START;
        int differs = 0;
        for (int i = 0; i < 24; i++) {
            Instant at = next(one, t);
            Instant base = hourly.nextTime(t.atZone(BERLIN)).orElseThrow().toInstant();
            assertThat(at).as("after %s", t).isBetween(base, base.plus(Duration.ofMinutes(10)));
            assertThat(next(other, t)).as("another instance, the same time").isEqualTo(at);
            if (!next(anotherJob, t).equals(at)) {
                differs++;
            }
            t = at;
        }
        assertThat(differs).as("jobs sharing an expression are spread").isGreaterThan(20);
    }

    @Test
    void aRunThatEndsAtATimeStillHasThatTimesJitteredRunAhead() {
        Schedule hourly = Schedule.cron("0 * * * *", BERLIN).withJitter(Duration.ofMinutes(10));
        var db = DbSchedules.of(hourly, "job-a");
        Instant hour = ZonedDateTime.of(2025, 3, 20, 13, 0, 0, 0, BERLIN).toInstant();
        Instant at = next(db, hour.minusSeconds(1));
        assertThat(at).isBetween(hour, hour.plus(Duration.ofMinutes(10)));
        assertThat(next(db, hour)).isEqualTo(at);
    }

    @Test
    void aCronSchedulesJitteredTimeIsNotLostWhenAnInstanceStartsWithinTheJitter() {
        Schedule hourly = Schedule.cron("0 * * * *", BERLIN).withJitter(Duration.ofMinutes(10));
        var db = DbSchedules.of(hourly, "job-a");
        Instant pending = next(db, START);
        Instant base = hourly.nextTime(START.atZone(BERLIN)).orElseThrow().toInstant();
        assertThat(pending).isAfter(base);
        // db-scheduler's start-up asks for the next time after now: between the base time and the jittered one, it
        // must be the pending time, not the next hour's.
        Instant between = base.plus(Duration.between(base, pending).dividedBy(2));
        assertThat(next(db, between)).isEqualTo(pending);
        assertThat(next(db, pending)).as("a run that ended at its time is followed by the next hour's")
            .isAfter(base.plus(Duration.ofMinutes(50)));
    }
}
