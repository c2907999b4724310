package io.valmi;

import org.jspecify.annotations.Nullable;

/**
 * A source row that is not sent, found while planning a run. Invalid rows are checked again on every run: a
 * row whose duplicate disappears becomes valid and is sent.
 *
 * @param reason why it is invalid
 * @param key the key as text, {@code null} for {@link InvalidReason#NULL_KEY}
 * @param detail which row it is, for a person to find it: for {@link InvalidReason#DUPLICATE_KEY}, how many rows share
 *     the key and this row's mapped values, e.g. {@code 3 rows share this key; this row: (Ann,ann@example.com)}; for
 *     {@link InvalidReason#NULL_KEY}, the row's mapped values. {@code PostgresSource} prints the values as a
 *     PostgreSQL record, cut at 300 characters; other sources may leave it empty
 */
public record InvalidRow(InvalidReason reason, @Nullable String key, String detail) {
}
