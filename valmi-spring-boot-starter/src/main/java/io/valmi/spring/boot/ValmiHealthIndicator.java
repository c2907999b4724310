package io.valmi.spring.boot;

import io.valmi.SyncResult;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * The health of the sync jobs ({@code valmi} in {@code /actuator/health}): {@code valmi.health.failed-status} (DOWN)
 * when a job's last run failed and none succeeded since, {@code valmi.health.late-status} (OUT_OF_SERVICE) when a
 * scheduled job is later than {@code valmi.health.late-after} past its due time, UP otherwise; details per job.
 */
public class ValmiHealthIndicator extends AbstractHealthIndicator {
    private final ValmiJobs jobs;
    private final Status failed;
    private final Status late;

    /**
     * The indicator.
     *
     * @param jobs the jobs
     * @param failedStatus the status of a failing job
     * @param lateStatus the status of a late job
     */
    public ValmiHealthIndicator(ValmiJobs jobs, Status failedStatus, Status lateStatus) {
        super("Sync jobs health check failed");
        this.jobs = jobs;
        this.failed = failedStatus;
        this.late = lateStatus;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Status status = Status.UP;
        Map<String, Object> details = new LinkedHashMap<>();
        int failing = 0;
        int lateJobs = 0;
        for (SyncJobState state : jobs.states()) {
            Map<String, Object> job = new LinkedHashMap<>();
            String jobStatus = "UP";
            if (state.failing()) {
                failing++;
                jobStatus = failed.getCode();
                status = worse(status, failed);
            }
            if (state.late()) {
                lateJobs++;
                if (!state.failing()) {
                    jobStatus = late.getCode();
                }
                status = worse(status, late);
                job.put("late", true);
                job.put("dueAt", String.valueOf(state.dueAt()));
            }
            job.put("status", jobStatus);
            job.put("running", state.running());
            SyncResult last = state.lastRun();
            if (last != null) {
                job.put("lastRun", last.status().name());
                job.put("lastRunFinishedAt", last.finishedAt().toString());
                Throwable error = last.error();
                if (error != null) {
                    job.put("error", String.valueOf(error.getMessage()));
                }
            }
            if (state.lastSucceededAt() != null) {
                job.put("lastSucceededAt", String.valueOf(state.lastSucceededAt()));
            }
            if (state.nextRunAt() != null) {
                job.put("nextRunAt", String.valueOf(state.nextRunAt()));
            }
            details.put(state.id(), job);
        }
        builder.status(status).withDetail("failing", failing).withDetail("late", lateJobs).withDetail("jobs", details);
    }

    /** DOWN before OUT_OF_SERVICE before UP before UNKNOWN, as Spring Boot's default order. */
    private static Status worse(Status a, Status b) {
        return rank(b) < rank(a) ? b : a;
    }

    private static int rank(Status s) {
        if (Status.DOWN.equals(s)) {
            return 0;
        }
        if (Status.OUT_OF_SERVICE.equals(s)) {
            return 1;
        }
        if (Status.UP.equals(s)) {
            return 2;
        }
        return 3;
    }
}
