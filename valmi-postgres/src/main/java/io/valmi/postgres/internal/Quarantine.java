package io.valmi.postgres.internal;

import io.valmi.Plan;
import io.valmi.RunRequest;
import io.valmi.SourceMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Query;
import org.jooq.Record2;
import org.jooq.Select;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The rejection streaks of a plan-table run, and the quarantine they lead to
 * ({@link io.valmi.SyncOptions#quarantineAfter()}): before the plan, how many keys have a streak and how many reached
 * the threshold; the plan leaves out those whose values are the rejected ones; after it, streaks that ended are
 * forgotten and the quarantined keys reported; each acknowledgement lengthens or ends the streaks of its batch. The
 * streaks live in the issues table ({@link IssuesTable#REASON_REJECTED}). See {@code docs/internals.md#quarantine}.
 */
final class Quarantine {
    private static final Logger log = Logs.SOURCE;
    /** How many quarantined keys the run's warning names. */
    private static final int SAMPLES = 3;

    private final RunStatements sql;
    private final RunRequest request;
    /** Keys with a rejection streak before this run (their rows of earlier runs). */
    private long streaks;
    /** Of those, keys whose streak reached the threshold. */
    private long candidates;
    private List<String> samples = List.of();

    Quarantine(RunStatements sql, RunRequest request) {
        this.sql = sql;
        this.request = request;
    }

    /**
     * Counts the streaks, before the plan is made (in its transaction).
     *
     * @param c the connection, in the plan's transaction
     * @throws SQLException on failure
     */
    void look(Connection c) throws SQLException {
        Streaks counted = Sql.fetch(c, sql.issues().countStreaks(request.quarantineAfter()),
            rs -> new Streaks(rs.getLong(1), rs.getLong(2))).get(0);
        streaks = counted.keys();
        candidates = counted.reachedThreshold();
    }

    /** How many keys have a rejection streak, and how many of them reached the threshold. */
    private record Streaks(long keys, long reachedThreshold) {
    }

    /**
     * The keys the plan leaves out while their values hash as rejected, or {@code null} when no streak reached the
     * threshold (the plan statement is then the one without quarantine).
     *
     * @return the query of (key text, hash), or {@code null}
     */
    @Nullable Select<? extends Record2<String, Long>> candidates() {
        return candidates > 0 ? sql.issues().quarantineCandidates(request.quarantineAfter()) : null;
    }

    /**
     * After the plan: forgets the streaks of keys whose rows are gone or back to what the destination holds, and reads
     * samples of the quarantined keys for the warning.
     *
     * @param c the connection, in the plan's transaction
     * @throws SQLException on failure
     */
    void afterPlan(Connection c) throws SQLException {
        if (streaks > 0) {
            // A key keeps its streak while its row is offered, held (duplicated) or quarantined.
            List<String> kept = new ArrayList<>(List.of(JobTables.ADDED, JobTables.CHANGED, JobTables.DUPLICATE_KEY,
                JobTables.QUARANTINED));
            if (request.mapping().sourceMode() == SourceMode.FULL_TABLE) {
                kept.add(JobTables.UNCHANGED);
                kept.add(JobTables.TOUCHED);
            }
            Sql.execute(c, sql.issues().forgetSettledStreaks(kept));
        }
        if (candidates > 0) {
            samples = Sql.fetch(c, IssuesTable.quarantinedKeys(sql.shape().tables(), SAMPLES),
                rs -> rs.getString(1) + " (" + rs.getInt(3) + " runs: " + rs.getString(2) + ")");
        }
    }

    /**
     * Says once per run, at WARN, how many rows are quarantined and how to release them (a dry run says nothing).
     *
     * @param plan the plan
     */
    void report(Plan plan) {
        if (plan.quarantined() == 0 || request.deliver().isEmpty()) {
            return;
        }
        boolean one = plan.quarantined() == 1;
        log.warn("Sync job '{}': {} {} quarantined and not sent: the destination rejected {}, with the values {} now,"
                + " on at least {} consecutive runs (SyncOptions.quarantineAfter); {} {}. A row is sent again when its"
                + " mapped values change; to send {} on the next run, call PostgresSource.retryQuarantined(\"{}\")"
                + " (PostgresSource.quarantinedKeys lists them)", jobId(), plan.quarantined(),
            one ? "row is" : "rows are", one ? "it" : "each of them", one ? "it has" : "they have",
            request.quarantineAfter(), one ? "key" : "e.g. keys", String.join(", ", samples),
            one ? "it" : "them all", jobId());
    }

    /**
     * The statements that record a batch's answer in the streaks ({@link IssuesTable#recordAnswer}).
     *
     * @param kinds the plan kinds the run hands out
     * @param from the last key of the previous batch, or {@code null}
     * @param to the last key of the batch
     * @param rejected the batch's rejections
     * @return the statements (none when there is nothing to record)
     */
    List<Query> recordAnswer(List<String> kinds, @Nullable String from, String to, PgRun.Rejected rejected) {
        if (!rejected.any() && streaks == 0) {
            return List.of();
        }
        return sql.issues().recordAnswer(request.runId(), sql.plan().answeredRows(kinds, from, to), rejected,
            streaks > 0);
    }

    private String jobId() {
        return request.jobId();
    }
}
