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
        this(message, cause, retriable, null);
    }

    /**
     * Creates the exception for a failure the source's database reported with an SQLSTATE.
     *
     * @param message what failed, naming the source
     * @param cause the underlying failure, or {@code null}
     * @param retriable whether the next run may succeed
     * @param sqlState the five-character SQLSTATE the database reported, or {@code null}
     */
    public SourceException(String message, @Nullable Throwable cause, boolean retriable, @Nullable String sqlState) {
        super(message, cause, retriable);
        this.sqlState = sqlState;
    }

    /** The SQLSTATE the database reported, or {@code null}. */
    private final @Nullable String sqlState;

    /**
     * The SQLSTATE the source's database reported, as data (it is in the message too), e.g. {@code 42501} for a
     * missing privilege or {@code 08006} for a lost connection.
     *
     * @return the five-character code, or {@code null} when the failure did not come with one
     */
    public @Nullable String sqlState() {
        return sqlState;
    }

    /**
     * The class of {@link #sqlState()}: its first two characters, e.g. {@code 08} for connection exceptions.
     *
     * @return the class, or {@code null} when there is no SQLSTATE
     */
    public @Nullable String sqlStateClass() {
        return sqlState == null || sqlState.length() < 2 ? null : sqlState.substring(0, 2);
    }
}
