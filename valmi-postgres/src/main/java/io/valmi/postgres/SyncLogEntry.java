package io.valmi.postgres;

import io.valmi.ChangeKind;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One key that one run sent, and what the destination answered, as the job's sync log recorded it
 * ({@link io.valmi.SyncOptions#syncLog()}, {@link JobHistory#log(String, int)}).
 *
 * @param runId the run that sent it
 * @param key the key's text form, as PostgreSQL prints it
 * @param kind the change sent: {@link ChangeKind#ADDED}, {@link ChangeKind#CHANGED}, {@link ChangeKind#UNCHANGED}
 *     (FULL_TABLE) or {@link ChangeKind#REMOVED} (MIRROR)
 * @param outcome what the destination answered
 * @param reason the destination's reason for a rejection, else {@code null}
 * @param loggedAt when the answer was recorded (the start of the transaction that recorded the batch's
 *     acknowledgement, by the database server's clock)
 */
public record SyncLogEntry(String runId, String key, ChangeKind kind, Outcome outcome, @Nullable String reason,
                           Instant loggedAt) {
    /**
     * Checks the values.
     *
     * @param runId the run that sent it
     * @param key the key's text form
     * @param kind the change sent
     * @param outcome what the destination answered
     * @param reason the destination's reason for a rejection, else {@code null}
     * @param loggedAt when the answer was recorded
     */
    public SyncLogEntry {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(loggedAt, "loggedAt");
    }

    /** What the destination answered for a key. */
    public enum Outcome {
        /** It applied the change (acknowledged): for {@link ChangeKind#REMOVED}, the key was removed. */
        DELIVERED,
        /** It rejected the change, for {@link SyncLogEntry#reason()}: the key is sent again by the next run. */
        REJECTED
    }
}
