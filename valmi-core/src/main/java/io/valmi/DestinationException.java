package io.valmi;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link Destination} to say a whole batch failed, and whether trying it again may help. A destination may
 * throw any exception from {@link Destination#write(java.util.List)}; the job's {@link RetryPolicy} decides which it
 * retries ({@link RetryPolicy#isRetriable(Throwable)}: by default this exception's {@link #isRetriable()}, and every
 * other exception except programming errors). Throw it with {@code retriable = false} for a failure that a retry cannot
 * mend (a bad request, an authentication failure); with a {@link #retryAfter()} when the remote side said when to
 * come back. A destination told to slow down throws {@link ThrottledException} instead.
 */
public class DestinationException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /** When to try again at the earliest, as the remote side said; {@code null} when it did not. */
    private final @Nullable Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the destination
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether writing the same batch again may succeed
     */
    public DestinationException(String message, @Nullable Throwable cause, boolean retriable) {
        this(message, cause, retriable, null);
    }

    /**
     * Creates the exception with the wait the remote side asked for.
     *
     * @param message what failed, naming the destination
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether writing the same batch again may succeed
     * @param retryAfter how long to wait before trying again at the earliest (the runner waits at least its own
     *     backoff), or {@code null}
     */
    public DestinationException(String message, @Nullable Throwable cause, boolean retriable,
                                @Nullable Duration retryAfter) {
        super(message, cause, retriable);
        this.retryAfter = retryAfter;
    }

    /**
     * How long to wait before trying again at the earliest, as the remote side said.
     *
     * @return the wait, or {@code null} when it did not say
     */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
