package io.valmi.postgres.internal.destination;

import java.math.BigDecimal;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.temporal.Temporal;
import java.util.Collection;
import java.util.HexFormat;
import java.util.UUID;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.BindingGetSQLInputContext;
import org.jooq.BindingGetStatementContext;
import org.jooq.BindingRegisterContext;
import org.jooq.BindingSQLContext;
import org.jooq.BindingSetSQLOutputContext;
import org.jooq.BindingSetStatementContext;
import org.jooq.Converter;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * Binds the values a source delivers to statements, and picks column types for a table created from them.
 *
 * <p>Text (including JSON, enum labels, inet and ISO-8601 intervals, which sources deliver as {@code String}) and
 * arrays are bound as <em>untyped</em> parameters ({@code Types.OTHER}), so that PostgreSQL reads them with the
 * input function of the target column: the same string fills a {@code text}, {@code jsonb}, enum or
 * {@code inet} column. {@code java.time} values go the same way as ISO-8601 text. Numbers, booleans, UUIDs and
 * byte arrays are bound with their own type.
 */
public final class Values {
    /** Text sent as an untyped parameter. */
    static final DataType<String> UNTYPED_TEXT = SQLDataType.OTHER.asConvertedDataType(new UntypedTextBinding());

    private Values() {
    }

    /**
     * A bind value for one value.
     *
     * @param value the value, as a source delivers it
     * @return a field that renders a bind parameter
     */
    public static Field<?> bind(@Nullable Object value) {
        if (value == null) {
            return DSL.inline((Object) null);
        }
        if (value instanceof String) {
            return DSL.val((String) value, UNTYPED_TEXT);
        }
        if (value instanceof Collection) {
            return DSL.val(arrayLiteral((Collection<?>) value), UNTYPED_TEXT);
        }
        if (value instanceof Temporal) {
            return DSL.val(isoText(value), UNTYPED_TEXT);
        }
        return DSL.val(value);
    }

    /**
     * ISO-8601 text of a {@code java.time} value in the form PostgreSQL reads: the proleptic Gregorian calendar of
     * both (binding through {@code java.sql.Date} or {@code Timestamp} would shift dates before 1582-10-15 by the
     * Julian calendar), no {@code +} before years past 9999.
     */
    private static String isoText(Object value) {
        if (value.equals(OffsetDateTime.MAX) || value.equals(LocalDateTime.MAX) || value.equals(LocalDate.MAX)) {
            return "infinity"; // how the PostgreSQL source delivers 'infinity'
        }
        if (value.equals(OffsetDateTime.MIN) || value.equals(LocalDateTime.MIN) || value.equals(LocalDate.MIN)) {
            return "-infinity";
        }
        String text = value.toString();
        return text.startsWith("+") ? text.substring(1) : text;
    }

    /**
     * The column type for values of a Java type, for tables created by the destination.
     *
     * @param sample a non-null value of the column, or {@code null} when the column had none
     * @return the type; {@code text} for {@code null} and unknown types
     */
    public static DataType<?> columnType(@Nullable Object sample) {
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

    /**
     * The PostgreSQL array literal of a list: {@code {1,NULL,"a \"b\""}}, nested lists as nested braces.
     *
     * @param list the elements
     * @return the literal
     */
    static String arrayLiteral(Collection<?> list) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Object e : list) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (e == null) {
                sb.append("NULL");
            } else if (e instanceof Collection) {
                sb.append(arrayLiteral((Collection<?>) e));
            } else {
                String text = e instanceof byte[] ? "\\x" + HexFormat.of().formatHex((byte[]) e)
                    : e instanceof BigDecimal ? ((BigDecimal) e).toPlainString()
                    : e instanceof Temporal ? isoText(e) : e.toString();
                sb.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }

    /** Renders a plain {@code ?} and binds the text with {@code Types.OTHER}: pgjdbc sends it untyped. */
    private static final class UntypedTextBinding implements Binding<Object, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public Converter<Object, String> converter() {
            return Converter.ofNullable(Object.class, String.class, Object::toString, s -> s);
        }

        @Override
        public void sql(BindingSQLContext<String> ctx) {
            if (ctx.render().paramType() == org.jooq.conf.ParamType.INLINED) {
                ctx.render().visit(DSL.inline(ctx.value(), SQLDataType.CLOB));
            } else {
                ctx.render().sql(ctx.variable());
            }
        }

        @Override
        public void register(BindingRegisterContext<String> ctx) throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("untyped text is only bound, never read");
        }

        @Override
        public void set(BindingSetStatementContext<String> ctx) throws java.sql.SQLException {
            if (ctx.value() == null) {
                ctx.statement().setNull(ctx.index(), Types.OTHER);
            } else {
                ctx.statement().setObject(ctx.index(), ctx.value(), Types.OTHER);
            }
        }

        @Override
        public void set(BindingSetSQLOutputContext<String> ctx) throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("untyped text is only bound to statements");
        }

        @Override
        public void get(BindingGetResultSetContext<String> ctx) throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("untyped text is only bound, never read");
        }

        @Override
        public void get(BindingGetStatementContext<String> ctx) throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("untyped text is only bound, never read");
        }

        @Override
        public void get(BindingGetSQLInputContext<String> ctx) throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("untyped text is only bound, never read");
        }
    }
}
