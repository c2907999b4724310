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
import io.valmi.ThrottledException;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A destination for tests: it keeps every call of {@link #write(List)} and the state (key to fields) that a
 * destination in the run's {@link DestinationMode} would hold, and it fails, rejects, throttles, dawdles or hangs when
 * a test asks it to, as a remote API does.
 *
 * <pre>{@code
 * RecordingDestination destination = new RecordingDestination()
 *     .failBatch(2, 1)                          // batch 2 throws once, then succeeds
 *     .rejectKey(42L, "no such customer")       // key 42 is rejected whenever it comes
 *     .poisonKey(7L)                            // any batch holding key 7 fails as a whole, for good
 *     .throttleEvery(10, Duration.ofSeconds(1)) // every 10th call answers "slow down, retry after 1 s"
 *     .slowWrites(Duration.ofMillis(50))        // every call takes 50 ms
 *     .maxConcurrency(4);                       // up to 4 calls at once
 * SyncResult result = runner.run(job);          // job uses destination
 * assertThat(destination.state()).containsOnlyKeys(1L, 2L, 3L);
 * assertThat(destination.maxConcurrentWrites()).isLessThanOrEqualTo(4);
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
 * <p>Every call is recorded as a {@link Batch}: its batch number and attempt, its changes, the thread, when it
 * started and ended, and its {@link Outcome}. Batches are numbered from 1 in the order they first arrive, across the
 * life of this destination; a call with the same keys, in the same order, as a batch that has not been answered yet
 * (it threw, or is still running) is another attempt at that batch and keeps its number. So a retried batch keeps its
 * number, and the halves of a split batch get numbers of their own.
 *
 * <p>What a call does, in this order: it is checked against the promises below; it waits while
 * {@linkplain #blockWrites(int) blocked}; it waits its {@linkplain #slowWrites(Duration) latency}; then it is
 * {@linkplain #throttleNext(int, Duration) throttled}, fails for a {@linkplain #poisonKey(Object) poison key}, fails as
 * {@linkplain #failBatch(int, int) asked}, or applies its changes (less the {@linkplain #rejectKey(Object, String)
 * rejected} ones) and answers, or {@linkplain #failBatchAfterApplying(int, int) throws after applying them}. A call
 * interrupted while it waits applies nothing and throws {@link InterruptedException}.
 *
 * <p>It also checks what the library promises every destination: batches are never empty, never larger than
 * {@link DestinationCapabilities#maxBatchSize()}, never hold a key twice and only hold kinds of change the mode
 * sends. A broken promise is recorded in {@link #violations()} and fails the write with a non-retriable
 * {@link DestinationException}. How many calls ran at once is recorded ({@link #maxConcurrentWrites()}) for the
 * test to compare with {@link DestinationCapabilities#maxConcurrency()}, not checked: a write the runner abandoned
 * may still be running while it writes the next.
 *
 * <p>Thread-safe: {@code write} may be called from several threads at once (declare it with
 * {@link #maxConcurrency(int)}), and a test may read the records while a run writes. Calls wait (blocked, or for
 * their latency) without holding a lock, so that concurrent calls overlap; they apply their changes one at a time.
 */
public final class RecordingDestination implements Destination {

    /** How a call of {@link #write(List)} ended. */
    public enum Outcome {
        /** It returned a {@link WriteResult}: its changes applied, less the {@link Batch#rejections()}. */
        ANSWERED,
        /** It threw an {@link IOException} ({@link #failBatch(int, int)}), applying nothing. */
        FAILED,
        /** It applied its changes and then threw an {@link IOException} ({@link #failBatchAfterApplying(int, int)}). */
        FAILED_AFTER_APPLYING,
        /** It threw a {@link ThrottledException} ({@link #throttleNext(int, Duration)}), applying nothing. */
        THROTTLED,
        /** It held a poison key ({@link #poisonKey(Object, Poison)}) and failed as a whole, applying nothing. */
        POISONED,
        /** It was interrupted while it waited (blocked, or for its latency) and threw, applying nothing. */
        INTERRUPTED,
        /** It broke a promise of the library to destinations ({@link #violations()}) and threw, applying nothing. */
        BROKEN_PROMISE
    }

    /**
     * How a batch holding a poison key fails: as a whole, whatever its other changes, as a remote API refusing a
     * request for one bad record does.
     */
    public enum Poison {
        /**
         * A {@link DestinationException} that is not retriable, as a remote API answers a request it refuses (HTTP 400
         * or 422).
         */
        NOT_RETRIABLE,
        /**
         * A retriable {@link DestinationException}, as a remote API that fails on the request with a server error (HTTP
         * 500) every time: retries cannot mend it.
         */
        RETRIABLE,
        /**
         * An {@link IllegalArgumentException}, as the destination's own code failing on a value: a programming error,
         * which {@link io.valmi.RetryPolicy#retriableByDefault(Throwable)} does not retry.
         */
        ILLEGAL_ARGUMENT;

        RuntimeException failure(String message) {
            switch (this) {
                case RETRIABLE:
                    return new DestinationException(message, null, true);
                case ILLEGAL_ARGUMENT:
                    return new IllegalArgumentException(message);
                default:
                    return new DestinationException(message, null, false);
            }
        }
    }

    /**
     * One call of {@link #write(List)}.
     *
     * @param number the batch number from 1; another attempt at a batch keeps its number (see the class documentation)
     * @param attempt the attempt at this batch, from 1
     * @param changes the changes as received
     * @param outcome how the call ended
     * @param rejections the changes it rejected (empty unless {@link Outcome#ANSWERED})
     * @param thread the name of the thread that called
     * @param startNanos when the call started, as {@link System#nanoTime()} (compare with other calls' times only)
     * @param endNanos when the call ended, as {@link System#nanoTime()}
     */
    public record Batch(int number, int attempt, List<Change> changes, Outcome outcome, List<Rejection> rejections,
                        String thread, long startNanos, long endNanos) {
        /**
         * Copies the lists.
         *
         * @param number the batch number from 1
         * @param attempt the attempt at this batch, from 1
         * @param changes the changes as received
         * @param outcome how the call ended
         * @param rejections the changes it rejected
         * @param thread the name of the thread that called
         * @param startNanos when the call started, as {@link System#nanoTime()}
         * @param endNanos when the call ended, as {@link System#nanoTime()}
         */
        public Batch {
            changes = List.copyOf(changes);
            Objects.requireNonNull(outcome, "outcome");
            rejections = List.copyOf(rejections);
            Objects.requireNonNull(thread, "thread");
        }

        /**
         * Whether the call threw (any outcome but {@link Outcome#ANSWERED}).
         *
         * @return {@code true} when it threw
         */
        public boolean threw() {
            return outcome != Outcome.ANSWERED;
        }

        /**
         * The keys of the changes, in order.
         *
         * @return a new list
         */
        public List<Object> keys() {
            return keysOf(changes);
        }

        /**
         * How long the call took.
         *
         * @return the time from start to end
         */
        public Duration duration() {
            return Duration.ofNanos(endNanos - startNanos);
        }
    }

    /** A call under way: what {@link Batch} records once it ends. */
    private static final class Call {
        final int number;
        final int attempt;
        final List<Change> changes;
        final List<Object> keys;
        final DestinationMode mode;
        final @Nullable Duration throttle;
        final String thread = Thread.currentThread().getName();
        final long startNanos = System.nanoTime();
        boolean ended;

        Call(int number, int attempt, List<Change> changes, List<Object> keys, DestinationMode mode,
             @Nullable Duration throttle) {
            this.number = number;
            this.attempt = attempt;
            this.changes = changes;
            this.keys = keys;
            this.mode = mode;
            this.throttle = throttle;
        }

        String name() {
            return "batch " + number + ", attempt " + attempt;
        }
    }

    /** A batch that threw or is still running: a call with its keys is another attempt at it. */
    private static final class Unanswered {
        final int number;
        int attempts = 1;

        Unanswered(int number) {
            this.number = number;
        }
    }

    private final Object lock = new Object();
    private final WriteGate gate = new WriteGate();
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
    private final Map<Object, Poison> poisonKeys = new HashMap<>();
    private Function<Change, @Nullable String> rejector = change -> null;
    private Function<List<Change>, Duration> latency = batch -> Duration.ZERO;
    private int throttledNext;
    private Duration throttleNextFor = Duration.ZERO;
    private int throttledEvery;
    private Duration throttleEveryFor = Duration.ZERO;
    private final Map<List<Object>, Unanswered> unanswered = new HashMap<>();
    private int lastNumber;
    private long calls;
    private int inProgress;
    private int maxInProgress;
    private int closes;

    /** Creates a destination that supports every mode, takes batches of any size and holds nothing. */
    public RecordingDestination() {
    }

    /**
     * Declares other capabilities (default {@link DestinationCapabilities#all()}); replaces what
     * {@link #maxConcurrency(int)} declared.
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
     * Declares that up to {@code max} calls of {@link #write(List)} may run at once, from different threads
     * ({@link DestinationCapabilities#withMaxConcurrency(int)}), keeping the other capabilities.
     *
     * @param max the most writes at once, at least 1
     * @return this destination
     */
    public RecordingDestination maxConcurrency(int max) {
        synchronized (lock) {
            this.capabilities = capabilities.withMaxConcurrency(max);
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
     * Makes every batch that holds a change of this key fail as a whole, every time, with a non-retriable
     * {@link DestinationException} naming the key, applying nothing: a remote API refusing a request for one bad
     * record. Only a batch without it succeeds, so a runner that splits a failed batch finds the key.
     *
     * @param key the key, equal (by {@code equals}) to {@link Change#key()}
     * @return this destination
     */
    public RecordingDestination poisonKey(Object key) {
        return poisonKey(key, Poison.NOT_RETRIABLE);
    }

    /**
     * Makes every batch that holds a change of this key fail as a whole, every time, as {@code poison} says,
     * applying nothing. When a batch holds several poison keys, the first one in the batch decides.
     *
     * @param key the key, equal (by {@code equals}) to {@link Change#key()}
     * @param poison which exception the batch throws
     * @return this destination
     */
    public RecordingDestination poisonKey(Object key, Poison poison) {
        synchronized (lock) {
            poisonKeys.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(poison, "poison"));
        }
        return this;
    }

    /**
     * Makes the next {@code writes} calls of {@link #write(List)} throw a {@link ThrottledException} ("slow down")
     * asking to wait {@code retryAfter}, applying nothing. Replaces an earlier count.
     *
     * @param writes how many calls, from the next one
     * @param retryAfter the wait each asks for, zero or more
     * @return this destination
     */
    public RecordingDestination throttleNext(int writes, Duration retryAfter) {
        synchronized (lock) {
            throttledNext = requirePositive(writes, "writes");
            throttleNextFor = requireNotNegative(retryAfter, "throttleNext");
        }
        return this;
    }

    /**
     * Makes every {@code nth} call of {@link #write(List)} throw a {@link ThrottledException} asking to wait
     * {@code retryAfter}, applying nothing: the calls whose number, counting every call of this destination from 1
     * (throttled ones included, calls that break a promise not), is a multiple of {@code nth}. 1 throttles every call,
     * for ever.
     *
     * @param nth the period, at least 1
     * @param retryAfter the wait each asks for, zero or more
     * @return this destination
     */
    public RecordingDestination throttleEvery(int nth, Duration retryAfter) {
        synchronized (lock) {
            throttledEvery = requirePositive(nth, "nth");
            throttleEveryFor = requireNotNegative(retryAfter, "throttleEvery");
        }
        return this;
    }

    /**
     * Makes every call of {@link #write(List)} wait first, as the round trip to a remote API does.
     *
     * @param delay how long each write waits
     * @return this destination
     */
    public RecordingDestination slowWrites(Duration delay) {
        requireNotNegative(delay, "slowWrites");
        return slowWrites(batch -> delay);
    }

    /**
     * Makes every call of {@link #write(List)} wait first, for a time that depends on the batch, e.g.
     * {@code slowWrites(batch -> Duration.ofMillis(20 + batch.size() / 10))}. The wait ends early when the call is
     * interrupted: it then throws {@link InterruptedException}, applying nothing.
     *
     * @param latency the wait for a batch, zero or more; called from the writing threads
     * @return this destination
     */
    public RecordingDestination slowWrites(Function<List<Change>, Duration> latency) {
        synchronized (lock) {
            this.latency = Objects.requireNonNull(latency, "latency");
        }
        return this;
    }

    /**
     * Makes the next {@code writes} calls of {@link #write(List)} wait until {@link #releaseWrites()}, or until
     * interrupted: an interrupted call throws {@link InterruptedException}, applying nothing, as a write that gives up
     * when told to does. Replaces an earlier count. Use {@link #awaitBlockedWrites(int, Duration)} to know when they
     * wait; {@code Integer.MAX_VALUE} blocks every call.
     *
     * @param writes how many calls, from the next one
     * @return this destination
     */
    public RecordingDestination blockWrites(int writes) {
        gate.blockNext(requirePositive(writes, "writes"));
        return this;
    }

    /**
     * Makes the next {@code writes} calls of {@link #write(List)} wait until {@link #releaseWrites()}, swallowing
     * every interrupt, as a write stuck in blocking I/O without a timeout does: to test that a runner abandons a write
     * that does not stop. Never released, they wait for ever (and keep their threads: release them when the test
     * ends). Once released, a call goes on as usual and applies its batch, as a late answer to an abandoned request
     * would; {@link #ignoredInterrupts()} counts the interrupts it swallowed.
     *
     * @param writes how many calls, from the next one
     * @return this destination
     */
    public RecordingDestination blockWritesIgnoringInterrupts(int writes) {
        gate.blockNextIgnoringInterrupts(requirePositive(writes, "writes"));
        return this;
    }

    /** Lets every call blocked by {@link #blockWrites(int)} go on; calls still to come are no longer blocked. */
    public void releaseWrites() {
        gate.release();
    }

    /**
     * Waits until at least {@code count} calls are blocked (by {@link #blockWrites(int)} or
     * {@link #blockWritesIgnoringInterrupts(int)}).
     *
     * @param count how many blocked calls to wait for
     * @param timeout how long to wait at most
     * @return {@code true} when that many are blocked, {@code false} when the time ran out first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitBlockedWrites(int count, Duration timeout) throws InterruptedException {
        return gate.awaitBlocked(count, timeout);
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
            unanswered.clear(); // a batch that failed for good in the last run does not count into this one
        }
    }

    @Override
    public WriteResult write(List<Change> batch) throws Exception {
        Call call = begin(batch);
        try {
            gate.pass();
            long wait = latencyOf(call).toNanos();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        } catch (InterruptedException e) {
            end(call, Outcome.INTERRUPTED, List.of());
            throw e;
        } catch (RuntimeException e) {
            end(call, Outcome.FAILED, List.of());
            throw e;
        }
        synchronized (lock) {
            try {
                return answer(call);
            } catch (RuntimeException e) {
                end(call, Outcome.FAILED, List.of()); // a function of the test threw; nothing if it ended already
                throw e;
            }
        }
    }

    /** Numbers the call, counts it as under way, and checks the library's promises. */
    private Call begin(List<Change> batch) {
        synchronized (lock) {
            DestinationMode current = mode;
            if (current == null) {
                throw new IllegalStateException("RecordingDestination.write was called before open(SyncContext): "
                    + "open it first, or fix the mode with RecordingDestination.mode(...)");
            }
            List<Change> changes = List.copyOf(batch);
            List<Object> keys = keysOf(changes);
            Unanswered earlier = unanswered.get(keys);
            int number;
            int attempt;
            if (earlier != null) {
                number = earlier.number;
                attempt = ++earlier.attempts;
            } else {
                number = ++lastNumber;
                attempt = 1;
                unanswered.put(keys, new Unanswered(number));
            }
            inProgress++;
            maxInProgress = Math.max(maxInProgress, inProgress);
            List<String> broken = brokenPromises(changes, current, number);
            if (!broken.isEmpty()) {
                violations.addAll(broken);
                end(new Call(number, attempt, changes, keys, current, null), Outcome.BROKEN_PROMISE, List.of());
                throw new DestinationException("RecordingDestination: the library broke its promises to "
                    + "destinations: " + broken, null, false);
            }
            long callNumber = ++calls;
            Duration throttle = null;
            if (throttledNext > 0) {
                throttledNext--;
                throttle = throttleNextFor;
            } else if (throttledEvery > 0 && callNumber % throttledEvery == 0) {
                throttle = throttleEveryFor;
            }
            return new Call(number, attempt, changes, keys, current, throttle);
        }
    }

    private Duration latencyOf(Call call) {
        Function<List<Change>, Duration> function;
        synchronized (lock) {
            function = latency;
        }
        Duration wait = function.apply(call.changes);
        if (wait == null || wait.isNegative()) {
            throw new IllegalStateException("The latency function given to RecordingDestination.slowWrites returned "
                + wait + " for " + call.name() + " of " + call.changes.size() + " changes; return zero or more");
        }
        return wait;
    }

    /** Throttles, fails or applies the call; under the lock. */
    private WriteResult answer(Call call) throws IOException {
        if (call.throttle != null) {
            end(call, Outcome.THROTTLED, List.of());
            throw new ThrottledException("RecordingDestination: injected throttling of " + call.name()
                + ": retry after " + call.throttle, call.throttle, null);
        }
        for (Change change : call.changes) {
            Poison poison = poisonKeys.get(change.key());
            if (poison != null) {
                end(call, Outcome.POISONED, List.of());
                throw poison.failure("RecordingDestination: " + call.name() + " of " + call.changes.size()
                    + " changes refused as a whole: it holds poison key " + change.key());
            }
        }
        if (countDown(failures, call.number)) {
            end(call, Outcome.FAILED, List.of());
            throw new IOException("RecordingDestination: injected failure of " + call.name());
        }
        List<Rejection> rejections = apply(call.changes, call.mode);
        if (countDown(failuresAfterApplying, call.number)) {
            end(call, Outcome.FAILED_AFTER_APPLYING, List.of());
            throw new IOException("RecordingDestination: injected failure of " + call.name() + ", after applying it");
        }
        end(call, Outcome.ANSWERED, rejections);
        return WriteResult.rejected(rejections);
    }

    /** Records the call as ended; once only. */
    private void end(Call call, Outcome outcome, List<Rejection> rejections) {
        synchronized (lock) {
            if (call.ended) {
                return;
            }
            call.ended = true;
            inProgress--;
            if (outcome == Outcome.ANSWERED) {
                unanswered.remove(call.keys);
            }
            batches.add(new Batch(call.number, call.attempt, call.changes, outcome, rejections, call.thread,
                call.startNanos, System.nanoTime()));
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closes++;
            mode = fixedMode;
        }
    }

    private List<String> brokenPromises(List<Change> changes, DestinationMode current, int number) {
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
        return broken;
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

    private static Duration requireNotNegative(Duration duration, String method) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException(method + " needs a duration of zero or more, got " + duration);
        }
        return duration;
    }

    private static List<Object> keysOf(List<Change> changes) {
        List<Object> keys = new ArrayList<>(changes.size());
        for (Change change : changes) {
            keys.add(change.key());
        }
        return keys;
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
     * Every call of {@link #write(List)} that has ended, in the order they ended, including those that threw (calls
     * still under way are not there yet). With one write at a time this is the order of the calls; to measure a
     * rate, use {@link Batch#startNanos()}.
     *
     * @return a copy
     */
    public List<Batch> batches() {
        synchronized (lock) {
            return List.copyOf(batches);
        }
    }

    /**
     * Every change of the batches that were answered (not thrown), in the order they were answered, rejected ones
     * included.
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

    /**
     * The most calls of {@link #write(List)} that were under way at the same time, from the first call on: compare it
     * with the concurrency the destination declared and the job asked for.
     *
     * @return the maximum, 0 before any call
     */
    public int maxConcurrentWrites() {
        synchronized (lock) {
            return maxInProgress;
        }
    }

    /**
     * How many calls of {@link #write(List)} are under way now (waiting included).
     *
     * @return the number of calls
     */
    public int writesInProgress() {
        synchronized (lock) {
            return inProgress;
        }
    }

    /**
     * How many calls of {@link #write(List)} are blocked now ({@link #blockWrites(int)}).
     *
     * @return the number of calls
     */
    public int blockedWrites() {
        return gate.blocked();
    }

    /**
     * How many interrupts the calls blocked by {@link #blockWritesIgnoringInterrupts(int)} swallowed: more than 0
     * when a runner tried to stop them.
     *
     * @return the number of interrupts
     */
    public int ignoredInterrupts() {
        return gate.ignoredInterrupts();
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "RecordingDestination[" + state.size() + " records, " + batches.size() + " writes, " + inProgress
                + " under way]";
        }
    }
}
