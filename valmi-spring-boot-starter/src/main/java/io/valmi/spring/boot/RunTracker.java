package io.valmi.spring.boot;

import io.valmi.RunStatus;
import io.valmi.SyncContext;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What this process saw of each job's runs, whoever started them (a scheduler, a trigger, the application's own
 * call of the runner): the listener the auto-configuration adds to the runner.
 */
final class RunTracker implements SyncListener {
    private final Map<String, SyncResult> last = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastSucceeded = new ConcurrentHashMap<>();
    /** Runs under way in this process: run id to job id. */
    private final Map<String, String> running = new ConcurrentHashMap<>();

    @Override
    public void runStarted(SyncContext context) {
        running.put(context.runId(), context.jobId());
    }

    @Override
    public void runFinished(SyncContext context, SyncResult result) {
        running.remove(context.runId());
        if (result.status() != RunStatus.SKIPPED) {
            // A run refused because the job runs elsewhere says nothing of the job's health.
            last.put(result.jobId(), result);
        }
        if (result.succeeded()) {
            lastSucceeded.put(result.jobId(), result.finishedAt());
        }
    }

    @Nullable SyncResult last(String jobId) {
        return last.get(jobId);
    }

    @Nullable Instant lastSucceeded(String jobId) {
        return lastSucceeded.get(jobId);
    }

    boolean running(String jobId) {
        return running.containsValue(jobId);
    }
}
