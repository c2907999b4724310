package io.valmi;

import java.util.Map;

/**
 * The numbers of a run.
 *
 * @param planned planned changes of all kinds (also those the destination mode does not send)
 * @param added planned {@link ChangeKind#ADDED} changes
 * @param changed planned {@link ChangeKind#CHANGED} changes
 * @param unchanged planned {@link ChangeKind#UNCHANGED} changes (full-table mode only)
 * @param removed planned {@link ChangeKind#REMOVED} changes
 * @param invalid invalid rows by reason (never sent)
 * @param delivered changes the destination applied (acknowledged)
 * @param rejected changes the destination rejected
 * @param skipped planned changes the destination mode does not send (not acknowledged)
 * @param inDoubt changes of batches whose write failed for good (sent again next run)
 * @param batches batches the destination answered
 * @param retries writes tried again after a failure (throttled writes not counted)
 * @param throttles writes the destination answered with "slow down" ({@link ThrottledException})
 * @param splits failed batches or parts of batches split in two to isolate the changes they failed on
 * @param deliveredByKind the delivered changes by kind (their sum is {@link #delivered()}); kinds without any are left
 *     out
 * @param quarantined valid rows not sent because the destination rejected them, with the same values, on
 *     {@link SyncOptions#quarantineAfter()} consecutive runs ({@link Plan#quarantined()}); not in {@code planned}
 */
public record SyncCounts(long planned, long added, long changed, long unchanged, long removed,
                         Map<InvalidReason, Long> invalid, long delivered, long rejected, long skipped, long inDoubt,
                         long batches, long retries, long throttles, long splits,
                         Map<ChangeKind, Long> deliveredByKind, long quarantined) {

    /**
     * Copies the map.
     *
     * @param planned planned changes of all kinds (also those the destination mode does not send)
     * @param added planned {@link ChangeKind#ADDED} changes
     * @param changed planned {@link ChangeKind#CHANGED} changes
     * @param unchanged planned {@link ChangeKind#UNCHANGED} changes (full-table mode only)
     * @param removed planned {@link ChangeKind#REMOVED} changes
     * @param invalid invalid rows by reason (never sent)
     * @param delivered changes the destination applied (acknowledged)
     * @param rejected changes the destination rejected
     * @param skipped planned changes the destination mode does not send (not acknowledged)
     * @param inDoubt changes of batches whose write failed for good (sent again next run)
     * @param batches batches the destination answered
     * @param retries writes tried again after a failure
     * @param throttles writes the destination answered with "slow down"
     * @param splits failed batches or parts split in two
     * @param deliveredByKind the delivered changes by kind
     * @param quarantined valid rows not sent because the destination kept rejecting them
     */
    public SyncCounts {
        invalid = Map.copyOf(invalid);
        deliveredByKind = Map.copyOf(deliveredByKind);
    }

    /**
     * Counts of a run that quarantined nothing.
     *
     * @param planned planned changes of all kinds (also those the destination mode does not send)
     * @param added planned {@link ChangeKind#ADDED} changes
     * @param changed planned {@link ChangeKind#CHANGED} changes
     * @param unchanged planned {@link ChangeKind#UNCHANGED} changes (full-table mode only)
     * @param removed planned {@link ChangeKind#REMOVED} changes
     * @param invalid invalid rows by reason (never sent)
     * @param delivered changes the destination applied (acknowledged)
     * @param rejected changes the destination rejected
     * @param skipped planned changes the destination mode does not send (not acknowledged)
     * @param inDoubt changes of batches whose write failed for good (sent again next run)
     * @param batches batches the destination answered
     * @param retries writes tried again after a failure
     * @param throttles writes the destination answered with "slow down"
     * @param splits failed batches or parts split in two
     * @param deliveredByKind the delivered changes by kind
     */
    public SyncCounts(long planned, long added, long changed, long unchanged, long removed,
                      Map<InvalidReason, Long> invalid, long delivered, long rejected, long skipped, long inDoubt,
                      long batches, long retries, long throttles, long splits, Map<ChangeKind, Long> deliveredByKind) {
        this(planned, added, changed, unchanged, removed, invalid, delivered, rejected, skipped, inDoubt, batches,
            retries, throttles, splits, deliveredByKind, 0L);
    }

    /**
     * The delivered changes of one kind: e.g. how many rows a MIRROR run removed at the destination.
     *
     * @param kind the kind
     * @return the count
     */
    public long delivered(ChangeKind kind) {
        return deliveredByKind.getOrDefault(kind, 0L);
    }

    /**
     * Invalid rows of all reasons.
     *
     * @return the sum of {@link #invalid()}
     */
    public long invalidTotal() {
        return invalid.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Invalid rows of one reason.
     *
     * @param reason the reason
     * @return the count
     */
    public long invalid(InvalidReason reason) {
        return invalid.getOrDefault(reason, 0L);
    }
}
