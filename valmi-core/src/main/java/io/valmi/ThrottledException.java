package io.valmi;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link Destination} that was told to slow down (HTTP 429 Too Many Requests, or 503 with
 * {@code Retry-After}): nothing of the batch was applied. The runner pauses every write of the run, and of every run
 * sharing its {@link RateLimit}s, for {@link #retryAfter()}, then writes the batch again; a throttled attempt does not
 * count against {@link RetryPolicy#maxAttempts()} (the policy's {@link RetryPolicy#maxThrottledWait()} bounds the
 * waiting instead).
 */
public class ThrottledException extends DestinationException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the destination answered
     * @param retryAfter how long to wait before the next request (zero or more)
     * @param cause the underlying failure, or {@code null}
     */
    public ThrottledException(String message, Duration retryAfter, @Nullable Throwable cause) {
        super(message, cause, true, Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    /**
     * How long the destination asked the runner to wait.
     *
     * @return the wait, zero or more
     */
    @Override
    public Duration retryAfter() {
        return Objects.requireNonNull(super.retryAfter());
    }
}
