package io.valmi;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently a failed {@link Destination#write(java.util.List)} is tried again: bounded
 * exponential backoff.
 *
 * @param maxAttempts attempts per batch in total, at least 1 (1 = no retry)
 * @param initialBackoff the wait before the second attempt
 * @param maxBackoff the longest wait between two attempts
 * @param multiplier the factor by which the wait grows after each attempt, at least 1
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

    /**
     * Validates the settings.
     *
     * @param maxAttempts attempts per batch in total, at least 1 (1 = no retry)
     * @param initialBackoff the wait before the second attempt
     * @param maxBackoff the longest wait between two attempts
     * @param multiplier the factor by which the wait grows after each attempt, at least 1
     */
    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
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
    }

    /**
     * The default: 5 attempts, waiting 0.5 s, 1 s, 2 s, 4 s (at most 30 s).
     *
     * @return the policy
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30), 2.0);
    }

    /**
     * One attempt, no retry.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0);
    }

    /**
     * The wait after a failed attempt.
     *
     * @param failedAttempt the number of the attempt that failed, from 1
     * @return the wait before the next attempt
     */
    public Duration backoffAfter(int failedAttempt) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
    }
}
