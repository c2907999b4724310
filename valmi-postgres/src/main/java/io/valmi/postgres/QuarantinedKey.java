package io.valmi.postgres;

/**
 * A key the job's last run left out as quarantined ({@link io.valmi.SyncOptions#quarantineAfter()}): the destination
 * rejected its row, with the values it still has, on that many consecutive runs or more.
 *
 * @param key the key's text form, as PostgreSQL prints it (pass it to {@link PostgresSource#retryQuarantined(String,
 *     String)} to release this key alone)
 * @param reason the destination's reason when it last rejected the row
 * @param rejections on how many consecutive runs the destination rejected these values
 */
public record QuarantinedKey(String key, String reason, int rejections) {
}
