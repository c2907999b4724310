package io.valmi.postgres.internal;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PGobject;

/**
 * Reads column values as the documented Java types. One {@link Reader} per column is chosen once per result
 * (from the column's PostgreSQL type name), so that no decision is made per row. A value reads the same whether
 * pgjdbc received it as text or, from a statement's {@code prepareThreshold}-th execution on a connection, in binary
 * form.
 *
 * <table>
 *   <caption>PostgreSQL type to Java type</caption>
 *   <tr><td>smallint, integer</td><td>Integer</td></tr>
 *   <tr><td>bigint</td><td>Long</td></tr>
 *   <tr><td>numeric</td><td>BigDecimal (scale kept); {@code NaN} and the infinities as the Double ones</td></tr>
 *   <tr><td>real, double precision</td><td>Float, Double</td></tr>
 *   <tr><td>boolean</td><td>Boolean</td></tr>
 *   <tr><td>date, time, timetz</td><td>LocalDate (with {@code infinity} and {@code -infinity} as {@code MAX} and
 *       {@code MIN}), LocalTime, OffsetTime (offset kept); {@code 24:00:00} as {@link LocalTime#MAX} (at its
 *       offset for timetz)</td></tr>
 *   <tr><td>timestamp, timestamptz</td><td>LocalDateTime, OffsetDateTime (UTC); microseconds kept; {@code infinity}
 *       and {@code -infinity} as the types' {@code MAX} and {@code MIN}</td></tr>
 *   <tr><td>uuid</td><td>UUID</td></tr>
 *   <tr><td>bytea</td><td>byte[]</td></tr>
 *   <tr><td>arrays</td><td>List (unmodifiable, elements converted likewise, NULL elements kept)</td></tr>
 *   <tr><td>everything else (text, varchar, char, json, jsonb, enums, inet, interval, ...)</td>
 *       <td>String, as PostgreSQL prints it (interval in ISO 8601); point and box, which pgjdbc would print itself
 *       from their binary form, are selected as text ({@code PlanTable}, {@code FirstSyncSql})</td></tr>
 * </table>
 */
final class ValueReaders {
    private static final String END_OF_DAY = "24:00:00";
    private static final long END_OF_DAY_MICROS = 86_400_000_000L;

    private ValueReaders() {
    }

    /** Reads one column of the current row. */
    @FunctionalInterface
    public interface Reader {
        /**
         * Reads.
         *
         * @param rs the result, on a row
         * @param column the column, from 1
         * @return the value, {@code null} for NULL
         * @throws SQLException on failure
         */
        @Nullable Object read(ResultSet rs, int column) throws SQLException;
    }

    /**
     * The readers of columns {@code from} to {@code to} of a result.
     *
     * @param meta the result's metadata
     * @param from first column, from 1
     * @param to last column, inclusive
     * @return one reader per column
     * @throws SQLException on failure
     */
    public static Reader[] readers(ResultSetMetaData meta, int from, int to) throws SQLException {
        Reader[] readers = new Reader[to - from + 1];
        for (int i = from; i <= to; i++) {
            readers[i - from] = reader(meta.getColumnTypeName(i));
        }
        return readers;
    }

    /**
     * The reader for a PostgreSQL type name as pgjdbc reports it ({@code int4}, {@code _text}, ...).
     *
     * @param type the type name
     * @return the reader
     */
    public static Reader reader(String type) {
        switch (type) {
            case "int2":
            case "int4":
                return (rs, i) -> {
                    int v = rs.getInt(i);
                    return rs.wasNull() ? null : v;
                };
            case "int8":
                return (rs, i) -> {
                    long v = rs.getLong(i);
                    return rs.wasNull() ? null : v;
                };
            case "numeric":
                return ValueReaders::numeric;
            case "float4":
                return (rs, i) -> {
                    float v = rs.getFloat(i);
                    return rs.wasNull() ? null : v;
                };
            case "float8":
                return (rs, i) -> {
                    double v = rs.getDouble(i);
                    return rs.wasNull() ? null : v;
                };
            case "bool":
                return (rs, i) -> {
                    boolean v = rs.getBoolean(i);
                    return rs.wasNull() ? null : v;
                };
            case "date":
                return (rs, i) -> rs.getObject(i, LocalDate.class);
            case "time":
                return (rs, i) -> rs.getObject(i, LocalTime.class);
            case "timetz":
                return ValueReaders::timetz;
            case "timestamp":
                return (rs, i) -> rs.getObject(i, LocalDateTime.class);
            case "timestamptz":
                return (rs, i) -> {
                    OffsetDateTime v = rs.getObject(i, OffsetDateTime.class);
                    if (v == null || v.equals(OffsetDateTime.MAX) || v.equals(OffsetDateTime.MIN)) {
                        return v; // 'infinity' and '-infinity' (pgjdbc's MAX and MIN; no UTC equivalent exists)
                    }
                    return v.withOffsetSameInstant(ZoneOffset.UTC);
                };
            case "uuid":
                return (rs, i) -> rs.getObject(i, UUID.class);
            case "bytea":
                return ResultSet::getBytes;
            default:
                if (type.startsWith("_") && BY_ELEMENT_READER.contains(type.substring(1))) {
                    return (rs, i) -> {
                        Array array = rs.getArray(i);
                        if (array == null) {
                            return null;
                        }
                        try {
                            return elements(array);
                        } finally {
                            array.free();
                        }
                    };
                }
                if (type.startsWith("_")) {
                    String element = type.substring(1);
                    return (rs, i) -> {
                        Array array = rs.getArray(i);
                        if (array == null) {
                            return null;
                        }
                        try {
                            return toList(array.getArray(), element);
                        } finally {
                            array.free();
                        }
                    };
                }
                return ResultSet::getString;
        }
    }

    /**
     * Element types whose arrays are read element by element with the element type's own {@link #reader} (pgjdbc's
     * {@code Array.getArray()} converts them through {@code java.sql} types: infinity, BC dates, dates of the Julian
     * calendar and {@code 24:00} came out wrong, and a {@code NaN} numeric failed the run).
     */
    private static final Set<String> BY_ELEMENT_READER = Set.of("date", "time", "timetz",
        "timestamp", "timestamptz", "numeric");

    /** An array's elements, each read as a value of its type is (nested arrays as lists). */
    private static List<@Nullable Object> elements(Array array) throws SQLException {
        List<@Nullable Object> list = new ArrayList<>();
        try (ResultSet elements = array.getResultSet()) {
            // Column 1: the index; column 2: the element (for an array of arrays, an array).
            Reader reader = null;
            while (elements.next()) {
                if (reader == null) {
                    reader = reader(elements.getMetaData().getColumnTypeName(2));
                }
                list.add(reader.read(elements, 2));
            }
        }
        return Collections.unmodifiableList(list);
    }

    /** A numeric as BigDecimal; NaN and the infinities (no BigDecimal can hold them) as the Double ones. */
    private static @Nullable Object numeric(ResultSet rs, int i) throws SQLException {
        try {
            return rs.getBigDecimal(i);
        } catch (SQLException e) {
            String text = rs.getString(i);
            switch (text == null ? "" : text) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    throw e;
            }
        }
    }

    /**
     * A timetz; {@code 24:00:00} as {@link LocalTime#MAX} at its offset, as pgjdbc reads a time: pgjdbc reads it as
     * {@link OffsetTime#MAX} (offset -18:00) from the text form and fails on the binary form.
     */
    private static @Nullable Object timetz(ResultSet rs, int i) throws SQLException {
        OffsetTime v;
        try {
            v = rs.getObject(i, OffsetTime.class);
        } catch (DateTimeException e) {
            // The binary form: microseconds of the day, then the offset in seconds west of UTC.
            ByteBuffer binary = ByteBuffer.wrap(rs.getBytes(i));
            if (binary.remaining() != 12 || binary.getLong() != END_OF_DAY_MICROS) {
                throw e;
            }
            return OffsetTime.of(LocalTime.MAX, ZoneOffset.ofTotalSeconds(-binary.getInt()));
        }
        if (OffsetTime.MAX.equals(v)) {
            // (No timetz value is MAX: its precision is microseconds, its offsets at most 15:59.)
            String text = rs.getString(i);
            return OffsetTime.of(LocalTime.MAX, ZoneOffset.of(text.substring(END_OF_DAY.length())));
        }
        return v;
    }

    private static List<@Nullable Object> toList(Object array, String element) {
        Object[] items = (Object[]) array;
        List<@Nullable Object> list = new ArrayList<>(items.length);
        for (Object item : items) {
            list.add(element(item, element));
        }
        return Collections.unmodifiableList(list);
    }

    private static @Nullable Object element(@Nullable Object item, String element) {
        if (item == null) {
            return null;
        }
        if (item instanceof Object[]) {
            return toList(item, element);
        }
        if (item instanceof Timestamp) {
            Timestamp ts = (Timestamp) item;
            return element.equals("timestamptz") ? ts.toInstant().atOffset(ZoneOffset.UTC) : ts.toLocalDateTime();
        }
        if (item instanceof Date) {
            return ((Date) item).toLocalDate();
        }
        if (item instanceof Time) {
            return ((Time) item).toLocalTime();
        }
        if (item instanceof PGobject) {
            return ((PGobject) item).getValue();
        }
        if (item instanceof Short) {
            return ((Short) item).intValue();
        }
        if (element.equals("numeric") && !(item instanceof BigDecimal)) {
            return new BigDecimal(item.toString());
        }
        return item;
    }
}
