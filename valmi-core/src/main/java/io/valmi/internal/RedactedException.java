package io.valmi.internal;

import io.valmi.ValmiException;
import org.jspecify.annotations.Nullable;

/**
 * Stands in for an exception whose message held a secret: its message is the original type's name followed by the
 * redacted original message, and it carries the original's stack trace. See {@link Redactor#redact(Throwable)}.
 */
public final class RedactedException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /** The class name of the exception this one stands in for. */
    private final String originalType;

    RedactedException(String originalType, @Nullable String redactedMessage, @Nullable Throwable cause,
                      boolean retriable) {
        super(redactedMessage == null ? originalType : originalType + ": " + redactedMessage, cause, retriable);
        this.originalType = originalType;
    }

    /**
     * The class name of the exception this one stands in for.
     *
     * @return for example {@code java.io.IOException}
     */
    public String originalType() {
        return originalType;
    }
}
