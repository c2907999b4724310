package io.valmi.postgres.internal;

import java.io.PrintWriter;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;

/**
 * pgjdbc's data source with every wait on the network bounded, for the connections the library opens itself
 * ({@code PostgresConnection.dataSource()}):
 * <ul>
 *   <li>the whole start-up (TCP connect, TLS, authentication) within the connect timeout: pgjdbc's
 *       {@code connectTimeout} bounds only the TCP connect, so its {@code loginTimeout} bounds the whole, and each read
 *       of the start-up is bounded by the same time (a {@code socketTimeout}), so that the thread pgjdbc leaves behind
 *       when the login timeout passes ends too;</li>
 *   <li>then every read by the read timeout ({@link Connection#setNetworkTimeout}, to the millisecond);</li>
 *   <li>TCP keepalive with {@link KeepAliveSocketFactory}'s timing.</li>
 * </ul>
 * A start-up that times out fails with a message naming host, port, the timeout and what to do.
 */
final class BoundedDataSource implements DataSource {
    private static final Logger log = Logs.CONNECTION;
    /** pgjdbc does not use the executor of {@link Connection#setNetworkTimeout}; JDBC wants one. */
    static final Executor DIRECT = Runnable::run;

    private final PGSimpleDataSource pg;
    private final String name;
    private final String address;
    private final Duration connectTimeout;
    private final int readTimeoutMillis;

    /**
     * Bounds a pgjdbc data source's waits.
     *
     * @param pg the data source, with host, port, database, user, password and TLS set; its timeouts and socket factory
     *     are set here
     * @param name the connection's name, for messages
     * @param connectTimeout the bound of the whole start-up, rounded up to whole seconds
     * @param readTimeout the bound of every read after the start-up, or zero for none
     */
    public BoundedDataSource(PGSimpleDataSource pg, String name, Duration connectTimeout, Duration readTimeout) {
        this.pg = pg;
        this.name = name;
        this.address = pg.getServerNames()[0] + ":" + pg.getPortNumbers()[0];
        this.connectTimeout = connectTimeout;
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
        int seconds = Math.toIntExact(wholeSeconds(connectTimeout));
        pg.setConnectTimeout(seconds);
        pg.setLoginTimeout(seconds);
        pg.setSocketTimeout(seconds);
        pg.setTcpKeepAlive(true);
        String factory = KeepAliveSocketFactory.class.getName();
        if (visibleToDriver(factory)) {
            pg.setSocketFactory(factory);
        } else {
            log.debug("pgjdbc cannot load {}: connection '{}' uses the system's keepalive timing", factory, name);
        }
    }

    /**
     * A duration in whole seconds, rounded up.
     *
     * @param d the duration
     * @return the seconds
     */
    public static long wholeSeconds(Duration d) {
        return d.getNano() == 0 ? d.getSeconds() : d.getSeconds() + 1;
    }

    /** Whether pgjdbc finds the class as it looks for a socket factory: its own class loader, then the context's. */
    private static boolean visibleToDriver(String className) {
        for (ClassLoader loader : new ClassLoader[] {PGSimpleDataSource.class.getClassLoader(),
            Thread.currentThread().getContextClassLoader()}) {
            try {
                if (loader != null && Class.forName(className, false, loader) == KeepAliveSocketFactory.class) {
                    return true;
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // (Not from this loader.)
            }
        }
        return false;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return bounded(pg::getConnection);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return bounded(() -> pg.getConnection(username, password));
    }

    /** Opens a connection. */
    @FunctionalInterface
    private interface Opener {
        Connection open() throws SQLException;
    }

    private Connection bounded(Opener opener) throws SQLException {
        long started = System.nanoTime();
        Connection c;
        try {
            c = opener.open();
        } catch (SQLException e) {
            throw timedOut(e, System.nanoTime() - started) ? startUpTimedOut(e) : e;
        }
        try {
            c.setNetworkTimeout(DIRECT, readTimeoutMillis);
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return c;
    }

    /** Whether a failed start-up failed because the server did not answer in time (not refused, not denied). */
    private boolean timedOut(SQLException e, long nanos) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        // pgjdbc's login timeout says so only in words, which it translates.
        return "08001".equals(e.getSQLState())
            && nanos >= TimeUnit.SECONDS.toNanos(pg.getLoginTimeout()) - TimeUnit.MILLISECONDS.toNanos(100);
    }

    private SQLException startUpTimedOut(SQLException e) {
        return new StartUpTimeout(address, name, TimeUnit.SECONDS.toMillis(pg.getLoginTimeout()), e);
    }

    /** The start-up of a connection did not end within the connect timeout. */
    static final class StartUpTimeout extends SQLException {
        private static final long serialVersionUID = 1L;
        /** What to do about it. */
        static final String CHECK = "check that host and port name a PostgreSQL server that is up and reachable from"
            + " here (a stopped or frozen server behind a proxy, or a firewall that accepts connections and drops them,"
            + " looks like this), or raise PostgresConnection.Builder.connectTimeout for a slow network";
        private final String reason;

        StartUpTimeout(String address, String name, long millis, SQLException cause) {
            this(reason(millis), address, name, cause);
        }

        private StartUpTimeout(String reason, String address, String name, SQLException cause) {
            super("PostgreSQL at " + address + " (connection '" + name + "') " + reason + ": " + CHECK, "08001",
                cause);
            this.reason = reason;
        }

        private static String reason(long millis) {
            return "did not answer within " + Errors.duration(millis) + " (the connectTimeout, which bounds the whole"
                + " start-up of a connection: TCP connect, TLS, authentication)";
        }

        /**
         * Why, without where (for a message that names where already).
         *
         * @return the reason
         */
        String reason() {
            return "PostgreSQL " + reason;
        }
    }

    @Override
    public @Nullable PrintWriter getLogWriter() throws SQLException {
        return pg.getLogWriter();
    }

    @Override
    public void setLogWriter(@Nullable PrintWriter out) throws SQLException {
        pg.setLogWriter(out);
    }

    /**
     * Bounds the start-up further (a pool sets its own connection timeout here): the connect timeout stays the
     * longest a start-up may take.
     */
    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        int ours = Math.toIntExact(wholeSeconds(connectTimeout));
        pg.setLoginTimeout(seconds <= 0 ? ours : Math.min(seconds, ours));
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pg.getLoginTimeout();
    }

    // (Qualified: DataSource's method returns java.util.logging's Logger, and this class logs through slf4j's.)
    @Override
    public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pg.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        return pg.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pg.isWrapperFor(type);
    }

    @Override
    public String toString() {
        return "BoundedDataSource[" + name + " at " + address + ", connectTimeout " + connectTimeout + ", readTimeout "
            + (readTimeoutMillis == 0 ? "none" : Errors.duration(readTimeoutMillis)) + "]";
    }
}
