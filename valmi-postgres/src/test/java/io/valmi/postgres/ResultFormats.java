package io.valmi.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.core.Field;

/**
 * Watches which form, text or binary, pgjdbc asked the server for: per PostgreSQL type name, the formats of the
 * mapped value columns ({@code v1}, {@code v2}, ...) of every result read through {@link #watch(DataSource)}.
 * Nothing is changed on the way: connections, statements and results are pgjdbc's own.
 */
final class ResultFormats {
    static final String TEXT = "text";
    static final String BINARY = "binary";

    private final Map<String, Set<String>> byType = new ConcurrentHashMap<>();

    /**
     * A data source whose prepared statements' results are watched.
     *
     * @param dataSource pgjdbc's data source
     * @return the same connections, watched
     */
    DataSource watch(DataSource dataSource) {
        return proxy(DataSource.class, dataSource);
    }

    /**
     * What was seen so far.
     *
     * @return per type name ({@code int4}, {@code _text}, ...), {@link #TEXT} and/or {@link #BINARY}
     */
    Map<String, Set<String>> byType() {
        return new TreeMap<>(byType);
    }

    private <T> T proxy(Class<T> type, T target) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Connection && method.getName().equals("getConnection")) {
                return proxy(Connection.class, (Connection) result);
            }
            if (result instanceof PreparedStatement && method.getName().equals("prepareStatement")) {
                return proxy(PreparedStatement.class, (PreparedStatement) result);
            }
            if (result instanceof ResultSet) {
                record((ResultSet) result);
            }
            return result;
        }));
    }

    private void record(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        PGResultSetMetaData pg = meta.unwrap(PGResultSetMetaData.class);
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            if (meta.getColumnLabel(i).matches("v[0-9]+")) {
                byType.computeIfAbsent(meta.getColumnTypeName(i), t -> ConcurrentHashMap.newKeySet())
                    .add(pg.getFormat(i) == Field.BINARY_FORMAT ? BINARY : TEXT);
            }
        }
    }
}
