package io.valmi.postgres.internal;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.temporal.ChronoField;
import java.time.temporal.Temporal;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * Binds the values a source delivers to statements, and picks column types for a table created from them.
 *
 * <p>Text (including JSON, enum labels, inet and ISO-8601 intervals, which sources deliver as {@code String}) and
 * arrays are bound as {@linkplain Sql#untyped(String) untyped} parameters, so that PostgreSQL reads them with the
 * input function of the target column: the same string fills a {@code text}, {@code jsonb}, enum or {@code inet}
 * column. {@code java.time} values go the same way as ISO-8601 text. Numbers, booleans, UUIDs and byte arrays are
 * bound with their own type ({@link #bind}), or as their text form where a statement needs every value untyped
 * ({@link #bindText}).
 */
final class ValueBinders {
    private static final HexFormat HEX = HexFormat.of();

    private ValueBinders() {
    }

    /**
     * A bind value for one value: typed when {@link #typedClass} says so, else untyped text.
     *
     * @param value the value, as a source delivers it
     * @return a field that renders a bind parameter, or {@code NULL}
     */
    static Field<?> bind(@Nullable Object value) {
        if (value == null) {
            return DSL.inline((Object) null);
        }
        return typedClass(value) != null ? DSL.val(value) : Sql.untyped(text(value));
    }

    /**
     * An untyped bind value of a value's text form, whatever its Java type.
     *
     * @param value the value, as a source delivers it
     * @return a field that renders a bind parameter, or {@code NULL}
     */
    static Field<?> bindText(@Nullable Object value) {
        return value == null ? DSL.inline((Object) null) : Sql.untyped(text(value));
    }

    /**
     * The class of a value that {@link #bind} binds with its own type (numbers, booleans, UUIDs, byte arrays, ...).
     *
     * @param value a value
     * @return its class, or {@code null} for {@code null} and for values bound untyped (text, lists, {@code java.time})
     */
    static @Nullable Class<?> typedClass(@Nullable Object value) {
        return value == null || value instanceof String || value instanceof Collection || value instanceof Temporal
            ? null : value.getClass();
    }

    /**
     * The text form of a value, as PostgreSQL's input functions read it.
     *
     * @param value a value
     * @return byte arrays in hex ({@code \x00ff}), decimals without exponent, {@code java.time} values in ISO 8601
     *     (see {@link #isoText}), lists as array literals, everything else by {@code toString()}
     */
    static String text(Object value) {
        if (value instanceof String) {
            return (String) value;
        } else if (value instanceof Collection) {
            return Sql.arrayLiteral((Collection<?>) value, ValueBinders::text);
        } else if (value instanceof Temporal) {
            return isoText((Temporal) value);
        } else if (value instanceof byte[]) {
            return "\\x" + HEX.formatHex((byte[]) value);
        } else if (value instanceof BigDecimal) {
            return ((BigDecimal) value).toPlainString();
        }
        return value.toString();
    }

    /**
     * ISO-8601 text of a {@code java.time} value in the form PostgreSQL reads: the proleptic Gregorian calendar of
     * both (binding through {@code java.sql.Date} or {@code Timestamp} would shift dates before 1582-10-15 by the
     * Julian calendar), no {@code +} before years past 9999, and years before 1 as PostgreSQL's {@code BC} years
     * (ISO year 0 is 1 BC, -44 is 45 BC), which it reads in no other form.
     */
    private static String isoText(Temporal value) {
        if (value.equals(OffsetDateTime.MAX) || value.equals(LocalDateTime.MAX) || value.equals(LocalDate.MAX)) {
            return "infinity"; // how the PostgreSQL source delivers 'infinity'
        }
        if (value.equals(OffsetDateTime.MIN) || value.equals(LocalDateTime.MIN) || value.equals(LocalDate.MIN)) {
            return "-infinity";
        }
        String text = value.toString();
        if (value.isSupported(ChronoField.ERA) && value.get(ChronoField.ERA) == 0) {
            // "-0044-03-15T10:00+01:00" is "0045-03-15T10:00+01:00 BC": the year of the era replaces the year.
            return String.format(Locale.ROOT, "%04d", value.get(ChronoField.YEAR_OF_ERA))
                + text.substring(text.indexOf('-', 1)) + " BC";
        }
        return text.startsWith("+") ? text.substring(1) : text;
    }

    /**
     * The column type for values of a Java type, for tables created by the destination.
     *
     * @param sample a non-null value of the column, or {@code null} when the column had none
     * @return the type; {@code text} for {@code null} and unknown types
     */
    static DataType<?> columnType(@Nullable Object sample) {
        if (sample instanceof Collection) {
            Object element = null;
            for (Object e : (Collection<?>) sample) {
                if (e != null) {
                    element = e;
                    break;
                }
            }
            return columnType(element).getArrayDataType();
        }
        if (sample instanceof Integer) {
            return SQLDataType.INTEGER;
        } else if (sample instanceof Long) {
            return SQLDataType.BIGINT;
        } else if (sample instanceof Short) {
            return SQLDataType.SMALLINT;
        } else if (sample instanceof BigDecimal) {
            return SQLDataType.NUMERIC;
        } else if (sample instanceof Float) {
            return SQLDataType.REAL;
        } else if (sample instanceof Double) {
            return SQLDataType.DOUBLE;
        } else if (sample instanceof Boolean) {
            return SQLDataType.BOOLEAN;
        } else if (sample instanceof LocalDate) {
            return SQLDataType.LOCALDATE;
        } else if (sample instanceof LocalTime) {
            return SQLDataType.LOCALTIME(6);
        } else if (sample instanceof OffsetTime) {
            return SQLDataType.OFFSETTIME(6);
        } else if (sample instanceof LocalDateTime) {
            return SQLDataType.LOCALDATETIME(6);
        } else if (sample instanceof OffsetDateTime) {
            return SQLDataType.OFFSETDATETIME(6);
        } else if (sample instanceof UUID) {
            return SQLDataType.UUID;
        } else if (sample instanceof byte[]) {
            return SQLDataType.BLOB;
        }
        return SQLDataType.CLOB;
    }
}
