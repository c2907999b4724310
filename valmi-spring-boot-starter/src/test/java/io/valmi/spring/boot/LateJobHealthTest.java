package io.valmi.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Mapping;
import io.valmi.Schedule;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.RecordingDestination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** A scheduled job whose due time is further back than the grace is late: OUT_OF_SERVICE, with its due time. */
class LateJobHealthTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static ValmiJobs jobs(Instant dueAt) {
        SyncJob job = SyncJob.builder("customers")
            .source(PostgresSource.builder().dataSource(new PGSimpleDataSource(), "db").table("public", "c").build())
            .destination(new RecordingDestination())
            .mapping(Mapping.builder().key("id").map("email").build())
            .build();
        JobScheduling scheduling = new JobScheduling() {
            @Override
            public void start(List<ScheduledSyncJob> jobs) {
            }

            @Override
            public void stop() {
            }

            @Override
            public boolean triggerNow(ScheduledSyncJob job) {
                return false;
            }

            @Override
            public Times times(ScheduledSyncJob job, RunTracker runs) {
                return new Times(null, dueAt, null);
            }
        };
        ValmiJobs jobs = new ValmiJobs(List.of(ScheduledSyncJob.of(job, Schedule.every(Duration.ofMinutes(5)))),
            SyncRunner.create(), scheduling, new RunTracker(), Duration.ofMinutes(10),
            Clock.fixed(NOW, ZoneOffset.UTC));
        jobs.start();
        return jobs;
    }

    private static Health health(ValmiJobs jobs) {
        return new ValmiHealthIndicator(jobs, Status.DOWN, Status.OUT_OF_SERVICE).health();
    }

    @Test
    void lateBeyondTheGrace() {
        Health health = health(jobs(NOW.minus(Duration.ofMinutes(11))));
        assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(health.getDetails()).containsEntry("late", 1).containsEntry("failing", 0);
        assertThat(health.getDetails().get("jobs").toString()).contains("dueAt=2026-03-01T09:49:00Z");
    }

    @Test
    void notLateWithinTheGrace() {
        assertThat(health(jobs(NOW.minus(Duration.ofMinutes(9)))).getStatus()).isEqualTo(Status.UP);
        assertThat(health(jobs(NOW.plus(Duration.ofMinutes(5)))).getStatus()).isEqualTo(Status.UP);
    }
}
