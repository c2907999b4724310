package io.valmi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * How often and how patiently a failed {@link Destination#write(java.util.List)} is tried again: bounded
 * exponential backoff with jitter, for the failures a predicate calls retriable. This is the one retry layer of a
 * run: destinations say what a failure is ({@link DestinationException#isRetriable()},
 * {@link DestinationException#retryAfter()}, {@link ThrottledException}) and leave the retrying to it.
 *
 * @param maxAttempts attempts per batch in total, at least 1 (1 = no retry); throttled attempts do not count
 * @param initialBackoff the wait before the second attempt
 * @param maxBackoff the longest wait between two attempts
 * @param multiplier the factor by which the wait grows after each attempt, at least 1
 * @param jitter the share of each wait that is random, 0.0 to 1.0: a wait {@code w} becomes one between
 *     {@code w * (1 - jitter)} and {@code w}, so that many runs that failed together do not retry together
 * @param maxThrottledWait the longest a batch waits in all for a destination that keeps answering "slow down"
 *     ({@link ThrottledException}) before the batch fails
 * @param retryOn which failures are retried ({@link #retriableByDefault(Throwable)} unless set)
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                          double jitter, Duration maxThrottledWait, Predicate<Throwable> retryOn) {

    /** The default {@link #jitter()}: a fifth of each wait is random. */
    public static final double DEFAULT_JITTER = 0.2;

    /** The default {@link #maxThrottledWait()}: 15 minutes. */
    public static final Duration DEFAULT_MAX_THROTTLED_WAIT = Duration.ofMinutes(15);

    /**
     * Validates the settings.
     *
     * @param maxAttempts attempts per batch in total, at least 1 (1 = no retry)
     * @param initialBackoff the wait before the second attempt
     * @param maxBackoff the longest wait between two attempts
     * @param multiplier the factor by which the wait grows after each attempt, at least 1
     * @param jitter the share of each wait that is random, 0.0 to 1.0
     * @param maxThrottledWait the longest a batch waits in all for a destination that keeps throttling
     * @param retryOn which failures are retried
     */
    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxThrottledWait, "maxThrottledWait");
        Objects.requireNonNull(retryOn, "retryOn");
        if (maxAttempts < 1) {
            throw new ConfigurationException("RetryPolicy.maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new ConfigurationException("RetryPolicy backoff must satisfy 0 <= initialBackoff <= maxBackoff, got "
                + initialBackoff + " and " + maxBackoff);
        }
        if (!(multiplier >= 1.0)) {
            throw new ConfigurationException("RetryPolicy.multiplier must be at least 1, got " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new ConfigurationException("RetryPolicy.jitter must be from 0.0 to 1.0, got " + jitter);
        }
        if (maxThrottledWait.isNegative()) {
            throw new ConfigurationException("RetryPolicy.maxThrottledWait must not be negative, got "
                + maxThrottledWait);
        }
    }

    /**
     * A policy without jitter, with the default throttling bound and retry predicate.
     *
     * @param maxAttempts attempts per batch in total, at least 1 (1 = no retry)
     * @param initialBackoff the wait before the second attempt
     * @param maxBackoff the longest wait between two attempts
     * @param multiplier the factor by which the wait grows after each attempt, at least 1
     */
    public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {
        this(maxAttempts, initialBackoff, maxBackoff, multiplier, 0.0, DEFAULT_MAX_THROTTLED_WAIT,
            RetryPolicy::retriableByDefault);
    }

    /**
     * The default: 5 attempts, waiting about 0.5 s, 1 s, 2 s, 4 s (at most 30 s, a fifth of each wait random); the
     * failures {@link #retriableByDefault(Throwable)} calls retriable.
     *
     * @return the policy
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, DEFAULT_JITTER,
            DEFAULT_MAX_THROTTLED_WAIT, RetryPolicy::retriableByDefault);
    }

    /**
     * One attempt, no retry (throttled attempts are still tried again).
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0);
    }

    /**
     * Which failures the default policy retries: a {@link ValmiException} (and so a {@link DestinationException}) as
     * its {@link ValmiException#isRetriable()} says; never a programming error ({@link NullPointerException},
     * {@link ClassCastException}, {@link IllegalArgumentException}, {@link UnsupportedOperationException},
     * {@link IndexOutOfBoundsException}, {@link ArithmeticException}, {@link ArrayStoreException},
     * {@link NegativeArraySizeException}) nor an {@link Error}; every other exception (I/O, timeouts, a driver's
     * exceptions) yes.
     *
     * @param failure what a write threw
     * @return whether writing again may succeed
     */
    public static boolean retriableByDefault(Throwable failure) {
        if (failure instanceof ValmiException) {
            return ((ValmiException) failure).isRetriable();
        }
        return !(failure instanceof Error || failure instanceof NullPointerException
            || failure instanceof ClassCastException || failure instanceof IllegalArgumentException
            || failure instanceof UnsupportedOperationException || failure instanceof IndexOutOfBoundsException
            || failure instanceof ArithmeticException || failure instanceof ArrayStoreException
            || failure instanceof NegativeArraySizeException);
    }

    /**
     * Whether this policy retries a failure.
     *
     * @param failure what a write threw
     * @return whether writing again may succeed
     */
    public boolean isRetriable(Throwable failure) {
        return retryOn.test(failure);
    }

    /**
     * A copy with another number of attempts.
     *
     * @param attempts attempts per batch in total, at least 1
     * @return new policy
     */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter, maxThrottledWait, retryOn);
    }

    /**
     * A copy with another jitter.
     *
     * @param share the share of each wait that is random, 0.0 to 1.0
     * @return new policy
     */
    public RetryPolicy withJitter(double share) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, share, maxThrottledWait, retryOn);
    }

    /**
     * A copy with another bound on waiting for a destination that keeps throttling.
     *
     * @param max the longest a batch waits in all
     * @return new policy
     */
    public RetryPolicy withMaxThrottledWait(Duration max) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, max, retryOn);
    }

    /**
     * A copy that retries the failures a predicate accepts, e.g.
     * {@code policy.withRetryOn(e -> RetryPolicy.retriableByDefault(e) && !(e instanceof MyAuthException))}.
     *
     * @param predicate which failures are retried
     * @return new policy
     */
    public RetryPolicy withRetryOn(Predicate<Throwable> predicate) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, maxThrottledWait,
            Objects.requireNonNull(predicate, "predicate"));
    }

    /**
     * The wait after a failed attempt, jitter applied.
     *
     * @param failedAttempt the number of the attempt that failed, from 1
     * @return the wait before the next attempt
     */
    public Duration backoffAfter(int failedAttempt) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        double capped = Math.min(millis, maxBackoff.toMillis());
        if (jitter > 0) {
            capped *= 1.0 - jitter * ThreadLocalRandom.current().nextDouble();
        }
        return Duration.ofMillis((long) capped);
    }
}
