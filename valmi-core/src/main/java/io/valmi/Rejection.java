package io.valmi;

import java.util.Objects;

/**
 * A change the destination did not apply, and why.
 *
 * @param key the key of the rejected change: its {@link Change#key()}, or a value equal to it by value (see
 *     {@link Destination})
 * @param reason why it was rejected, in words a person can act on
 */
public record Rejection(Object key, String reason) {
    /**
     * Validates the fields.
     *
     * @param key the key of the rejected change
     * @param reason why it was rejected, in words a person can act on
     */
    public Rejection {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reason, "reason");
    }
}
