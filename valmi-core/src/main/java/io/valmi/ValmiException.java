package io.valmi;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception valmi throws. Unchecked, like jOOQ's {@code DataAccessException}.
 *
 * <p>{@link #isRetriable()} tells whether trying the same operation again may succeed (a lost
 * connection, a timeout) or not (a wrong mapping, a missing grant): retriable failures of a
 * destination are retried by the {@link SyncRunner} with backoff; fatal ones end the run at once.
 */
public class ValmiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether the same operation may succeed when tried again. */
    private final boolean retriable;

    /**
     * A fatal (not retriable) exception.
     *
     * @param message what went wrong and what to do about it
     */
    public ValmiException(String message) {
        this(message, null, false);
    }

    /**
     * An exception with an explicit retriability.
     *
     * @param message what went wrong and what to do about it
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether the same operation may succeed when tried again
     */
    public ValmiException(String message, @Nullable Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /**
     * Whether trying again may succeed.
     *
     * @return {@code true} for transient failures (network, timeouts, lock conflicts)
     */
    public boolean isRetriable() {
        return retriable;
    }
}
