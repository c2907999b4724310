package io.valmi.postgres.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/**
 * The one place where SQL is rendered (by jOOQ, with every identifier quoted) and executed (through plain JDBC,
 * so that the library controls transactions, fetch sizes and how values are bound).
 */
final class Sql {
    private static final Settings SETTINGS = new Settings()
        .withRenderQuotedNames(RenderQuotedNames.ALWAYS)
        .withParamCastMode(ParamCastMode.NEVER)
        .withStatementType(StatementType.PREPARED_STATEMENT)
        .withExecuteLogging(false)
        .withRenderFormatted(false);

    /** The system properties with which jOOQ skips its logo and its "tip of the day". */
    private static final List<String> BANNER_OFF = List.of("org.jooq.no-logo", "org.jooq.no-tips");

    /** A jOOQ context without a connection: for rendering only. */
    public static final DSLContext JOOQ = withoutBanner(DSL.using(SQLDialect.POSTGRES, SETTINGS));

    /**
     * Renders once with jOOQ's logo and tip turned off, so that the library puts neither into its users' INFO logs.
     * jOOQ logs both (logger {@code org.jooq.Constants}) once per class loader, when it first renders anything, unless
     * {@link #BANNER_OFF} are set then; no {@code Settings} turns them off. Each property the application has not set
     * is set for this one rendering and removed at once: the application's own jOOQ configuration stays as it was (an
     * application whose own jOOQ renders first sees jOOQ's banner as before).
     */
    private static DSLContext withoutBanner(DSLContext jooq) {
        List<String> setHere = new ArrayList<>(BANNER_OFF.size());
        try {
            for (String property : BANNER_OFF) {
                if (System.getProperty(property) == null) {
                    System.setProperty(property, "true");
                    setHere.add(property);
                }
            }
        } catch (SecurityException e) {
            // Only under a security manager that forbids it: jOOQ then logs its banner as it would anyway.
        }
        try {
            jooq.render(DSL.selectOne());
        } finally {
            setHere.forEach(System::clearProperty);
        }
        return jooq;
    }

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
        return PgTemplates.equalsAny(field, untyped(arrayLiteral(texts, Object::toString)));
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
        return prepare(connection, query, false);
    }

    /**
     * As {@link #prepare(Connection, Query)}, optionally for a scrollable result (pgjdbc then reads every row before
     * {@code executeQuery} returns: for results of bounded size whose last row is wanted first).
     *
     * @param connection the connection
     * @param query the query
     * @param scrollable whether the result is {@code TYPE_SCROLL_INSENSITIVE}
     * @return the statement
     * @throws SQLException on failure
     */
    public static PreparedStatement prepare(Connection connection, Query query, boolean scrollable)
        throws SQLException {
        PreparedStatement ps = scrollable
            ? connection.prepareStatement(render(query), ResultSet.TYPE_SCROLL_INSENSITIVE,
                ResultSet.CONCUR_READ_ONLY)
            : connection.prepareStatement(render(query));
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

    /**
     * Runs a query for what it does (e.g. {@code SELECT set_config(...)}), not for its rows.
     *
     * @param connection the connection
     * @param query the query
     * @throws SQLException on failure
     */
    static void select(Connection connection, Query query) throws SQLException {
        try (PreparedStatement ps = prepare(connection, query); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                // (Its rows are not needed.)
            }
        }
    }

    /**
     * Rows for {@code COPY ... FROM STDIN} in text format, built in memory: values tab-separated, rows ended by a
     * newline, {@code null} as {@code \N}, backslash, tab, newline and carriage return escaped. ValueReaders come as the
     * UTF-8 bytes of their text forms (pgjdbc's client encoding), so nothing is decoded and encoded again.
     */
    public static final class CopyText implements CopyRows {
        private byte[] bytes;
        private int size;
        private boolean firstInRow = true;

        /**
         * Empty rows.
         *
         * @param expectedBytes how many bytes the rows will likely take (the buffer grows beyond if needed)
         */
        public CopyText(int expectedBytes) {
            bytes = new byte[Math.max(expectedBytes, 256)];
        }

        /**
         * Adds a value to the current row.
         *
         * @param utf8 the UTF-8 bytes of the value's text form, or {@code null}
         * @return this
         */
        public CopyText add(byte @Nullable [] utf8) {
            int n = utf8 == null ? 2 : utf8.length;
            ensure(2 * n + 2);
            if (!firstInRow) {
                bytes[size++] = '\t';
            }
            firstInRow = false;
            if (utf8 == null) {
                bytes[size++] = '\\';
                bytes[size++] = 'N';
                return this;
            }
            // Bytes of multibyte UTF-8 characters are all >= 0x80: escaping byte by byte is safe.
            for (byte b : utf8) {
                switch (b) {
                    case '\\':
                        bytes[size++] = '\\';
                        bytes[size++] = '\\';
                        break;
                    case '\t':
                        bytes[size++] = '\\';
                        bytes[size++] = 't';
                        break;
                    case '\n':
                        bytes[size++] = '\\';
                        bytes[size++] = 'n';
                        break;
                    case '\r':
                        bytes[size++] = '\\';
                        bytes[size++] = 'r';
                        break;
                    default:
                        bytes[size++] = b;
                }
            }
            return this;
        }

        /**
         * Adds a value to the current row.
         *
         * @param text the value's text form, or {@code null}
         * @return this
         */
        public CopyText add(@Nullable String text) {
            return add(text == null ? null : text.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Adds an integer to the current row.
         *
         * @param value the value
         * @return this
         */
        public CopyText add(long value) {
            ensure(21);
            if (!firstInRow) {
                bytes[size++] = '\t';
            }
            firstInRow = false;
            if (value == Long.MIN_VALUE) {
                for (byte b : Long.toString(value).getBytes(StandardCharsets.US_ASCII)) {
                    bytes[size++] = b;
                }
                return this;
            }
            long v = value;
            if (v < 0) {
                bytes[size++] = '-';
                v = -v;
            }
            int digits = 1;
            for (long p = 10; digits < 19 && v >= p; p *= 10) {
                digits++;
            }
            for (int i = size + digits - 1; i >= size; i--) {
                bytes[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            size += digits;
            return this;
        }

        /** Ends the current row. */
        public void endRow() {
            ensure(1);
            bytes[size++] = '\n';
            firstInRow = true;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        @Override
        public InputStream stream() {
            return new ByteArrayInputStream(bytes, 0, size);
        }
    }

    /** Rows for {@code COPY ... FROM STDIN}, in the format its statement names. */
    interface CopyRows {
        /**
         * The rows' bytes.
         *
         * @return a stream of them
         */
        InputStream stream();
    }

    /**
     * Rows for {@code COPY ... FROM STDIN (FORMAT binary)}, built in memory: each value in its type's binary form
     * (network byte order), so the server parses nothing (a fourth less server time than text for a snapshot's rows,
     * measured on PostgreSQL 15). Only for columns whose types the caller knows exactly: the server checks the form
     * against the column's type and fails the {@code COPY} on a mismatch.
     */
    public static final class CopyBinary implements CopyRows {
        /** The signature, the flags (no OIDs) and the length of the header extension (none). */
        private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};
        private byte[] bytes;
        private int size;

        /**
         * Empty rows.
         *
         * @param expectedBytes how many bytes the rows will likely take (the buffer grows beyond if needed)
         */
        public CopyBinary(int expectedBytes) {
            bytes = new byte[Math.max(expectedBytes, 256)];
            System.arraycopy(HEADER, 0, bytes, 0, HEADER.length);
            size = HEADER.length;
        }

        /**
         * Starts a row.
         *
         * @param fields how many values it will have
         * @return this
         */
        public CopyBinary row(int fields) {
            ensure(2);
            putShort(fields);
            return this;
        }

        /**
         * Adds a NULL.
         *
         * @return this
         */
        public CopyBinary addNull() {
            ensure(4);
            putInt(-1);
            return this;
        }

        /**
         * Adds a {@code boolean}.
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addBoolean(boolean value) {
            ensure(5);
            putInt(1);
            bytes[size++] = (byte) (value ? 1 : 0);
            return this;
        }

        /**
         * Adds a {@code smallint}.
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addInt2(short value) {
            ensure(6);
            putInt(2);
            putShort(value);
            return this;
        }

        /**
         * Adds an {@code integer} (or an {@code xid}, unsigned, of the same size).
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addInt4(int value) {
            ensure(8);
            putInt(4);
            putInt(value);
            return this;
        }

        /**
         * Adds a {@code bigint}.
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addInt8(long value) {
            ensure(12);
            putInt(8);
            putLong(value);
            return this;
        }

        /**
         * Adds a {@code uuid}.
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addUuid(java.util.UUID value) {
            ensure(20);
            putInt(16);
            putLong(value.getMostSignificantBits());
            putLong(value.getLeastSignificantBits());
            return this;
        }

        /**
         * Adds a {@code text} or {@code character varying} (their binary form is the text's bytes in the client's
         * encoding, UTF-8 for pgjdbc).
         *
         * @param value the value
         * @return this
         */
        public CopyBinary addText(String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            ensure(4 + utf8.length);
            putInt(utf8.length);
            System.arraycopy(utf8, 0, bytes, size, utf8.length);
            size += utf8.length;
            return this;
        }

        private void putShort(int v) {
            bytes[size++] = (byte) (v >>> 8);
            bytes[size++] = (byte) v;
        }

        private void putInt(int v) {
            bytes[size++] = (byte) (v >>> 24);
            bytes[size++] = (byte) (v >>> 16);
            bytes[size++] = (byte) (v >>> 8);
            bytes[size++] = (byte) v;
        }

        private void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        private void ensure(int more) {
            // (Two more for the trailer, written by stream().)
            if (size + more + 2 > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more + 2));
            }
        }

        /** The rows and the trailer (a field count of -1); rows added later come before a later stream's trailer. */
        @Override
        public InputStream stream() {
            ensure(0);
            bytes[size] = (byte) 0xFF;
            bytes[size + 1] = (byte) 0xFF;
            return new ByteArrayInputStream(bytes, 0, size + 2);
        }
    }

    /**
     * Runs {@code COPY ... FROM STDIN} with rows in the format the statement names (pgjdbc's copy API; the connection
     * may be a pool's wrapper).
     *
     * @param connection the connection
     * @param copy the {@code COPY} statement
     * @param rows the rows
     * @return how many rows were copied
     * @throws SQLException when it fails
     */
    public static long copyIn(Connection connection, Query copy, CopyRows rows) throws SQLException {
        if (!connection.isWrapperFor(PGConnection.class)) {
            throw new SQLException("The DataSource's connections do not unwrap to pgjdbc's PGConnection, which a first"
                + " sync needs for COPY: use a pool or proxy whose connections implement Connection.unwrap (HikariCP's"
                + " do), or PostgresSource.Builder with pgjdbc connections", "0A000");
        }
        try {
            return connection.unwrap(PGConnection.class).getCopyAPI()
                .copyIn(render(copy), rows.stream());
        } catch (IOException e) {
            throw new SQLException("Could not send rows to COPY: " + e, "08000", e);
        }
    }
}
