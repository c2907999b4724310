package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.MappingChangePolicy;
import io.valmi.RunRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jooq.Query;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The at-least-once promise at the start of a run: whatever an earlier run left unfinished (it failed, its process
 * died, its connection and lock were lost while a write was on) and whatever changed under the job since (its key's
 * type, its hash, its mapped columns, its source) is settled before the run plans, so that the snapshot again records
 * what the destination may hold. Each step is one method, called in this order by {@link #recover}; see
 * {@code docs/internals.md#recover}.
 */
final class Recovery {
    private static final Logger log = Logs.SOURCE;

    private final Connection c;
    private final RunStatements sql;
    private final String jobId;
    private final BookkeepingSchema.State bookkeeping;

    private Recovery(Connection c, RunStatements sql, String jobId, BookkeepingSchema.State bookkeeping) {
        this.c = c;
        this.sql = sql;
        this.jobId = jobId;
        this.bookkeeping = bookkeeping;
    }

    /**
     * Settles the job's state before a run plans, in the caller's transaction, and records the job as it is now.
     *
     * @param c the connection, in a transaction
     * @param sql the run's statements
     * @param jobId the job
     * @param bookkeeping the bookkeeping schema
     * @param saved the job record as the last run left it, or {@code null} for a new job
     * @param current the job record as it is now
     * @param lease how long a write of an earlier run may still land (the write timeout)
     * @throws SQLException on failure
     */
    static void recover(Connection c, RunStatements sql, String jobId, BookkeepingSchema.State bookkeeping,
                        JobsTable.@Nullable JobRecord saved, JobsTable.JobRecord current, Duration lease,
                        MappingChangePolicy policy)
        throws SQLException {
        Recovery recovery = new Recovery(c, sql, jobId, bookkeeping);
        if (saved != null) {
            recovery.refuseAnotherKeyColumn(saved, current, policy);
            if (!saved.keyType().equals(current.keyType())) {
                // (A first sync that did not end left the snapshot without its key: keyed first, duplicates dropped,
                // under the lease when they may be of a batch whose write is still on.)
                JobsTable.FirstSyncState interrupted = JobsTable.firstSync(c, sql.shape().tables(), jobId);
                keySnapshotDroppingDuplicates(c, sql, interrupted == null ? null : lease,
                    interrupted != null && interrupted.physical());
            }
            recovery.convertKeysToANewKeyType(saved, current);
            recovery.resendEverythingAfterAHashChange(saved, current);
            boolean resent = recovery.followAMappingChange(saved, current, policy);
            resent |= recovery.followADestinationModeChange(saved, current, policy, resent);
            if (!resent && !recovery.continuesOverAMappingChange(saved, current, policy)) {
                recovery.forgetRowVersionsOfAnotherScope(saved, current);
            }
        }
        JobsTable.saveJob(c, sql.shape().tables(), jobId, current);
        JobsTable.FirstSyncState firstSync = JobsTable.firstSync(c, sql.shape().tables(), jobId);
        if (firstSync != null) {
            recovery.completeAnInterruptedFirstSync(firstSync, lease);
        } else {
            recovery.restoreTheSnapshotKey();
        }
        recovery.putKeysLeftInDoubtInDoubt(lease);
    }

    /**
     * Whether a run starts the job over because its key column changed: {@link MappingChangePolicy#RESEND_ALL}, outside
     * MIRROR mode (where keys of the old column at the destination could never be removed). Logged at WARN.
     *
     * @param saved the job record as the last run left it
     * @param keyColumn the key column now
     * @param request the run's request
     * @return whether to start over (forget the snapshot: every row is sent as ADDED)
     */
    static boolean startsOverForANewKeyColumn(JobsTable.JobRecord saved, String keyColumn, RunRequest request) {
        if (saved.keyColumn().equals(keyColumn) || request.onMappingChange() != MappingChangePolicy.RESEND_ALL
            || request.mapping().destinationMode() == DestinationMode.MIRROR || request.deliver().isEmpty()) {
            return false;
        }
        log.warn("Sync job '{}' was keyed by column \"{}\", now by \"{}\": it starts over (MappingChangePolicy."
                + "RESEND_ALL), every row is sent as ADDED; records the destination holds under keys of the old column"
                + " are not removed", request.jobId(), saved.keyColumn(), keyColumn);
        return true;
    }

    /** A key in another column is another identity: the snapshot's keys say nothing of it. */
    private void refuseAnotherKeyColumn(JobsTable.JobRecord saved, JobsTable.JobRecord current,
                                        MappingChangePolicy policy) {
        if (!saved.keyColumn().equals(current.keyColumn())) {
            throw new ConfigurationException("Sync job '" + jobId + "' was keyed by column \"" + saved.keyColumn()
                + "\", now by \"" + current.keyColumn() + "\": its snapshot holds other keys than the destination"
                + " would be sent" + (policy == MappingChangePolicy.RESEND_ALL
                ? ", and in MIRROR mode the records under the old keys could never be removed"
                : policy == MappingChangePolicy.CONTINUE ? ", so it cannot continue (MappingChangePolicy.CONTINUE)"
                : " (MappingChangePolicy.FAIL)")
                + ". Map the key back, or start over: call PostgresSource.resetJob(\"" + jobId + "\")"
                + " (the next run sends every row as ADDED; keys the destination holds that the source no longer has"
                + " are not removed, so in MIRROR mode empty the destination first), or use a new job id and"
                + " destination" + (policy == MappingChangePolicy.RESEND_ALL ? ""
                : "; outside MIRROR mode, SyncJob.Builder.onMappingChange(MappingChangePolicy.RESEND_ALL) starts over"
                + " by itself"));
        }
    }

    /**
     * Keys whose text stays the same (int to bigint, varchar to text, another collation) just work: the snapshot's
     * keys are read again as the new type (a key that cannot be fails the run with what to do).
     */
    private void convertKeysToANewKeyType(JobsTable.JobRecord saved, JobsTable.JobRecord current)
        throws SQLException {
        if (!saved.keyType().equals(current.keyType())) {
            long keys = SnapshotTable.convertKeys(c, sql.shape().tables(), sql.snapshot().keyOnly(), bookkeeping,
                jobId, saved.keyType(), current.keyType());
            log.info("Sync job '{}': its key column \"{}\" changed from {} to {}; the snapshot's {} keys were"
                + " converted", jobId, current.keyColumn(), saved.keyType(), current.keyType(), keys);
        }
    }

    /** Hashes of another algorithm or server version are not comparable: every row is sent again as CHANGED. */
    private void resendEverythingAfterAHashChange(JobsTable.JobRecord saved, JobsTable.JobRecord current)
        throws SQLException {
        if (!saved.hashAlgorithm().equals(current.hashAlgorithm()) || saved.serverMajor() != current.serverMajor()) {
            log.warn("Sync job '{}': its snapshot was hashed with {} on PostgreSQL {}, now {} on PostgreSQL {}; hashes"
                    + " are not comparable, so every row is sent again as CHANGED (removals are still detected)", jobId,
                saved.hashAlgorithm(), saved.serverMajor(), current.hashAlgorithm(), current.serverMajor());
            Sql.execute(c, sql.snapshot().markAllInDoubt());
        }
    }

    /**
     * A change of the mapped columns (or their types, or their destination fields), by the job's policy:
     * {@link MappingChangePolicy#RESEND_ALL} sends every row again (hashes by value do not see every such change: a
     * timestamp column that became timestamptz keeps its values but is sent as an instant, and a hash over other
     * columns means nothing anyway); {@link MappingChangePolicy#CONTINUE} goes on
     * ({@link #continuesOverAMappingChange}); {@link MappingChangePolicy#FAIL} refuses.
     *
     * @return whether every row is sent again
     */
    private boolean followAMappingChange(JobsTable.JobRecord saved, JobsTable.JobRecord current,
                                         MappingChangePolicy policy) throws SQLException {
        if (saved.mappedColumns() == null || saved.mappedColumns().equals(current.mappedColumns())) {
            return false;
        }
        if (policy == MappingChangePolicy.FAIL) {
            throw new ConfigurationException("Sync job '" + jobId + "': its mapped columns or their types changed since"
                + " its last run (" + saved.mappedColumns() + ", now " + current.mappedColumns() + "), and its"
                + " MappingChangePolicy is FAIL: nothing was sent. Decide: SyncJob.Builder.onMappingChange(RESEND_ALL)"
                + " sends every row again; CONTINUE sends only the rows that change from now on (and those changed"
                + " since the last run); or map the columns as before");
        }
        if (policy == MappingChangePolicy.CONTINUE) {
            log.info("Sync job '{}': its mapped columns or their types changed ({} to {}); it continues"
                + " (MappingChangePolicy.CONTINUE): rows that did not change since the last run are not sent again",
                jobId, saved.mappedColumns(), current.mappedColumns());
            return false;
        }
        log.info("Sync job '{}': its mapped columns or their types changed ({} to {}); every row is sent again", jobId,
            saved.mappedColumns(), current.mappedColumns());
        Sql.execute(c, sql.snapshot().markAllInDoubt());
        return true;
    }

    /**
     * A change of the destination mode, by the job's policy. The snapshot stays right whatever the mode (a change a
     * mode does not send never advances it), so {@link MappingChangePolicy#CONTINUE} needs nothing;
     * {@link MappingChangePolicy#RESEND_ALL} sends every row again; {@link MappingChangePolicy#FAIL} refuses. A job
     * recorded before the mode was (bookkeeping version 4) has no mode to compare.
     *
     * @param resent whether every row is sent again already
     * @return whether every row is sent again because of it
     */
    private boolean followADestinationModeChange(JobsTable.JobRecord saved, JobsTable.JobRecord current,
                                                 MappingChangePolicy policy, boolean resent) throws SQLException {
        String before = saved.destinationMode();
        if (before == null || before.equals(current.destinationMode())) {
            return false;
        }
        if (policy == MappingChangePolicy.FAIL) {
            throw new ConfigurationException("Sync job '" + jobId + "': its destination mode changed from " + before
                + " to " + current.destinationMode() + " since its last run, and its MappingChangePolicy is FAIL:"
                + " nothing was sent. Decide: SyncJob.Builder.onMappingChange(CONTINUE) sends what the new mode sends of"
                + " the rows that changed, and whatever the old mode did not send (e.g. removals, when MIRROR is new);"
                + " RESEND_ALL sends every row again");
        }
        if (policy == MappingChangePolicy.CONTINUE || resent) {
            log.info("Sync job '{}': its destination mode changed from {} to {}", jobId, before,
                current.destinationMode());
            return false;
        }
        log.info("Sync job '{}': its destination mode changed from {} to {}; every row is sent again", jobId, before,
            current.destinationMode());
        Sql.execute(c, sql.snapshot().markAllInDoubt());
        return true;
    }

    /**
     * Whether the job continues over a change of its mapped columns ({@link MappingChangePolicy#CONTINUE}) on the same
     * relation: its row versions are kept, so a row whose version did not change keeps its recorded hash and is not
     * sent; a row that changed is hashed anew, differs, and is sent. Without row versions (a view) every row is hashed
     * and sent.
     */
    private boolean continuesOverAMappingChange(JobsTable.JobRecord saved, JobsTable.JobRecord current,
                                                MappingChangePolicy policy) {
        return policy == MappingChangePolicy.CONTINUE && saved.mappedColumns() != null
            && !saved.mappedColumns().equals(current.mappedColumns())
            && Objects.equals(relationOf(saved.versionScope()), relationOf(current.versionScope()))
            && current.versionScope() != null;
    }

    /**
     * The relation part of a version scope (kind, name, oid, children): which rows the versions are of. (A column
     * added with a default keeps the rows' versions: under CONTINUE its value reaches the destination when a row
     * changes, as any new field's does.)
     */
    private static @Nullable String relationOf(@Nullable String scope) {
        if (scope == null) {
            return null;
        }
        int columns = scope.indexOf(";columns=");
        return columns < 0 ? scope : scope.substring(0, columns);
    }

    /** The recorded row versions vouch for hashes over other columns, types or another relation: forget them. */
    private void forgetRowVersionsOfAnotherScope(JobsTable.JobRecord saved, JobsTable.JobRecord current)
        throws SQLException {
        if (!Objects.equals(saved.versionScope(), current.versionScope())
            && Sql.execute(c, sql.snapshot().forgetVersions()) > 0) {
            log.info("Sync job '{}': its source or mapping changed since the last run; every row is hashed and"
                + " compared again", jobId);
        }
    }

    /**
     * A first sync that ended without its {@code finish} (the process died, or its connection): what it handed out
     * without an acknowledgement is put in doubt, under a lease (a write of it may still land), and the snapshot gets
     * its key back.
     */
    private void completeAnInterruptedFirstSync(JobsTable.FirstSyncState firstSync, Duration lease)
        throws SQLException {
        log.info("Sync job '{}': its first sync (run {}) did not finish; the rows it handed out without an"
            + " acknowledgement are offered again", jobId, firstSync.runId());
        // The fence: a run that lost its lock may still be writing snapshot rows of batches it read ahead. Each such
        // write holds the job record FOR KEY SHARE and checks that the record names its first sync. This transaction
        // locked the record FOR UPDATE first (JobsTable.jobLocked): such a write has committed, and its rows are here,
        // or it will find that the record no longer names its first sync.
        // (A key read twice, by a batch that may still be written among them: under the lease. In physical order that
        // is any row that moved ahead of the reading.)
        keySnapshotDroppingDuplicates(c, sql, lease, firstSync.physical());
        if (firstSync.physical()) {
            Sql.execute(c, sql.snapshot().dropLookupIndex());
            putUnsettledRowsInDoubt(firstSync, lease);
        } else {
            // (Batches it settled above its acknowledged key, while one before them was out, stay as they are.)
            Sql.execute(c, sql.firstSync().firstSyncInDoubt(firstSync.ackedKeyText(), null, lease,
                firstSync.settledAhead()));
        }
        endFirstSync(c, sql, jobId, firstSync);
    }

    /**
     * An interrupted first sync in physical order: its rows are in doubt unless their source rows lie, unchanged, in
     * the ranges of row addresses its settled batches read. When the table was rewritten since (its file node changed,
     * and rows moved with their versions), or the source is no longer that table, every row is in doubt.
     */
    private void putUnsettledRowsInDoubt(JobsTable.FirstSyncState firstSync, Duration lease) throws SQLException {
        List<String> tids = firstSync.tids();
        boolean sameTable = !sql.shape().source().isQuery() && Sql.fetch(c, sql.firstSync().tableFacts(),
            rs -> rs.getString(1)).contains(tids.get(1));
        if (!sameTable) {
            log.info("Sync job '{}': its table was rewritten (or replaced) since its interrupted first sync: every row"
                + " of that first sync is offered again", jobId);
            Sql.execute(c, sql.firstSync().firstSyncInDoubt(null, null, lease));
            return;
        }
        String acked = tids.size() > 2 && !tids.get(2).isEmpty() ? tids.get(2) : null;
        Sql.execute(c, sql.firstSync().firstSyncInDoubtUnlessSettled(acked,
            tids.size() > 3 ? tids.subList(3, tids.size()) : List.of(), lease));
    }

    /** A snapshot left without its key (a job reset while a first sync was interrupted) gets it back. */
    private void restoreTheSnapshotKey() throws SQLException {
        keySnapshotDroppingDuplicates(c, sql, null, false);
    }

    /**
     * Gives a snapshot without its primary key the key, after putting every key held twice in doubt and deleting all
     * but one row of each: a first sync in physical order reads a row that moved ahead of its reading twice, and one
     * in key order that lost its lock may have left duplicates.
     *
     * @param lease the lease of keys held twice, or {@code null} (their other rows settle theirs)
     * @param physical whether they come from a first sync in physical order, where they are expected
     */
    private static void keySnapshotDroppingDuplicates(Connection c, RunStatements sql, @Nullable Duration lease,
                                                      boolean physical) throws SQLException {
        if (snapshotKeyed(c, sql)) {
            return;
        }
        // Duplicates are rare (a row that moved during a first sync in physical order, a run in key order that lost its
        // lock): the key is tried first, in a savepoint, instead of a self-join of the whole snapshot every time.
        Savepoint before = c.setSavepoint();
        try {
            Sql.execute(c, sql.snapshot().addSnapshotKey());
            c.releaseSavepoint(before);
            return;
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {
                throw e;
            }
            c.rollback(before);
        }
        if (physical) {
            log.info("The snapshot {} holds a key twice (a row that moved while the first sync read the table): such"
                + " keys are put in doubt, and sent again by the next run", sql.shape().tables().snapshotName());
        } else {
            log.warn("The snapshot {} holds a key twice (rows of a first sync that lost its lock): such keys are put"
                + " in doubt and all but one row of each is deleted", sql.shape().tables().snapshotName());
        }
        Sql.execute(c, sql.snapshot().duplicatedKeysInDoubt(lease));
        Sql.execute(c, sql.snapshot().dropDuplicateSnapshotKeys());
        Sql.execute(c, sql.snapshot().addSnapshotKey());
    }

    /** Gives a snapshot without its primary key the key (a first sync that ends itself wrote no key twice). */
    private static void keySnapshot(Connection c, RunStatements sql) throws SQLException {
        if (!snapshotKeyed(c, sql)) {
            Sql.execute(c, sql.snapshot().addSnapshotKey());
        }
    }

    private static boolean snapshotKeyed(Connection c, RunStatements sql) throws SQLException {
        return Sql.fetch(c, sql.snapshot().snapshotKeyed(), rs -> rs.getBoolean(1)).get(0);
    }

    /**
     * Keys of a batch that a failed or killed run handed out without an acknowledgement: put in doubt in the snapshot,
     * under a lease, since that run may have lost its connection, and with it its lock, while a write was on.
     */
    private void putKeysLeftInDoubtInDoubt(Duration lease) throws SQLException {
        if (Sql.execute(c, sql.marks().foldLeftInDoubt(jobId, lease)) > 0) {
            log.info("Sync job '{}': the keys of batches not acknowledged by an earlier run are now in doubt and are"
                + " offered again", jobId);
        }
        for (Query q : sql.marks().clearLeftInDoubt(jobId)) {
            Sql.execute(c, q);
        }
    }

    /**
     * Ends a first sync from its own {@code finish}, in the caller's transaction: snapshot rows of batches handed out
     * and not answered are put in doubt under a lease (their writes were abandoned and may still land), rows of
     * batches read ahead but never handed out are deleted (the destination never saw them), rows of rejected keys
     * are deleted, and the job record forgets the first sync. Batches acknowledged or put in doubt need nothing.
     *
     * @param c the connection, in a transaction
     * @param sql the run's statements
     * @param jobId the job
     * @param firstSync the first sync's run and last acknowledged key
     * @param unanswered the batches handed out and neither acknowledged nor put in doubt, in key order
     * @param handedOutTo the last key handed out, or {@code null} when no batch was
     * @param lease how long an abandoned write may still land
     * @throws SQLException on failure
     */
    static void finishFirstSync(Connection c, RunStatements sql, String jobId, JobsTable.FirstSyncState firstSync,
                                List<BatchesOut.Batch> unanswered, @Nullable String handedOutTo, Duration lease)
        throws SQLException {
        keySnapshot(c, sql);
        // (With the key built, the range is found by it rather than by reading the whole snapshot.)
        if (handedOutTo == null) {
            Sql.execute(c, sql.firstSync().firstSyncForgetAbove(null));
        } else {
            for (BatchesOut.Batch b : unanswered) {
                Sql.execute(c, sql.firstSync().firstSyncInDoubt(b.from, b.to, lease));
            }
            Sql.execute(c, sql.firstSync().firstSyncForgetAbove(handedOutTo));
        }
        endFirstSync(c, sql, jobId, firstSync);
    }

    /**
     * Ends a first sync in physical order from its own {@code finish}, in the caller's transaction: the snapshot gets
     * its key (a row that moved during the run may have been read twice: such keys are put in doubt, one row kept),
     * rows of batches handed out and not answered are put in doubt under a lease, rows of batches read ahead and never
     * handed out are deleted, and so are rows of rejected keys; the job record forgets the first sync.
     *
     * @param c the connection, in a transaction
     * @param sql the run's statements
     * @param jobId the job
     * @param firstSync the first sync's state
     * @param unanswered the batches handed out and neither acknowledged nor put in doubt
     * @param notHandedOut the keys of the batches read and never handed out
     * @param lease how long an abandoned write may still land
     * @throws SQLException on failure
     */
    static void finishPhysicalFirstSync(Connection c, RunStatements sql, String jobId,
                                        JobsTable.FirstSyncState firstSync, List<BatchesOut.Batch> unanswered,
                                        List<String> notHandedOut, Duration lease) throws SQLException {
        keySnapshotDroppingDuplicates(c, sql, null, true);
        Sql.execute(c, sql.snapshot().dropLookupIndex());
        for (BatchesOut.Batch b : unanswered) {
            Sql.execute(c, sql.firstSync().firstSyncKeysInDoubt(Objects.requireNonNull(b.keyTexts()), lease));
        }
        if (!notHandedOut.isEmpty()) {
            // (Not a key in doubt: read twice, its other row handed out, or of a batch not answered.)
            Sql.execute(c, sql.firstSync().firstSyncForgetKeys(notHandedOut));
        }
        endFirstSync(c, sql, jobId, firstSync);
    }

    private static void endFirstSync(Connection c, RunStatements sql, String jobId,
                                     JobsTable.FirstSyncState firstSync) throws SQLException {
        Sql.execute(c, sql.firstSync().firstSyncForgetRejected(firstSync.runId()));
        Sql.execute(c, sql.firstSync().firstSyncEnded(jobId));
    }
}
