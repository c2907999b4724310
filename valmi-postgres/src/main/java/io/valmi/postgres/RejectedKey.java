package io.valmi.postgres;

import java.time.Instant;
import java.util.Objects;

/**
 * A key whose change the destination rejected and has not taken since ({@link JobHistory#rejectedKeys(int)}): the
 * next run sends it again, unless it is quarantined ({@link io.valmi.SyncOptions#quarantineAfter()}).
 *
 * @param key the key's text form, as PostgreSQL prints it
 * @param reason the destination's reason, when it last rejected the key
 * @param rejections on how many consecutive runs the destination rejected the key with the values it has now (1 for a
 *     rejection recorded by a version before rejection streaks)
 * @param runId the run that last rejected it
 * @param rejectedAt when that run recorded the rejection
 */
public record RejectedKey(String key, String reason, int rejections, String runId, Instant rejectedAt) {
    /**
     * Checks the values.
     *
     * @param key the key's text form
     * @param reason the destination's reason
     * @param rejections on how many consecutive runs it was rejected
     * @param runId the run that last rejected it
     * @param rejectedAt when that run recorded the rejection
     */
    public RejectedKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(rejectedAt, "rejectedAt");
    }
}
