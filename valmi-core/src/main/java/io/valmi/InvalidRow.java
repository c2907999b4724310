package io.valmi;

import org.jspecify.annotations.Nullable;

/**
 * A source row that is not sent, found while planning a run. Invalid rows are checked again on every run: a
 * row whose duplicate disappears becomes valid and is sent.
 *
 * @param reason why it is invalid
 * @param key the key as text, {@code null} for {@link InvalidReason#NULL_KEY}
 * @param detail more about it (for duplicates: how many rows share the key)
 */
public record InvalidRow(InvalidReason reason, @Nullable String key, String detail) {
}
