package io.valmi.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamCastMode;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.conf.StatementType;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The one place where SQL is rendered (by jOOQ, with every identifier quoted) and executed (through plain JDBC,
 * so that the library controls transactions, fetch sizes and how values are bound).
 */
public final class Sql {
    private static final Settings SETTINGS = new Settings()
        .withRenderQuotedNames(RenderQuotedNames.ALWAYS)
        .withParamCastMode(ParamCastMode.NEVER)
        .withStatementType(StatementType.PREPARED_STATEMENT)
        .withExecuteLogging(false)
        .withRenderFormatted(false);

    /** A jOOQ context without a connection: for rendering only. */
    public static final DSLContext JOOQ = DSL.using(SQLDialect.POSTGRES, SETTINGS);

    private Sql() {
    }

    /**
     * A value bound without a type (pgjdbc's {@code Types.OTHER}): the server parses the text with the input
     * function of the type the context needs (the key column's type, an array of it, ...). This is how keys of
     * any type travel as their exact text form.
     *
     * @param text the value's text form
     */
    public record Untyped(String text) {
    }

    /**
     * A bind parameter of unspecified type.
     *
     * @param text the value's text form
     * @return the parameter
     */
    public static Field<Object> untyped(String text) {
        return DSL.val(new Untyped(text), SQLDataType.OTHER);
    }

    /**
     * {@code field = ANY(?)}: one array of the values' text forms, bound {@linkplain #untyped(String) untyped}, so
     * that the server reads it as an array of the field's type. One bind value and the same SQL text for any number
     * of values.
     *
     * @param field the field
     * @param texts the text forms of the values
     * @return the condition
     */
    public static Condition inTexts(Field<?> field, List<String> texts) {
        return DSL.condition("{0} = ANY({1})", field, untyped(arrayLiteral(texts, Object::toString)));
    }

    /**
     * The PostgreSQL array literal of some values, e.g. {@code {"1",NULL,"a \"b\""}}: every element quoted and
     * escaped, {@code null} as {@code NULL}, nested collections as nested braces.
     *
     * @param elements the elements
     * @param text the text form of an element that is neither {@code null} nor a collection
     * @return the literal, to be bound {@linkplain #untyped(String) untyped}
     */
    public static String arrayLiteral(Collection<?> elements, Function<Object, String> text) {
        StringBuilder literal = new StringBuilder(elements.size() * 8 + 2);
        appendArray(literal, elements, text);
        return literal.toString();
    }

    private static void appendArray(StringBuilder literal, Collection<?> elements, Function<Object, String> text) {
        literal.append('{');
        boolean first = true;
        for (Object e : elements) {
            if (!first) {
                literal.append(',');
            }
            first = false;
            if (e == null) {
                literal.append("NULL");
            } else if (e instanceof Collection) {
                appendArray(literal, (Collection<?>) e, text);
            } else {
                String t = text.apply(e);
                literal.append('"');
                for (int j = 0; j < t.length(); j++) {
                    char ch = t.charAt(j);
                    if (ch == '"' || ch == '\\') {
                        literal.append('\\');
                    }
                    literal.append(ch);
                }
                literal.append('"');
            }
        }
        literal.append('}');
    }

    /**
     * A qualified, quoted name.
     *
     * @param parts the parts
     * @return the name
     */
    public static Name name(String... parts) {
        return DSL.quotedName(parts);
    }

    /**
     * Renders a query to SQL with {@code ?} placeholders.
     *
     * @param query the query
     * @return the SQL
     */
    public static String render(Query query) {
        return JOOQ.render(query);
    }

    /**
     * Renders a query with its values inlined, for scripts meant for people.
     *
     * @param query the query
     * @return the SQL
     */
    public static String renderInlined(Query query) {
        return JOOQ.renderInlined(query);
    }

    /**
     * Prepares a query and binds its values.
     *
     * @param connection the connection
     * @param query the query
     * @return the prepared statement; the caller closes it
     * @throws SQLException when preparing fails
     */
    public static PreparedStatement prepare(Connection connection, Query query) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(render(query));
        try {
            int i = 1;
            for (Param<?> param : JOOQ.extractParams(query).values()) {
                if (param.isInline()) {
                    continue;
                }
                bind(ps, i++, param.getValue());
            }
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
        return ps;
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value instanceof Untyped) {
            ps.setObject(index, ((Untyped) value).text(), Types.OTHER);
        } else if (value == null) {
            ps.setNull(index, Types.NULL);
        } else {
            ps.setObject(index, value);
        }
    }

    /**
     * Executes a statement.
     *
     * @param connection the connection
     * @param query the statement
     * @return the update count
     * @throws SQLException when it fails
     */
    public static long execute(Connection connection, Query query) throws SQLException {
        try (PreparedStatement ps = prepare(connection, query)) {
            return ps.executeLargeUpdate();
        }
    }

    /** Maps one row of a result. */
    @FunctionalInterface
    public interface RowMapper<T> {
        /**
         * Maps the current row.
         *
         * @param rs the result positioned on a row
         * @return the value
         * @throws SQLException when reading fails
         */
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * Runs a query and maps every row.
     *
     * @param connection the connection
     * @param query the query
     * @param mapper maps a row
     * @param <T> the mapped type
     * @return the rows
     * @throws SQLException when it fails
     */
    public static <T> List<T> fetch(Connection connection, Query query, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement ps = prepare(connection, query); ResultSet rs = ps.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
            return out;
        }
    }
}
