package io.valmi.testing;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A destination for tests: it keeps every batch it received and the state (key to fields) that a destination in
 * the run's {@link DestinationMode} would hold, and it fails, rejects or dawdles when a test asks it to.
 *
 * <pre>{@code
 * RecordingDestination destination = new RecordingDestination()
 *     .failBatch(2, 1)                          // batch 2 throws once, then succeeds
 *     .rejectKey(42L, "no such customer")       // key 42 is rejected whenever it comes
 *     .slowWrites(Duration.ofMillis(50));
 * SyncResult result = runner.run(job);          // job uses destination
 * assertThat(destination.state()).containsOnlyKeys(1L, 2L, 3L);
 * }</pre>
 *
 * <p>How the state follows the mode of the run (taken from {@link SyncContext#destinationMode()} at
 * {@link #open(SyncContext)}, or set with {@link #mode(DestinationMode)}):
 * <ul>
 *   <li>{@code UPSERT}: {@code ADDED}, {@code CHANGED} and {@code UNCHANGED} create or replace the record.</li>
 *   <li>{@code UPDATE}: they replace an existing record; a key it does not hold is rejected (nothing is created).
 *       Use {@link #seed(Object, Row)} to give it records.</li>
 *   <li>{@code INSERT}: {@code ADDED} creates the record when the key is new; an existing record is left as
 *       it is, so a repeated delivery is harmless.</li>
 *   <li>{@code MIRROR}: like {@code UPSERT}, and {@code REMOVED} deletes the record.</li>
 * </ul>
 *
 * <p>It also checks what the library promises every destination: batches are never empty, never larger than
 * {@link DestinationCapabilities#maxBatchSize()}, never hold a key twice and only hold kinds of change the mode
 * sends. A broken promise is recorded in {@link #violations()} and fails the write with a non-retriable
 * {@link DestinationException}.
 *
 * <p>Thread-safe: a test may read the records while a run writes.
 */
public final class RecordingDestination implements Destination {

    /**
     * One call of {@link #write(List)}.
     *
     * @param number the batch number from 1; a batch that is retried after it threw keeps its number
     * @param attempt the attempt at this batch, from 1
     * @param changes the changes as received
     * @param threw whether this call threw
     * @param rejections the changes it rejected (empty when it threw)
     */
    public record Batch(int number, int attempt, List<Change> changes, boolean threw, List<Rejection> rejections) {
        /**
         * Copies the lists.
         *
         * @param number the batch number from 1
         * @param attempt the attempt at this batch, from 1
         * @param changes the changes as received
         * @param threw whether this call threw
         * @param rejections the changes it rejected
         */
        public Batch {
            changes = List.copyOf(changes);
            rejections = List.copyOf(rejections);
        }
    }

    private final Object lock = new Object();
    private DestinationCapabilities capabilities = DestinationCapabilities.all();
    private @Nullable DestinationMode fixedMode;
    private @Nullable DestinationMode mode;
    private final Map<Object, Row> state = new LinkedHashMap<>();
    private final List<Batch> batches = new ArrayList<>();
    private final List<SyncContext> contexts = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Integer, Integer> failures = new HashMap<>();
    private final Map<Integer, Integer> failuresAfterApplying = new HashMap<>();
    private final Map<Object, String> rejectedKeys = new HashMap<>();
    private Function<Change, @Nullable String> rejector = change -> null;
    private Duration delay = Duration.ZERO;
    private int acceptedBatches;
    private int attemptsOfCurrent;
    private int closes;

    /** Creates a destination that supports every mode, takes batches of any size and holds nothing. */
    public RecordingDestination() {
    }

    /**
     * Declares other capabilities (default {@link DestinationCapabilities#all()}).
     *
     * @param capabilities what {@link #capabilities()} returns
     * @return this destination
     */
    public RecordingDestination capabilities(DestinationCapabilities capabilities) {
        synchronized (lock) {
            this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
        }
        return this;
    }

    /**
     * Fixes the mode whose semantics the state follows, instead of the mode of the run; needed when a test
     * calls {@link #write(List)} without {@link #open(SyncContext)}.
     *
     * @param mode the mode
     * @return this destination
     */
    public RecordingDestination mode(DestinationMode mode) {
        synchronized (lock) {
            this.fixedMode = Objects.requireNonNull(mode, "mode");
            this.mode = mode;
        }
        return this;
    }

    /**
     * Gives the destination a record before any run, as if it had been there already (for {@code UPDATE} mode).
     *
     * @param key the key
     * @param row the fields
     * @return this destination
     */
    public RecordingDestination seed(Object key, Row row) {
        synchronized (lock) {
            state.put(key, row);
        }
        return this;
    }

    /**
     * Makes batch {@code batch} throw an {@link IOException} {@code times} times, applying nothing, before it
     * succeeds. Batches are numbered from 1 across the life of this destination; a retried batch keeps its
     * number.
     *
     * @param batch the batch number, from 1
     * @param times how many attempts fail
     * @return this destination
     */
    public RecordingDestination failBatch(int batch, int times) {
        synchronized (lock) {
            failures.put(requirePositive(batch, "batch"), requirePositive(times, "times"));
        }
        return this;
    }

    /**
     * Makes batch {@code batch} apply its changes and then throw {@code times} times, like a remote call that
     * timed out after the remote side committed.
     *
     * @param batch the batch number, from 1
     * @param times how many attempts apply and then fail
     * @return this destination
     */
    public RecordingDestination failBatchAfterApplying(int batch, int times) {
        synchronized (lock) {
            failuresAfterApplying.put(requirePositive(batch, "batch"), requirePositive(times, "times"));
        }
        return this;
    }

    /**
     * Rejects every change of a key, whenever it comes, with a reason. A rejected change is not applied.
     *
     * @param key the key, equal (by {@code equals}) to {@link Change#key()}
     * @param reason the reason reported
     * @return this destination
     */
    public RecordingDestination rejectKey(Object key, String reason) {
        synchronized (lock) {
            rejectedKeys.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(reason, "reason"));
        }
        return this;
    }

    /**
     * Rejects changes chosen by a function: it returns the reason, or {@code null} to apply the change.
     *
     * @param rejector decides per change
     * @return this destination
     */
    public RecordingDestination rejectWhen(Function<Change, @Nullable String> rejector) {
        synchronized (lock) {
            this.rejector = Objects.requireNonNull(rejector, "rejector");
        }
        return this;
    }

    /**
     * Makes every call of {@link #write(List)} wait first.
     *
     * @param delay how long each write waits
     * @return this destination
     */
    public RecordingDestination slowWrites(Duration delay) {
        synchronized (lock) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("slowWrites needs a delay of zero or more, got " + delay);
            }
            this.delay = delay;
        }
        return this;
    }

    @Override
    public DestinationCapabilities capabilities() {
        synchronized (lock) {
            return capabilities;
        }
    }

    @Override
    public void open(SyncContext context) {
        synchronized (lock) {
            contexts.add(context);
            mode = fixedMode != null ? fixedMode : context.destinationMode();
            attemptsOfCurrent = 0; // a batch that failed for good in the last run does not count into this one
        }
    }

    @Override
    public WriteResult write(List<Change> batch) throws Exception {
        Duration wait;
        synchronized (lock) {
            wait = delay;
        }
        if (!wait.isZero()) {
            Thread.sleep(wait.toMillis());
        }
        synchronized (lock) {
            DestinationMode current = mode;
            if (current == null) {
                throw new IllegalStateException("RecordingDestination.write was called before open(SyncContext): "
                    + "open it first, or fix the mode with RecordingDestination.mode(...)");
            }
            List<Change> changes = List.copyOf(batch);
            int number = acceptedBatches + 1;
            int attempt = ++attemptsOfCurrent;
            checkPromises(changes, current, number);
            if (countDown(failures, number)) {
                batches.add(new Batch(number, attempt, changes, true, List.of()));
                throw new IOException("RecordingDestination: injected failure of batch " + number + ", attempt "
                    + attempt);
            }
            List<Rejection> rejections = apply(changes, current);
            if (countDown(failuresAfterApplying, number)) {
                batches.add(new Batch(number, attempt, changes, true, List.of()));
                throw new IOException("RecordingDestination: injected failure of batch " + number + ", attempt "
                    + attempt + ", after applying it");
            }
            batches.add(new Batch(number, attempt, changes, false, rejections));
            acceptedBatches = number;
            attemptsOfCurrent = 0;
            return WriteResult.rejected(rejections);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closes++;
            mode = fixedMode;
        }
    }

    private void checkPromises(List<Change> changes, DestinationMode current, int number) {
        List<String> broken = new ArrayList<>();
        if (changes.isEmpty()) {
            broken.add("batch " + number + " is empty");
        }
        if (changes.size() > capabilities.maxBatchSize()) {
            broken.add("batch " + number + " has " + changes.size() + " changes, more than maxBatchSize "
                + capabilities.maxBatchSize());
        }
        Set<Object> keys = new HashSet<>();
        for (Change change : changes) {
            if (!keys.add(change.key())) {
                broken.add("batch " + number + " holds key " + change.key() + " twice");
            }
            if (!current.sends(change.kind())) {
                broken.add("batch " + number + " holds a " + change.kind() + " change of key " + change.key()
                    + ", which mode " + current + " never sends");
            }
        }
        if (!broken.isEmpty()) {
            violations.addAll(broken);
            throw new DestinationException("RecordingDestination: the library broke its promises to destinations: "
                + broken, null, false);
        }
    }

    private List<Rejection> apply(List<Change> changes, DestinationMode current) {
        List<Rejection> rejections = new ArrayList<>();
        for (Change change : changes) {
            String reason = rejectedKeys.get(change.key());
            if (reason == null) {
                reason = rejector.apply(change);
            }
            if (reason == null && current == DestinationMode.UPDATE && !state.containsKey(change.key())) {
                reason = "no record with key " + change.key() + " to update (UPDATE mode creates nothing)";
            }
            if (reason != null) {
                rejections.add(new Rejection(change.key(), reason));
                continue;
            }
            if (change.kind() == ChangeKind.REMOVED) {
                state.remove(change.key());
            } else if (current == DestinationMode.INSERT) {
                state.putIfAbsent(change.key(), change.requireRow());
            } else {
                state.put(change.key(), change.requireRow());
            }
        }
        return rejections;
    }

    private static boolean countDown(Map<Integer, Integer> counters, int number) {
        Integer left = counters.get(number);
        if (left == null || left <= 0) {
            return false;
        }
        counters.put(number, left - 1);
        return true;
    }

    private static int requirePositive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
        return value;
    }

    /**
     * What the destination holds now: key to fields, in the order keys were first written.
     *
     * @return a copy; field values may be {@code null}
     */
    public Map<Object, Map<String, @Nullable Object>> state() {
        synchronized (lock) {
            Map<Object, Map<String, @Nullable Object>> copy = new LinkedHashMap<>();
            state.forEach((key, row) -> copy.put(key, Collections.unmodifiableMap(row.toMap())));
            return Collections.unmodifiableMap(copy);
        }
    }

    /**
     * What the destination holds now, as rows (compared with {@link Row#equals(Object)}, which compares byte
     * arrays by content).
     *
     * @return a copy, key to row
     */
    public Map<Object, Row> rows() {
        synchronized (lock) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(state));
        }
    }

    /**
     * Every call of {@link #write(List)}, in order, including those that threw.
     *
     * @return a copy
     */
    public List<Batch> batches() {
        synchronized (lock) {
            return List.copyOf(batches);
        }
    }

    /**
     * Every change of the batches that were answered (not thrown), in order, rejected ones included.
     *
     * @return a new list
     */
    public List<Change> receivedChanges() {
        synchronized (lock) {
            List<Change> all = new ArrayList<>();
            for (Batch batch : batches) {
                if (!batch.threw()) {
                    all.addAll(batch.changes());
                }
            }
            return all;
        }
    }

    /**
     * The contexts of every {@link #open(SyncContext)}, one per run.
     *
     * @return a copy
     */
    public List<SyncContext> contexts() {
        synchronized (lock) {
            return List.copyOf(contexts);
        }
    }

    /**
     * How often {@link #close()} was called.
     *
     * @return the number of calls
     */
    public int closeCount() {
        synchronized (lock) {
            return closes;
        }
    }

    /**
     * The promises the library broke (see the class documentation); empty when all is well.
     *
     * @return a copy
     */
    public List<String> violations() {
        synchronized (lock) {
            return List.copyOf(violations);
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "RecordingDestination[" + state.size() + " records, " + batches.size() + " writes]";
        }
    }
}
