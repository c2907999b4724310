package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A first sync works out a row version's 64-bit id on the client, as {@code txid_current() - age(xmin)} does. */
class StorableVersionTest {
    private static final long EPOCH = 1L << 32;

    @Test
    void anOlderVersionInTheSameEpochIsRecordedBelowTheHorizon() {
        long xid = 5 * EPOCH + 1_000;
        assertThat(RowVersions.storableVersion(xid, xid - 10, 900)).isEqualTo(5 * EPOCH + 900);
        // Not older than every transaction still running: not recorded (hashed again next time).
        assertThat(RowVersions.storableVersion(xid, 5 * EPOCH + 900, 900)).isNull();
    }

    @Test
    void aVersionOfThePreviousEpochIsFoundAcrossTheWrap() {
        long xid = 5 * EPOCH + 100;
        assertThat(RowVersions.storableVersion(xid, xid, EPOCH - 50)).isEqualTo(4 * EPOCH + EPOCH - 50);
    }

    @Test
    void aVersionWrittenAfterThisTransactionBeganIsAboveItsIdAndNeverRecorded() {
        // Seen in READ COMMITTED: committed by a later transaction before the batch's statement ran.
        long xid = 5 * EPOCH + 100;
        assertThat(RowVersions.storableVersion(xid, Long.MAX_VALUE, 120)).isEqualTo(5 * EPOCH + 120);
        assertThat(RowVersions.storableVersion(xid, xid - 5, 120)).isNull();
    }

    @Test
    void specialIdsAreTheOldestThereAre() {
        long xid = 5 * EPOCH + 100;
        // age() of a frozen or bootstrap id is 2^31 - 1, whatever the id.
        assertThat(RowVersions.storableVersion(xid, xid, 2)).isEqualTo(xid - Integer.MAX_VALUE);
        assertThat(RowVersions.storableVersion(xid, xid, 1)).isEqualTo(xid - Integer.MAX_VALUE);
    }
}
