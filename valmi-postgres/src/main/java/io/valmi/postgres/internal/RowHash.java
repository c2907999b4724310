package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Select;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The hash of a row's mapped columns, the same in SQL ({@link #sql}) and, for a first sync, in Java ({@link Client}):
 * the XOR of one position-seeded 64-bit hash per column, each column hashed as what would be sent. See
 * {@code docs/internals.md#the-row-hash}.
 */
final class RowHash {
    /** The name recorded with a snapshot: a change of it makes every recorded hash incomparable. */
    static final String ALGORITHM = "xor(seeded column hashes)/v5";

    /** How a column is hashed, in SQL and on the client: the table in {@code docs/internals.md#the-row-hash}. */
    enum Kind {
        /** smallint, integer, bigint: by value, seeded with the value too. */
        INTEGER,
        /** boolean: by value. */
        BOOLEAN,
        /** uuid: by its 16 bytes. */
        UUID,
        /** text, varchar and values selected as text: by their bytes. */
        TEXT,
        /**
         * character(n): by its text with the trailing spaces removed, as its cast to text has it (the SQL is that of
         * {@link #PRINTED}; the client strips the padding of the bytes as received).
         */
        PADDED,
        /** numeric: by its digits, with sign and display scale (or NaN, ±Infinity) as a code. */
        NUMERIC,
        /** date: by its text form, which the client prints as the server does. */
        DATE,
        /** timestamp without time zone: as {@link #DATE}. */
        TIMESTAMP,
        /** timestamp with time zone: as {@link #DATE}. */
        TIMESTAMPTZ,
        /** Every other type: by its text form, printed by the server only. */
        PRINTED
    }

    private static final Pattern TIMESTAMP = Pattern.compile("timestamp(\\(\\d\\))? without time zone");
    private static final Pattern TIMESTAMPTZ = Pattern.compile("timestamp(\\(\\d\\))? with time zone");

    private RowHash() {
    }

    /**
     * How a column of a type is hashed.
     *
     * @param type the type as {@code format_type} prints it
     * @return the kind
     */
    static Kind kind(String type) {
        switch (type) {
            case "smallint":
            case "integer":
            case "bigint":
                return Kind.INTEGER;
            case "boolean":
                return Kind.BOOLEAN;
            case "uuid":
                return Kind.UUID;
            case "text":
                return Kind.TEXT;
            case "date":
                return Kind.DATE;
            default:
                if (type.endsWith("]")) {
                    return Kind.PRINTED;
                }
                if (type.equals("character varying") || type.startsWith("character varying(")) {
                    return Kind.TEXT;
                }
                if (type.equals("bpchar") || type.equals("character") || type.startsWith("character(")) {
                    return Kind.PADDED;
                }
                if (type.equals("numeric") || type.startsWith("numeric(")) {
                    return Kind.NUMERIC;
                }
                if (TIMESTAMP.matcher(type).matches()) {
                    return Kind.TIMESTAMP;
                }
                if (TIMESTAMPTZ.matcher(type).matches()) {
                    return Kind.TIMESTAMPTZ;
                }
                return Kind.PRINTED;
        }
    }

    /**
     * The seed of the column at a position (from 0). Part of {@link #ALGORITHM}: never change it.
     *
     * @param position the position
     * @return the seed
     */
    static long seed(int position) {
        return mix(2L * position + 1);
    }

    /**
     * What a NULL in the column at a position (from 0) contributes. Part of {@link #ALGORITHM}.
     *
     * @param position the position
     * @return the constant
     */
    static long nullHash(int position) {
        return mix(2L * position + 2);
    }

    /** SplitMix64's finalizer over a fixed offset: well-spread constants. */
    private static long mix(long x) {
        long z = x + 0x76616c6d69L * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The row hash in SQL.
     *
     * @param values the mapped columns' values, mapping order
     * @param types their types ({@code format_type}), same order; {@code text} for a value selected as text
     * @return the field, never NULL
     */
    static Field<Long> sql(List<? extends Field<?>> values, List<String> types) {
        if (values.isEmpty()) {
            return inline(0L);
        }
        Field<Long> row = DSL.coalesce(columnSql(values.get(0), types.get(0), seed(0)), inline(nullHash(0)));
        for (int i = 1; i < values.size(); i++) {
            Field<Long> part = DSL.coalesce(columnSql(values.get(i), types.get(i), seed(i)), inline(nullHash(i)));
            row = DSL.bitXor(row, part);
        }
        return row;
    }

    private static Field<Long> columnSql(Field<?> column, String type, long seed) {
        Field<Long> s = inline(seed);
        switch (kind(type)) {
            case INTEGER:
                Field<Long> v = column.cast(SQLDataType.BIGINT);
                return int8(v, DSL.bitXor(v, s));
            case BOOLEAN:
                return int8(column.cast(SQLDataType.INTEGER).cast(SQLDataType.BIGINT), s);
            case UUID:
                return DSL.function(name("pg_catalog", "uuid_hash_extended"), SQLDataType.BIGINT, column, s);
            case TEXT:
                return text(column, s);
            case NUMERIC:
                // Scale and sign, or which special value: hash_numeric_extended sees neither (it gives NaN and the
                // infinities the seed itself).
                Field<Integer> scale = DSL.function(name("pg_catalog", "scale"), SQLDataType.INTEGER, column);
                Field<BigDecimal> number = column.coerce(SQLDataType.NUMERIC);
                Field<BigDecimal> zero = inline(BigDecimal.ZERO);
                Field<Integer> code = DSL.coalesce(
                    DSL.when(number.lt(zero), inline(-1).minus(scale)).otherwise(scale),
                    DSL.when(number.eq(inline("NaN").cast(SQLDataType.NUMERIC)), inline(NAN_CODE))
                        .when(number.gt(zero), inline(INFINITY_CODE))
                        .otherwise(inline(MINUS_INFINITY_CODE)));
                return int8(code.cast(SQLDataType.BIGINT),
                    DSL.function(name("pg_catalog", "hash_numeric_extended"), SQLDataType.BIGINT, column, s));
            default:
                return text(column.cast(SQLDataType.CLOB), s);
        }
    }

    private static final int NAN_CODE = 100_000;
    private static final int INFINITY_CODE = 100_001;
    private static final int MINUS_INFINITY_CODE = 100_002;

    private static Field<Long> int8(Field<Long> value, Field<Long> seed) {
        return DSL.function(name("pg_catalog", "hashint8extended"), SQLDataType.BIGINT, value, seed);
    }

    /** A text's bytes hashed, whatever the column's collation (a case-insensitive one would hide changes). */
    private static Field<Long> text(Field<?> text, Field<Long> seed) {
        return DSL.function(name("pg_catalog", "hashtextextended"), SQLDataType.BIGINT,
            text.collate(name("C")), seed);
    }

    /**
     * Whether a first sync can hash rows of these column kinds in Java: none is {@link Kind#PRINTED}.
     *
     * @param kinds the kinds, mapping order
     * @return whether
     */
    static boolean clientHashable(List<Kind> kinds) {
        return !kinds.contains(Kind.PRINTED);
    }

    /**
     * Hashes rows in Java, for one batch on one thread (it keeps buffers).
     */
    static final class Client {
        private final Kind[] kinds;
        private final long[] seeds;
        private final long[] nullHashes;
        private byte[] buffer = new byte[64];
        private short[] digits = new short[16];

        /**
         * A hasher.
         *
         * @param kinds the columns' kinds, none {@link Kind#PRINTED}
         */
        Client(List<Kind> kinds) {
            this.kinds = kinds.toArray(new Kind[0]);
            this.seeds = new long[this.kinds.length];
            this.nullHashes = new long[this.kinds.length];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = seed(i);
                nullHashes[i] = nullHash(i);
            }
        }

        /**
         * The hash of a row.
         *
         * @param rs the result, on the row
         * @param firstColumn the result's column of the first mapped value (text columns are hashed by their bytes)
         * @param values the values as read ({@link ValueReaders}), mapping order
         * @return the hash
         * @throws SQLException on failure
         */
        long hash(ResultSet rs, int firstColumn, @Nullable Object[] values) throws SQLException {
            long h = 0;
            for (int i = 0; i < kinds.length; i++) {
                Object v = values[i];
                h ^= v == null ? nullHashes[i] : column(kinds[i], rs, firstColumn + i, v, seeds[i]);
            }
            return h;
        }

        long column(Kind kind, ResultSet rs, int column, Object v, long seed) throws SQLException {
            switch (kind) {
                case INTEGER:
                    long x = ((Number) v).longValue();
                    return PgHashes.int8(x, x ^ seed);
                case BOOLEAN:
                    return PgHashes.int8((Boolean) v ? 1 : 0, seed);
                case UUID:
                    UUID u = (UUID) v;
                    ensure(16);
                    putLong(buffer, 0, u.getMostSignificantBits());
                    putLong(buffer, 8, u.getLeastSignificantBits());
                    return PgHashes.bytes(buffer, 0, 16, seed);
                case TEXT:
                    byte[] bytes = rs.getBytes(column);
                    return PgHashes.bytes(bytes, 0, bytes.length, seed);
                case PADDED:
                    // (A space is never part of a multibyte UTF-8 character: stripping bytes strips characters.)
                    byte[] padded = rs.getBytes(column);
                    int end = padded.length;
                    while (end > 0 && padded[end - 1] == ' ') {
                        end--;
                    }
                    return PgHashes.bytes(padded, 0, end, seed);
                case NUMERIC:
                    return numeric(v, seed);
                case DATE:
                    int d = date((LocalDate) v);
                    return PgHashes.bytes(buffer, 0, d, seed);
                case TIMESTAMP:
                    int ts = timestamp((LocalDateTime) v, false);
                    return PgHashes.bytes(buffer, 0, ts, seed);
                case TIMESTAMPTZ:
                    OffsetDateTime t = (OffsetDateTime) v;
                    // ('infinity' and '-infinity' are MAX and MIN, whose local date-times are those of LocalDateTime.)
                    boolean finite = !t.equals(OffsetDateTime.MAX) && !t.equals(OffsetDateTime.MIN);
                    int tz = timestamp(t.toLocalDateTime(), finite);
                    return PgHashes.bytes(buffer, 0, tz, seed);
                default:
                    throw new IllegalStateException("Not hashed on the client: " + kind);
            }
        }

        private long numeric(Object v, long seed) {
            if (v instanceof Double) {
                double d = (Double) v;
                int code = Double.isNaN(d) ? NAN_CODE : d > 0 ? INFINITY_CODE : MINUS_INFINITY_CODE;
                return PgHashes.int8(code, seed);
            }
            BigDecimal n = (BigDecimal) v;
            if (n.scale() < 0) {
                n = n.setScale(0);
            }
            int scale = n.scale();
            int code = n.signum() < 0 ? -1 - scale : scale;
            if (n.signum() == 0) {
                return PgHashes.int8(code, seed - 1);
            }
            // Base-10000 digits, aligned on the decimal point: pad the fraction to a multiple of 4 decimal digits.
            int pad = (4 - scale % 4) % 4;
            int fractionDigits = (scale + pad) / 4;
            BigInteger unscaled = n.unscaledValue();
            int groups;
            if (unscaled.bitLength() < 50) {
                // (Times 10^3 at most: fits in a long.)
                long u = Math.abs(unscaled.longValue()) * POWERS_OF_TEN[pad];
                groups = 0;
                for (long x = u; x != 0; x /= 10_000) {
                    groups++;
                }
                if (digits.length < groups) {
                    digits = new short[groups];
                }
                for (int g = groups - 1; g >= 0; g--) {
                    digits[g] = (short) (u % 10_000);
                    u /= 10_000;
                }
            } else {
                String decimal = unscaled.abs().toString();
                int len = decimal.length() + pad;
                groups = (len + 3) / 4;
                if (digits.length < groups) {
                    digits = new short[groups];
                }
                // Group g (0: most significant) ends at decimal position len - 4 * (groups - g - 1).
                for (int g = 0; g < groups; g++) {
                    int end = len - 4 * (groups - g - 1);
                    int value = 0;
                    for (int p = end - 4; p < end; p++) {
                        int d = p >= 0 && p < decimal.length() ? decimal.charAt(p) - '0' : 0;
                        value = value * 10 + d;
                    }
                    digits[g] = (short) value;
                }
            }
            int count = groups;
            while (digits[count - 1] == 0) {
                count--;
            }
            int weight = groups - 1 - fractionDigits;
            ensure(2 * count);
            return PgHashes.int8(code, PgHashes.numeric(digits, count, weight, seed, buffer));
        }

        /**
         * Prints a date as PostgreSQL does (DateStyle ISO) into the buffer: {@code 2024-02-29},
         * {@code 0044-03-15 BC}, {@code infinity} ({@code MAX}), {@code -infinity} ({@code MIN}).
         *
         * @return how many bytes
         */
        int date(LocalDate d) {
            ensure(24);
            if (d.equals(LocalDate.MAX) || d.equals(LocalDate.MIN)) {
                return infinity(d.equals(LocalDate.MIN));
            }
            int n = date(d, 0);
            return d.getYear() <= 0 ? bc(n) : n;
        }

        /**
         * Prints a timestamp as PostgreSQL does (DateStyle ISO, TimeZone UTC) into the buffer:
         * {@code 2024-01-01 12:34:56.5+00}, {@code 0044-03-15 12:00:00 BC}, {@code infinity} ({@code MAX}).
         *
         * @param utc whether it is a timestamptz (printed with {@code +00})
         * @return how many bytes
         */
        int timestamp(LocalDateTime t, boolean utc) {
            ensure(40);
            if (t.equals(LocalDateTime.MAX) || t.equals(LocalDateTime.MIN)) {
                return infinity(t.equals(LocalDateTime.MIN));
            }
            int n = date(t.toLocalDate(), 0);
            buffer[n++] = ' ';
            n = two(t.getHour(), n);
            buffer[n++] = ':';
            n = two(t.getMinute(), n);
            buffer[n++] = ':';
            n = two(t.getSecond(), n);
            int micros = t.getNano() / 1000;
            if (micros != 0) {
                buffer[n++] = '.';
                int digits = 6;
                while (micros % 10 == 0) {
                    micros /= 10;
                    digits--;
                }
                for (int i = n + digits - 1; i >= n; i--) {
                    buffer[i] = (byte) ('0' + micros % 10);
                    micros /= 10;
                }
                n += digits;
            }
            if (utc) {
                buffer[n++] = '+';
                buffer[n++] = '0';
                buffer[n++] = '0';
            }
            return t.getYear() <= 0 ? bc(n) : n;
        }

        private int infinity(boolean minus) {
            byte[] text = minus ? MINUS_INFINITY : INFINITY;
            System.arraycopy(text, 0, buffer, 0, text.length);
            return text.length;
        }

        private int bc(int n) {
            buffer[n] = ' ';
            buffer[n + 1] = 'B';
            buffer[n + 2] = 'C';
            return n + 3;
        }

        /** {@code YYYY-MM-DD} at {@code at} (at least four year digits; BC years counted from 1); the end. */
        private int date(LocalDate d, int at) {
            int year = d.getYear();
            int y = year <= 0 ? 1 - year : year;
            int digits = 4;
            for (int p = 10_000; p <= y; p *= 10) {
                digits++;
            }
            int n = at + digits;
            for (int i = n - 1; i >= at; i--) {
                buffer[i] = (byte) ('0' + y % 10);
                y /= 10;
            }
            buffer[n++] = '-';
            n = two(d.getMonthValue(), n);
            buffer[n++] = '-';
            return two(d.getDayOfMonth(), n);
        }

        private int two(int v, int at) {
            buffer[at] = (byte) ('0' + v / 10);
            buffer[at + 1] = (byte) ('0' + v % 10);
            return at + 2;
        }

        private void ensure(int n) {
            if (buffer.length < n) {
                buffer = new byte[Math.max(n, 2 * buffer.length)];
            }
        }

        private static void putLong(byte[] b, int at, long v) {
            for (int i = 7; i >= 0; i--) {
                b[at + 7 - i] = (byte) (v >>> (8 * i));
            }
        }
    }

    private static final byte[] INFINITY = "infinity".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MINUS_INFINITY = "-infinity".getBytes(StandardCharsets.US_ASCII);
    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1000};

    /**
     * The probes of a run-time check: for each client-hashed kind among the mapped columns, values whose hash the
     * server computes in SQL and the client in Java; a first sync hashes on the client only if all agree (a
     * big-endian server, another encoding than UTF8, another way of printing would not).
     *
     * @param kinds the mapped columns' kinds
     * @return the probes
     */
    static List<Probe> probes(List<Kind> kinds) {
        List<Probe> probes = new ArrayList<>();
        for (Kind kind : kinds.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(kinds)) {
            switch (kind) {
                case INTEGER:
                    for (String v : List.of("0", "1", "-1", "2147483647", "-2147483648", "4294967297",
                        "9223372036854775807", "-9223372036854775808", "1733480000000")) {
                        probes.add(new Probe(v, SQLDataType.BIGINT, "bigint"));
                    }
                    break;
                case BOOLEAN:
                    probes.add(new Probe("true", SQLDataType.BOOLEAN, "boolean"));
                    probes.add(new Probe("false", SQLDataType.BOOLEAN, "boolean"));
                    break;
                case UUID:
                    probes.add(new Probe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", SQLDataType.UUID, "uuid"));
                    probes.add(new Probe("00000000-0000-0000-0000-000000000000", SQLDataType.UUID, "uuid"));
                    break;
                case TEXT:
                    for (String v : List.of("", "a", "abcdefghijk", "abcdefghijkl", "Gr\u00fc\u00dfe, \u6771\u4eac \uD83D\uDE00 tab\t",
                        "0123456789012345678901234567890123456789")) {
                        probes.add(new Probe(v, SQLDataType.CLOB, "text"));
                    }
                    break;
                case PADDED:
                    for (String v : List.of("", "a", "a b ", "abcdefghijkl", "Gr\u00fc\u00dfe \u6771\u4eac \uD83D\uDE00")) {
                        probes.add(new Probe(v, SQLDataType.CHAR(16), "character(16)"));
                    }
                    break;
                case NUMERIC:
                    for (String v : List.of("0", "0.00", "5.00", "-5.00", "12345.6789", "0.0001", "-0.00010",
                        "100000000000000000000", "-123456789012345678901234567890.123456789", "1e-20", "NaN")) {
                        probes.add(new Probe(v, SQLDataType.NUMERIC, "numeric"));
                    }
                    break;
                case DATE:
                    for (String v : List.of("2024-02-29", "0001-01-01", "0044-03-15 BC", "10000-01-01", "infinity",
                        "-infinity")) {
                        probes.add(new Probe(v, SQLDataType.DATE, "date"));
                    }
                    break;
                case TIMESTAMP:
                case TIMESTAMPTZ:
                    for (String v : List.of("2024-01-01 00:00:00", "2024-01-01 12:34:56.5", "1999-12-31 23:59:59.000001",
                        "0044-03-15 12:00:00.25 BC", "20000-01-01 00:00:00", "infinity", "-infinity")) {
                        probes.add(kind == Kind.TIMESTAMP
                            ? new Probe(v, SQLDataType.LOCALDATETIME, "timestamp without time zone")
                            : new Probe(v, SQLDataType.OFFSETDATETIME, "timestamp with time zone"));
                    }
                    break;
                default:
                    break;
            }
        }
        return probes;
    }

    /**
     * A value to check.
     *
     * @param literal its text
     * @param type the type to cast it to
     * @param typeName that type as {@code format_type} prints it
     */
    record Probe(String literal, DataType<?> type, String typeName) {
    }

    /**
     * One row: for each probe its value and the server's hash of it (as the column at position 0).
     *
     * @param probes the probes
     * @return the query
     */
    static Select<?> probeQuery(List<Probe> probes) {
        List<SelectField<?>> fields = new ArrayList<>();
        for (Probe p : probes) {
            Field<?> value = DSL.inline(p.literal()).cast(p.type());
            fields.add(value);
            fields.add(columnSql(value, p.typeName(), seed(0)));
        }
        return DSL.select(fields);
    }

    /**
     * Whether the client computes the same hashes as the server did in {@link #probeQuery}.
     *
     * @param rs the result, on its row
     * @param probes the probes, same order
     * @return whether all agree
     * @throws SQLException on failure
     */
    static boolean agrees(ResultSet rs, List<Probe> probes) throws SQLException {
        for (int i = 0; i < probes.size(); i++) {
            int column = 2 * i + 1;
            Kind kind = kind(probes.get(i).typeName());
            Object value = ValueReaders.reader(rs.getMetaData().getColumnTypeName(column)).read(rs, column);
            long java = value == null ? nullHash(0) : new Client(List.of(kind)).column(kind, rs, column, value, seed(0));
            if (java != rs.getLong(column + 1)) {
                return false;
            }
        }
        return true;
    }
}
