package io.valmi;

/**
 * A run of the job could not start because another run of it is on: in this process, or in another one that holds
 * the job's lock. Retriable: the job is merely busy, and a scheduler treats such a run as skipped, not failed.
 */
public class JobBusyException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /** The job that is busy. */
    private final String jobId;
    /** Whether the run that is on belongs to this process. */
    private final boolean inThisProcess;

    /**
     * Creates the exception.
     *
     * @param jobId the job
     * @param inThisProcess whether the run that is on belongs to this process
     * @param message what is busy and what to do, naming the job
     */
    public JobBusyException(String jobId, boolean inThisProcess, String message) {
        super(message, null, true);
        this.jobId = jobId;
        this.inThisProcess = inThisProcess;
    }

    /**
     * The job that is busy.
     *
     * @return its id
     */
    public String jobId() {
        return jobId;
    }

    /**
     * Whether the run that is on belongs to this process (as opposed to another process that holds the job's lock).
     *
     * @return {@code true} for a run of this process
     */
    public boolean inThisProcess() {
        return inThisProcess;
    }
}
