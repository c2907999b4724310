package io.valmi.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A fresh database on a {@link PostgresServer}, owned by one test class. Connect as the superuser with
 * {@link #dataSource()}; {@link #close()} drops it.
 */
public final class TestDatabase implements AutoCloseable {
    private final PostgresServer server;
    private final String name;
    private final DataSource dataSource;

    TestDatabase(PostgresServer server, String name) {
        this.server = server;
        this.name = name;
        this.dataSource = server.adminDataSource(name);
    }

    /**
     * The server.
     *
     * @return the server
     */
    public PostgresServer server() {
        return server;
    }

    /**
     * The database name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The JDBC URL (without credentials).
     *
     * @return the URL
     */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /**
     * The server's host.
     *
     * @return the host
     */
    public String host() {
        return server.host();
    }

    /**
     * The server's port.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    /**
     * The superuser's name.
     *
     * @return the user
     */
    public String user() {
        return server.adminUser();
    }

    /**
     * The superuser's password.
     *
     * @return the password, or {@code null}
     */
    public @Nullable String password() {
        return server.adminPassword();
    }

    /**
     * A data source connecting as the superuser.
     *
     * @return an unpooled data source
     */
    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * A data source connecting as the superuser with pgjdbc connection properties, e.g. {@code prepareThreshold=-1}
     * to have every result sent in binary form, or {@code prepareThreshold=0} for text only.
     *
     * @param properties properties as in a JDBC URL's query, {@code name=value} joined by {@code &}
     * @return an unpooled data source
     */
    public DataSource dataSource(String properties) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbcUrl() + (jdbcUrl().contains("?") ? "&" : "?") + properties);
        ds.setUser(user());
        if (password() != null) {
            ds.setPassword(password());
        }
        return ds;
    }

    /**
     * A data source connecting as another user.
     *
     * @param user the user
     * @param password its password
     * @return an unpooled data source
     */
    public DataSource dataSource(String user, @Nullable String password) {
        return server.dataSource(name, user, password);
    }

    /**
     * Runs statements as the superuser, each in its own transaction.
     *
     * @param statements SQL statements
     */
    public void execute(String... statements) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Statement failed in test database " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a query returning one number.
     *
     * @param sql the query
     * @return the first column of the first row
     */
    public long queryLong(String sql) {
        List<List<Object>> rows = query(sql);
        return ((Number) rows.get(0).get(0)).longValue();
    }

    /**
     * Runs a query and returns all rows (for small results in assertions).
     *
     * @param sql the query
     * @return the rows, each a list of column values as pgjdbc returns them
     */
    public List<List<Object>> query(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("Query failed in test database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Drops the database. */
    @Override
    public void close() {
        server.dropDatabase(name);
    }

    @Override
    public String toString() {
        return "TestDatabase[" + name + " on " + server + "]";
    }
}
