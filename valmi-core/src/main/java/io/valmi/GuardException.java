package io.valmi;

/**
 * A run was stopped by a guard of {@link SyncOptions} before any row moved, because it would have removed more
 * than it is allowed to, or because more of the source's rows are invalid than it allows. Nothing was sent and the
 * job's state is unchanged; the message says what to check, and what to change if the run is intended.
 */
public class GuardException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the run would have done and how to allow it
     */
    public GuardException(String message) {
        super(message);
    }
}
