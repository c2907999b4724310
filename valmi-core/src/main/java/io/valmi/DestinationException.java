package io.valmi;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link Destination} to say a whole batch failed. A destination may throw any exception
 * from {@link Destination#write(java.util.List)}; the runner treats other exceptions as retriable. Throw
 * this one with {@code retriable = false} to stop the run at once (for example on an authentication
 * failure, where retrying cannot help).
 */
public class DestinationException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the destination
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether writing the same batch again may succeed
     */
    public DestinationException(String message, @Nullable Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
