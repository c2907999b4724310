package io.valmi.postgres;

import io.valmi.InvalidRow;
import io.valmi.postgres.internal.Postgres;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What the bookkeeping schema knows of one job's runs, read on demand ({@link PostgresSource#history(String)}): its
 * runs newest first, a page at a time; its state; its current invalid rows, rejected and quarantined keys; and, for a
 * job that keeps one ({@link io.valmi.SyncOptions#syncLog()}), what each run sent of a key. Every method reads the
 * database anew, on a connection of the source's data source; none takes the job's lock, so they can be called while
 * a run is on (they see what its committed transactions recorded).
 *
 * <pre>{@code
 * JobHistory history = source.history("customers-to-crm");
 * for (RunRecord run : history.runs(20)) {
 *     System.out.println(run.finishedAt() + " " + run.status() + " " + run.counts().delivered() + " in "
 *         + run.duration());
 * }
 * List<SyncLogEntry> key42 = history.log("42", 10);   // when was key 42 last sent, and what happened
 * }</pre>
 *
 * <p>Runs and sync log rows are kept for {@link PostgresSource.Builder#historyRetention} (30 days by default) and
 * deleted by the runs of the job after that.
 */
public final class JobHistory {
    private final DataSource dataSource;
    private final String description;
    private final String bookkeepingSchema;
    private final String jobId;

    JobHistory(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        this.dataSource = dataSource;
        this.description = description;
        this.bookkeepingSchema = bookkeepingSchema;
        this.jobId = jobId;
    }

    /**
     * The job.
     *
     * @return its id
     */
    public String jobId() {
        return jobId;
    }

    /**
     * The job's newest runs, newest first (by their end).
     *
     * @param limit how many at most
     * @return the runs; see {@link RunRecord} for which runs are recorded
     */
    public List<RunRecord> runs(int limit) {
        return Postgres.runs(dataSource, description, bookkeepingSchema, jobId, checkLimit(limit), null);
    }

    /**
     * The next page of the job's runs: those that ended before the run a page ended with, newest first. Paging by run
     * id, not by position, so that a run recorded between two pages neither repeats nor skips a row.
     *
     * @param limit how many at most
     * @param afterRunId the id of the last run of the previous page
     * @return the runs; empty when there are no older ones
     * @throws io.valmi.ConfigurationException when the history has no run of that id for the job (a wrong id, or the
     *     run was pruned since the previous page was read)
     */
    public List<RunRecord> runs(int limit, String afterRunId) {
        Objects.requireNonNull(afterRunId, "afterRunId");
        return Postgres.runs(dataSource, description, bookkeepingSchema, jobId, checkLimit(limit), afterRunId);
    }

    /**
     * The job's state now: last run and last success, the rows its snapshot knows (it counts them: about a second for
     * ten million rows), whether a first sync is in progress, and how many invalid rows, rejected and quarantined keys
     * it has.
     *
     * @return the state
     */
    public JobState state() {
        return Postgres.jobState(dataSource, description, bookkeepingSchema, jobId);
    }

    /**
     * The rows the job's last plan found invalid (a NULL or duplicated key: never sent), by reason, then key.
     *
     * @param limit how many at most
     * @return the rows, with their values as text ({@link InvalidRow#detail()})
     */
    public List<InvalidRow> invalidRows(int limit) {
        return Postgres.invalidRows(dataSource, description, bookkeepingSchema, jobId, checkLimit(limit));
    }

    /**
     * The keys whose change the destination rejected and has not taken since, with its last reason, in the order of
     * their text. The next run sends them again (unless they are quarantined).
     *
     * @param limit how many at most
     * @return the keys
     */
    public List<RejectedKey> rejectedKeys(int limit) {
        return Postgres.rejectedKeys(dataSource, description, bookkeepingSchema, jobId, checkLimit(limit));
    }

    /**
     * The keys the job's last run left out as quarantined, as {@link PostgresSource#quarantinedKeys(String, int)}.
     *
     * @param limit how many at most
     * @return the keys
     */
    public List<QuarantinedKey> quarantinedKeys(int limit) {
        return Postgres.historyQuarantinedKeys(dataSource, description, bookkeepingSchema, jobId, checkLimit(limit));
    }

    /**
     * What the job's runs sent of one key, and what the destination answered, newest first: its sync log
     * ({@link io.valmi.SyncOptions#syncLog()}). Empty for a key no logged run sent (or only runs older than the
     * retention), and for a job that keeps no log.
     *
     * @param key the key's text form, as PostgreSQL prints it (e.g. {@code "42"}; as {@link RejectedKey#key()} and
     *     {@link QuarantinedKey#key()} show it)
     * @param limit how many at most
     * @return the entries
     */
    public List<SyncLogEntry> log(String key, int limit) {
        Objects.requireNonNull(key, "key");
        return Postgres.syncLog(dataSource, description, bookkeepingSchema, jobId, key, checkLimit(limit));
    }

    private static int checkLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        return limit;
    }

    @Override
    public String toString() {
        return "JobHistory[" + jobId + ", " + description + ", bookkeeping=" + bookkeepingSchema + "]";
    }
}
