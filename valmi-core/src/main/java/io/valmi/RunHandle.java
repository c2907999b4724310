package io.valmi;

import io.valmi.internal.RunControl;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A run started by {@link SyncRunner#start(SyncJob)}: its result when it ends, and a way to stop it.
 *
 * <pre>{@code
 * RunHandle handle = runner.start(job);
 * ...
 * handle.cancel(Duration.ofSeconds(10));   // e.g. on shutdown
 * SyncResult result = handle.join();        // CANCELLED, with what was acknowledged before
 * }</pre>
 */
public final class RunHandle {
    /** How long {@link #cancel()} waits for the writes under way. */
    public static final Duration DEFAULT_CANCEL_WAIT = Duration.ofSeconds(30);

    private final String jobId;
    private final RunControl control;
    private final CompletableFuture<SyncResult> result;

    RunHandle(String jobId, RunControl control, CompletableFuture<SyncResult> result) {
        this.jobId = jobId;
        this.control = control;
        this.result = result;
    }

    /**
     * The job's id.
     *
     * @return the id
     */
    public String jobId() {
        return jobId;
    }

    /**
     * The run's result, when it ends. It never completes exceptionally: a failed or cancelled run has a result too.
     *
     * @return the future result (completing it yourself changes nothing about the run)
     */
    public CompletableFuture<SyncResult> result() {
        return result.copy();
    }

    /**
     * Waits for the run to end.
     *
     * @return the result
     */
    public SyncResult join() {
        return result.join();
    }

    /**
     * Whether the run has ended.
     *
     * @return {@code true} when {@link #join()} returns at once
     */
    public boolean isDone() {
        return result.isDone();
    }

    /** Stops the run, waiting up to {@link #DEFAULT_CANCEL_WAIT} for the writes under way; see {@link #cancel(Duration)}. */
    public void cancel() {
        cancel(DEFAULT_CANCEL_WAIT);
    }

    /**
     * Asks the run to stop, and returns at once: no batch is handed out after this; the writes under way are waited
     * for up to {@code wait} (their batches are acknowledged as usual), then interrupted, and abandoned when they do
     * not stop. The run then records what was acknowledged, releases the job, and ends {@link RunStatus#CANCELLED};
     * the next run sends again exactly what was not acknowledged. A run still planning stops once the plan is made,
     * before anything is sent. Calling it again, or after the run ended, does nothing.
     *
     * @param wait how long to wait for the writes under way, zero to interrupt them at once
     */
    public void cancel(Duration wait) {
        control.cancel(Objects.requireNonNull(wait, "wait"));
    }
}
