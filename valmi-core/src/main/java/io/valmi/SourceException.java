package io.valmi;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Source} failed to plan, read or record the state of a run (for example the database went
 * away). Retriable when the cause is transient.
 */
public class SourceException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the source
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether the next run may succeed
     */
    public SourceException(String message, @Nullable Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
