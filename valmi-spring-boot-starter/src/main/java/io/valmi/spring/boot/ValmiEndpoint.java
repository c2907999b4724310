package io.valmi.spring.boot;

import io.valmi.Schedule;
import io.valmi.SyncCounts;
import io.valmi.SyncResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The Actuator endpoint {@code valmi}: {@code GET /actuator/valmi} lists the jobs, their schedules and last runs;
 * {@code GET /actuator/valmi/{id}} shows one; {@code POST /actuator/valmi/{id}} runs it now. Expose it with
 * {@code management.endpoints.web.exposure.include=health,valmi} (and secure it: the write operation starts syncs).
 */
@Endpoint(id = "valmi")
public class ValmiEndpoint {
    private final ValmiJobs jobs;

    /**
     * The endpoint.
     *
     * @param jobs the jobs
     */
    public ValmiEndpoint(ValmiJobs jobs) {
        this.jobs = jobs;
    }

    /**
     * Every job.
     *
     * @return the jobs
     */
    @ReadOperation
    public Jobs jobs() {
        return new Jobs(jobs.states().stream().map(ValmiEndpoint::describe).toList());
    }

    /**
     * One job.
     *
     * @param id the job's id
     * @return the job, or {@code null} (404) when there is none
     */
    @ReadOperation
    public @Nullable Job job(@Selector String id) {
        return jobs.state(id).map(ValmiEndpoint::describe).orElse(null);
    }

    /**
     * Runs a job now, besides its schedule.
     *
     * @param id the job's id
     * @return whether a run was started, or {@code null} (404) when there is no such job
     */
    @WriteOperation
    public @Nullable Trigger trigger(@Selector String id) {
        if (jobs.state(id).isEmpty()) {
            return null;
        }
        boolean started = jobs.triggerNow(id);
        return new Trigger(id, started, started ? "started" : "the job is running: no second run was started");
    }

    private static Job describe(SyncJobState state) {
        Schedule schedule = state.schedule();
        SyncResult last = state.lastRun();
        return new Job(state.id(), state.source(), state.destination(), schedule == null ? null : schedule.toString(),
            state.running(), text(state.nextRunAt()), text(state.dueAt()), state.late(), state.failing(),
            last == null ? null : run(last), text(state.lastSucceededAt()));
    }

    private static Run run(SyncResult result) {
        SyncCounts c = result.counts();
        Map<String, Long> invalid = new TreeMap<>();
        c.invalid().forEach((reason, n) -> invalid.put(reason.name(), n));
        Throwable error = result.error();
        return new Run(result.runId(), result.status().name(), result.startedAt().toString(),
            result.finishedAt().toString(), result.duration().toMillis(),
            new Counts(c.planned(), c.added(), c.changed(), c.unchanged(), c.removed(), c.delivered(), c.rejected(),
                c.skipped(), c.inDoubt(), c.quarantined(), invalid),
            error == null ? null : String.valueOf(error.getMessage()));
    }

    private static @Nullable String text(@Nullable Instant instant) {
        return instant == null ? null : instant.toString();
    }

    /**
     * The answer of {@code GET /actuator/valmi}.
     *
     * @param jobs every job
     */
    public record Jobs(List<Job> jobs) {
    }

    /**
     * One job.
     *
     * @param id its id
     * @param source the source's description
     * @param destination the destination's class
     * @param schedule its schedule, or {@code null} when it runs only when triggered
     * @param running whether it runs in this process now
     * @param nextRunAt when it runs next (ISO-8601), when known
     * @param dueAt by when its current or next run should have started, when it has a schedule
     * @param late whether it is late by its schedule
     * @param failing whether its last run failed and none succeeded since
     * @param lastRun its last run in this process
     * @param lastSucceededAt when its last successful run ended
     */
    public record Job(String id, String source, String destination, @Nullable String schedule, boolean running,
                      @Nullable String nextRunAt, @Nullable String dueAt, boolean late, boolean failing,
                      @Nullable Run lastRun, @Nullable String lastSucceededAt) {
    }

    /**
     * A run.
     *
     * @param runId its id
     * @param status SUCCEEDED, FAILED, CANCELLED
     * @param startedAt when it started (ISO-8601)
     * @param finishedAt when it ended
     * @param durationMillis how long it took
     * @param counts its numbers
     * @param error why it failed, or {@code null}
     */
    public record Run(String runId, String status, String startedAt, String finishedAt, long durationMillis,
                      Counts counts, @Nullable String error) {
    }

    /**
     * The numbers of a run (see {@link SyncCounts}).
     *
     * @param planned planned changes
     * @param added planned additions
     * @param changed planned changes of rows
     * @param unchanged planned unchanged rows (full-table mode)
     * @param removed planned removals
     * @param delivered changes the destination applied
     * @param rejected changes it rejected
     * @param skipped planned changes the mode does not send
     * @param inDoubt changes of batches whose write failed for good
     * @param quarantined rows left out as quarantined
     * @param invalid invalid rows by reason
     */
    public record Counts(long planned, long added, long changed, long unchanged, long removed, long delivered,
                         long rejected, long skipped, long inDoubt, long quarantined, Map<String, Long> invalid) {
    }

    /**
     * The answer of the trigger.
     *
     * @param id the job's id
     * @param started whether a run was started (or made due, with the cluster scheduler)
     * @param message what happened
     */
    public record Trigger(String id, boolean started, String message) {
    }
}
