package io.valmi.postgres.internal;

import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's hash functions in Java, bit for bit as a little-endian server computes them (lookup3 as
 * {@code src/common/hashfn.c} has it); used only once the server's answers to {@link RowHash#probes} agree. See
 * {@code docs/internals.md#client-side-hashing-in-a-first-sync}.
 */
final class PgHashes {
    private static final int INIT = 0x9e3779b9 + 3923095;

    /** What {@code hash} reads when it hashes a word rather than bytes. */
    private static final byte[] NO_BYTES = new byte[0];

    private PgHashes() {
    }

    /**
     * {@code hash_bytes_extended}: {@code hashtextextended} of a text (collation "C"), {@code uuid_hash_extended} of
     * a uuid's 16 bytes.
     *
     * @param k the bytes
     * @param off where they start
     * @param len how many
     * @param seed the seed (0: none)
     * @return the hash
     */
    static long bytes(byte[] k, int off, int len, long seed) {
        return hash(k, off, len, 0, seed);
    }

    /**
     * {@code hash_bytes_uint32_extended}: the same as {@link #bytes} of the value's four bytes (little-endian).
     *
     * @param k the value
     * @param seed the seed (0: none)
     * @return the hash
     */
    static long uint32(int k, long seed) {
        return hash(null, 0, 4, k, seed);
    }

    /** lookup3 over {@code len} bytes of {@code k}, or over the four bytes of {@code word} when {@code k} is null. */
    private static long hash(byte @Nullable [] key, int off, int len, int word, long seed) {
        byte[] k = key == null ? NO_BYTES : key;
        int a = INIT + len;
        int b = a;
        int c = a;
        int p = off;
        int n = key == null ? 0 : len;
        // A seed counts as a first 12-byte chunk of its own (padded with zeroes); then every whole chunk of the key.
        boolean seeded = seed != 0;
        while (seeded || n >= 12) {
            if (seeded) {
                a += (int) (seed >>> 32);
                b += (int) seed;
                seeded = false;
            } else {
                a += le32(k, p);
                b += le32(k, p + 4);
                c += le32(k, p + 8);
                p += 12;
                n -= 12;
            }
            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        }
        if (key == null) {
            a += word;
        } else {
            // The last 11 bytes; the lowest byte of c is reserved for the length. (C's switch falls through from n
            // down to 1: every byte below n is added.)
            if (n >= 11) {
                c += (k[p + 10] & 0xff) << 24;
            }
            if (n >= 10) {
                c += (k[p + 9] & 0xff) << 16;
            }
            if (n >= 9) {
                c += (k[p + 8] & 0xff) << 8;
            }
            if (n >= 8) {
                b += (k[p + 7] & 0xff) << 24;
            }
            if (n >= 7) {
                b += (k[p + 6] & 0xff) << 16;
            }
            if (n >= 6) {
                b += (k[p + 5] & 0xff) << 8;
            }
            if (n >= 5) {
                b += k[p + 4] & 0xff;
            }
            if (n >= 4) {
                a += (k[p + 3] & 0xff) << 24;
            }
            if (n >= 3) {
                a += (k[p + 2] & 0xff) << 16;
            }
            if (n >= 2) {
                a += (k[p + 1] & 0xff) << 8;
            }
            if (n >= 1) {
                a += k[p] & 0xff;
            }
        }
        // final(a, b, c)
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return ((long) b << 32) | (c & 0xffffffffL);
    }

    /**
     * {@code hashint8extended}: the two halves folded into 32 bits, then hashed (so values that differ beyond 32
     * bits may collide: {@link RowHash} seeds it with the value itself).
     *
     * @param value the value
     * @param seed the seed
     * @return the hash
     */
    static long int8(long value, long seed) {
        int lo = (int) value;
        int hi = (int) (value >>> 32);
        lo ^= value >= 0 ? hi : ~hi;
        return uint32(lo, seed);
    }

    /**
     * {@code hash_numeric_extended} of a finite, non-zero numeric given by its base-10000 digits, most significant
     * first, without leading or trailing zero digits, and the weight of the first: the digits hashed as the
     * server's {@code int16} array in memory (little-endian), XOR the weight. (The sign is not part of it.)
     *
     * @param digits the digits, with as many bytes room as needed: {@code 2 * count}
     * @param count how many digits
     * @param weight the first digit's weight
     * @param seed the seed
     * @param scratch a buffer of at least {@code 2 * count} bytes
     * @return the hash
     */
    static long numeric(short[] digits, int count, int weight, long seed, byte[] scratch) {
        for (int i = 0; i < count; i++) {
            scratch[2 * i] = (byte) digits[i];
            scratch[2 * i + 1] = (byte) (digits[i] >> 8);
        }
        return bytes(scratch, 0, 2 * count, seed) ^ weight;
    }

    private static int le32(byte[] k, int p) {
        return (k[p] & 0xff) | (k[p + 1] & 0xff) << 8 | (k[p + 2] & 0xff) << 16 | (k[p + 3] & 0xff) << 24;
    }
}
