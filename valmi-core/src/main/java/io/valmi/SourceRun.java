package io.valmi;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One planned run of a {@link Source}: hands out changes batch by batch and records what the destination
 * acknowledged. The runner calls it in this order:
 *
 * <pre>
 * plan()  (nextBatch(n) | beforeWrite(batch, attempt) | acknowledge(ack) | markInDoubt(batch))*  finish(result)  close()
 * </pre>
 *
 * <p><b>Several batches may be out at once.</b> With a job's {@link SyncOptions#concurrency()} above 1, the runner
 * calls {@link #nextBatch(int)} again before the earlier batches are answered (at most that many batches are out at
 * any time), and answers them in any order: each {@link #acknowledge(Acknowledgement)} or
 * {@link #markInDoubt(List)} names its batch by the list {@code nextBatch} returned (the same {@link Change} objects in
 * the same order; {@link Acknowledgement} copies the list). Calls never overlap (the runner makes them one at a time),
 * but they may come from different threads: {@code beforeWrite} comes from the thread about to write.
 *
 * <p>A batch may end neither acknowledged nor marked in doubt: its write was abandoned (it did not stop at its
 * timeout, or the run was cancelled) and may still land after the run has ended. Leave such a batch as a crash would
 * leave it: in doubt, and under the lease of {@link RunRequest#writeTimeout()}.
 *
 * <p>The rule under it all: <b>the source's state records what the destination holds.</b> To keep it when
 * the process dies at any point, implementations must:
 * <ul>
 *   <li>in {@link #nextBatch(int)}, durably mark every key of the batch as <em>in doubt</em> before returning
 *       it (the destination may apply the batch and the process die before the acknowledgement): the next run
 *       offers an in-doubt key again if its row exists and as {@link ChangeKind#REMOVED} if it is gone; a key
 *       stays in doubt until its own batch is acknowledged, whatever happens to the batches around it;</li>
 *   <li>in {@link #acknowledge(Acknowledgement)}, advance the state by exactly the delivered changes, and
 *       put rejected keys back to their state before the batch, so the next run offers them again; but a batch
 *       written more than once (its {@link #beforeWrite(List, int)} saw an attempt above 1: a retry, or the parts of
 *       a batch split to isolate the changes it fails on) may have had a rejected change applied by an earlier
 *       attempt that threw, so keep the rejected keys of such a batch in doubt instead;</li>
 *   <li>in {@link #markInDoubt(List)}, keep the batch's keys in doubt (its write threw);</li>
 *   <li>hand out changes in key order, with bounded memory, and only of the kinds the request delivers. A first sync
 *       (nothing delivered before) may instead hand out its batches in the order the source reads its rows (a
 *       PostgreSQL table read in physical order): a key then appears in one batch, or, when its row moved while the
 *       run read, in two, the later one last, and the source settles that key on a later run. Not in
 *       {@link DestinationMode#INSERT}, whose destination must never get a key twice.</li>
 * </ul>
 */
public interface SourceRun extends AutoCloseable {

    /**
     * The plan made when the run started: counts by kind and the invalid rows.
     *
     * @return the plan
     */
    Plan plan();

    /**
     * The key column and the mapped columns, with their types as the run planned them: the key column first, then one
     * per field of the mapping, in its order. Destinations learn them through {@link SyncContext#sourceColumns()}.
     * The default, an empty list, says nothing.
     *
     * @return the columns, or an empty list
     */
    default List<SourceColumn> columns() {
        return List.of();
    }

    /**
     * Which way this run goes about its work, for {@link SyncResult#path()}: asked once the run is planned. The
     * default, {@link RunPath#UNKNOWN}, says nothing.
     *
     * @return the path
     */
    default RunPath path() {
        return RunPath.UNKNOWN;
    }

    /**
     * The order in which this run hands out keys, as a comparator of {@link Change#key()} values, when Java can
     * reproduce it exactly; destinations learn it through {@link SyncContext#keyOrder()}. Give one only when it agrees
     * with the source's order for every key the run can hand out; the default, empty, says nothing.
     *
     * @return the key order, or empty
     */
    default Optional<Comparator<Object>> keyOrder() {
        return Optional.empty();
    }

    /**
     * The next batch of planned changes, in key order, marked in doubt.
     *
     * @param maxSize the largest batch to return, at least 1
     * @return up to {@code maxSize} changes; an empty list when every change was handed out
     * @throws SourceException when the changes cannot be read
     */
    List<Change> nextBatch(int maxSize);

    /**
     * Called right before each attempt to write a batch: a source whose run can lose its hold on the job without
     * knowing (a lock that lives as long as a database connection) checks that it still holds it, and throws when it
     * does not, so that no write starts after another run of the job may have started. The default does nothing.
     *
     * @param batch the batch as handed out
     * @param attempt the attempt about to start, from 1
     * @throws SourceException when the run no longer holds the job
     */
    default void beforeWrite(List<Change> batch, int attempt) {
    }

    /**
     * Records the outcome of a batch the destination answered: delivered changes advance the state, rejected
     * changes are recorded with their reason and left to be offered again.
     *
     * @param acknowledgement the batch as handed out and the rejections of the destination
     * @throws SourceException when the state cannot be recorded
     */
    void acknowledge(Acknowledgement acknowledgement);

    /**
     * Records that writing a batch failed: the destination may have applied all, some or none of it.
     *
     * @param batch the batch as handed out
     */
    void markInDoubt(List<Change> batch);

    /**
     * Records the end of the run (its result) in the source's run history.
     *
     * @param result the result of the run, succeeded or failed
     */
    void finish(SyncResult result);

    /** Releases what the run holds (locks, connections, scratch tables). Called once, also after failures. */
    @Override
    void close();
}
