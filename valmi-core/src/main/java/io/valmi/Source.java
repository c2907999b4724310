package io.valmi;

import java.util.List;

/**
 * Where rows come from: the SPI that {@code valmi-postgres} implements for a PostgreSQL table or view.
 * Applications create sources (for example {@code PostgresSource}) and hand them to a {@link SyncJob};
 * they rarely call these methods themselves.
 *
 * <p>A source keeps the state of each job (what the destination has acknowledged) and plans every run
 * against it; see {@link SourceRun} for the protocol that makes a crash at any point lose nothing.
 */
public interface Source extends AutoCloseable {

    /**
     * A short description for logs and results, for example {@code postgres:public.customers}; never a
     * secret.
     *
     * @return the description
     */
    String description();

    /**
     * The columns of the source, in order.
     *
     * @return the columns
     * @throws SourceException when the source cannot be read
     */
    List<SourceColumn> columns();

    /**
     * Plans a run: compares the source with the job's state and returns the run, ready to hand out changes.
     * Implementations check here that the mapping fits the columns and that they have the permissions they
     * need, before touching anything.
     *
     * @param request the job, the run and what to deliver
     * @return the planned run; close it when done
     * @throws ConfigurationException when the mapping does not fit the source
     * @throws SourceException when planning failed
     */
    SourceRun startRun(RunRequest request);

    /**
     * Starts a job over: forgets what its destination holds, so that the next run sends every row as new. Call it
     * through {@link SyncRunner#reset(SyncJob)}. The default refuses: a source that keeps no job state has nothing
     * to reset.
     *
     * @param jobId the job
     * @return whether the source knew the job (a source that did not says so in its log)
     * @throws UnsupportedOperationException when the source keeps no job state
     */
    default boolean resetJob(String jobId) {
        throw new UnsupportedOperationException("Source " + description() + " keeps no job state to reset");
    }

    /**
     * Removes everything the source keeps for a job. Call it through {@link SyncRunner#drop(SyncJob)}. The default
     * refuses: a source that keeps no job state has nothing to drop.
     *
     * @param jobId the job
     * @return whether the source knew the job
     * @throws UnsupportedOperationException when the source keeps no job state
     */
    default boolean dropJob(String jobId) {
        throw new UnsupportedOperationException("Source " + description() + " keeps no job state to drop");
    }

    /** Releases what the source holds (connections it opened). */
    @Override
    default void close() {
    }
}
