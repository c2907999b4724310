package io.valmi.spring.boot;

import io.valmi.Schedule;
import io.valmi.SyncJob;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A job with its schedule, as a bean: the auto-configuration schedules it on the application's scheduler.
 *
 * <pre>{@code
 * @Bean
 * ScheduledSyncJob customers(DataSource dataSource, Destination crm) {
 *     return ScheduledSyncJob.of(SyncJob.builder("customers")...build(), Schedule.every(Duration.ofMinutes(5)));
 * }
 * }</pre>
 *
 * <p>A plain {@link SyncJob} bean runs only when triggered (the endpoint's write operation,
 * {@link ValmiJobs#triggerNow(String)}), unless {@code valmi.jobs.<id>.schedule} gives it a schedule.
 *
 * @param job the job
 * @param schedule when it runs; {@code null} for a job that runs only when triggered
 */
public record ScheduledSyncJob(SyncJob job, @Nullable Schedule schedule) {

    /**
     * Checks the job.
     *
     * @param job the job
     * @param schedule when it runs; {@code null} for a job that runs only when triggered
     */
    public ScheduledSyncJob {
        Objects.requireNonNull(job, "job");
    }

    /**
     * A job on a schedule.
     *
     * @param job the job
     * @param schedule when it runs
     * @return the scheduled job
     */
    public static ScheduledSyncJob of(SyncJob job, Schedule schedule) {
        return new ScheduledSyncJob(job, Objects.requireNonNull(schedule, "schedule"));
    }

    /**
     * A job that runs only when triggered.
     *
     * @param job the job
     * @return the job without a schedule
     */
    public static ScheduledSyncJob unscheduled(SyncJob job) {
        return new ScheduledSyncJob(job, null);
    }

    /**
     * The job's id.
     *
     * @return {@link SyncJob#id()}
     */
    public String id() {
        return job.id();
    }

    /**
     * The schedule, if any.
     *
     * @return the schedule, or empty for a job that runs only when triggered
     */
    public Optional<Schedule> scheduleIfAny() {
        return Optional.ofNullable(schedule);
    }
}
