package io.valmi;

import java.util.List;
import java.util.Set;

/**
 * Where a sync sends its changes. Implement {@link #write(List)}; the library does the rest.
 *
 * <p>What the library guarantees to a destination:
 * <ul>
 *   <li>{@link #open(SyncContext)} once at the start of every run, {@link #close()} once at its end (also
 *       when the run fails or is cancelled); {@code write} is called between them, on the runner's writer threads
 *       (not the thread that called {@link SyncRunner#run}), one call at a time unless
 *       {@link DestinationCapabilities#maxConcurrency()} allows more: then up to that many calls run at once, each on
 *       its own thread, and {@code write} must be thread-safe. Each call happens-after {@code open} and
 *       happens-before {@code close}.</li>
 *   <li>With several batches out at once (a job's {@link SyncOptions#concurrency()} above 1), every guarantee below
 *       holds per batch: batches may be answered in any order, and a key is in at most one batch of a run.</li>
 *   <li>Batches arrive in the source's key order (for PostgreSQL: the key type's default ordering and
 *       collation, not necessarily Java's {@code compareTo}), each at most {@code min(job batch size,
 *       capabilities().maxBatchSize())} changes, and never two changes of the same key in one batch.</li>
 *   <li>Only kinds of change that the {@link DestinationMode} sends.</li>
 *   <li>At-least-once: a change may arrive again (after a crash, or when {@code write} threw). Write by key,
 *       so that a repeat is harmless.</li>
 * </ul>
 *
 * <p>What the destination answers:
 * <ul>
 *   <li>{@link WriteResult#ok()}: every change of the batch is applied. The library records them as delivered
 *       and will not send them again until the row changes.</li>
 *   <li>{@link WriteResult#rejected(List)}: the listed changes were not applied (bad data, a record that does
 *       not exist in {@code UPDATE} mode, …). They are reported with their reason and offered again on the
 *       next run; the rest of the batch counts as delivered. A rejection names its change by key value: the
 *       change's own key, or another type holding the same value, as parsing a remote answer gives it (for a
 *       number key any number or numeric text of that value, {@code 2L} or {@code "2"} for an {@code int} 2;
 *       for a {@code UUID} key its text; a text key exactly). A rejection naming a key that is not in the batch
 *       fails the batch as if {@code write} had thrown, without a retry: its keys are in doubt and sent again
 *       on the next run.</li>
 *   <li>Throwing: the whole batch failed, and the batch's keys are treated as <em>in doubt</em> (the destination may
 *       have applied part of it). The job's {@link RetryPolicy} decides whether it is written again (say what the
 *       failure is with a {@link DestinationException}: retriable or not, when to come back); a
 *       {@link ThrottledException} pauses writing without using up an attempt. A batch that fails for good is split
 *       into halves, down to single changes ({@link SyncOptions#isolateFailures()}), so that the changes the
 *       destination takes are delivered and each change it still fails on alone becomes a rejection carrying the
 *       error; when the parts fail alike (the destination fails, not a row) the run fails and the batch's keys are
 *       sent again on the next run. Do not retry inside {@code write}: that is the runner's job.</li>
 *   <li>Taking too long: a call still running after the job's {@link SyncOptions#writeTimeout()} is interrupted and
 *       counts as a failed attempt; one that does not return within a second of its interrupt is abandoned (the run
 *       fails, and its batch stays in doubt). Give remote calls their own timeouts below the write timeout.</li>
 * </ul>
 */
public interface Destination extends AutoCloseable {

    /**
     * What this destination can do. The runner checks the job's destination mode against it before any row
     * moves. The default supports {@code UPSERT}, {@code UPDATE} and {@code INSERT} but not {@code MIRROR}:
     * a destination that handles {@link ChangeKind#REMOVED} declares it.
     *
     * @return the capabilities
     */
    default DestinationCapabilities capabilities() {
        return DestinationCapabilities.DEFAULT;
    }

    /**
     * Called once at the start of each run, before the first batch.
     *
     * @param context the job, the run and the mapping
     * @throws Exception when the destination cannot be reached; the run fails before any row moves
     */
    default void open(SyncContext context) throws Exception {
    }

    /**
     * Applies one batch of changes.
     *
     * @param batch the changes, in key order, one per key; never empty
     * @return {@link WriteResult#ok()} or the changes rejected with their reasons
     * @throws Exception when the whole batch failed; see the class documentation
     */
    WriteResult write(List<Change> batch) throws Exception;

    /**
     * The credentials this destination holds (a token, a password, an API key): strings that must never appear in
     * what the library repeats. In the run's error ({@link SyncResult#error()}, its causes and suppressed exceptions,
     * and so the bookkeeping tables), in rejection reasons, in what {@link SyncListener}s receive and in the runner's
     * log lines, every occurrence of each is replaced with {@code ****}; a server that echoes a token in an error
     * response, or an exception whose message quotes it, does not leak it. An exception holding a secret is replaced
     * by a copy: same stack trace, same retriability, for a {@link DestinationException} or {@link SourceException}
     * the same type, otherwise a {@link ValmiException} whose message starts with the original type's name; its
     * causes and suppressed exceptions are copied the same way.
     *
     * <p>Asked before {@link #open(SyncContext)} and again after it (a destination may obtain a secret there). The
     * match is exact and case-sensitive: what a destination logs or shortens itself (a response body cut to 200
     * characters) it redacts itself, before shortening, since a cut secret no longer matches. Return only strings
     * long enough not to garble messages ({@code "2"} would mask every digit 2).
     *
     * @return the secrets; empty by default, empty strings are ignored
     */
    default Set<String> secrets() {
        return Set.of();
    }

    /** Called once at the end of each run that called {@link #open(SyncContext)}. */
    @Override
    default void close() throws Exception {
    }
}
