package io.valmi.postgres;

import io.valmi.ConfigurationException;
import io.valmi.postgres.internal.Postgres;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * How to reach a PostgreSQL database: a named connection with host, port, database, user and password.
 * The password never appears in {@link #toString()}, in logs or in exception messages.
 *
 * <pre>{@code
 * PostgresConnection conn = PostgresConnection.builder("warehouse")
 *     .host("db.internal").database("shop").username("valmi").password(System.getenv("VALMI_PASSWORD"))
 *     .build();
 * }</pre>
 *
 * <p>No wait on the server is unbounded: the whole start-up of a connection (TCP connect, TLS, authentication) must
 * end within {@link #connectTimeout()}, and every read after it within {@link #readTimeout()}; TCP keepalive probes
 * after a minute of silence find a server that is gone (a dead host, a network cut) within about two minutes, and keep
 * load balancers and NATs from dropping a connection that waits for a long statement.
 *
 * <p>Applications that already have a pool hand their own {@link DataSource} to
 * {@link PostgresSource.Builder#dataSource(DataSource, String)} instead (and set pgjdbc's {@code socketTimeout},
 * {@code loginTimeout} and {@code tcpKeepAlive} there: see the README).
 *
 * @param name a name for logs and results
 * @param host the server's host name
 * @param port the server's port (default 5432)
 * @param database the database
 * @param username the user
 * @param password the password ({@code null} when the server does not ask for one)
 * @param sslMode pgjdbc's {@code sslmode}: {@code disable}, {@code allow}, {@code prefer} (default),
 *     {@code require}, {@code verify-ca} or {@code verify-full}
 * @param connectTimeout the longest the start-up of a connection may take: TCP connect, TLS, authentication (default
 *     10 s; whole seconds, rounded up)
 * @param readTimeout the longest any read from the server may wait once connected, or {@link Duration#ZERO} for no
 *     limit (default {@value #DEFAULT_READ_TIMEOUT_MINUTES} min): a server that stops answering (frozen, hung on its
 *     disks) fails the run after this long and its job's lock is freed; it must be longer than the longest single
 *     statement of a run, the plan of the largest table
 */
public record PostgresConnection(String name, String host, int port, String database, String username,
                                 @Nullable String password, String sslMode, Duration connectTimeout,
                                 Duration readTimeout) {

    /** The default PostgreSQL port. */
    public static final int DEFAULT_PORT = 5432;

    /** The default {@link #readTimeout()}, in minutes. */
    public static final int DEFAULT_READ_TIMEOUT_MINUTES = 30;

    /**
     * Validates the settings.
     *
     * @param name a name for logs and results
     * @param host the server's host name
     * @param port the server's port (default 5432)
     * @param database the database
     * @param username the user
     * @param password the password ({@code null} when the server does not ask for one)
     * @param sslMode pgjdbc's {@code sslmode}: {@code disable}, {@code allow}, {@code prefer} (default), {@code require}, {@code verify-ca} or {@code verify-full}
     * @param connectTimeout the longest the start-up of a connection may take (TCP connect, TLS, authentication),
     *     rounded up to whole seconds
     * @param readTimeout the longest any read from the server may wait once connected, or zero for no limit
     * @throws ConfigurationException when a setting is missing or out of range
     */
    public PostgresConnection {
        require(name, "name");
        require(host, "host");
        require(database, "database");
        require(username, "username");
        Objects.requireNonNull(sslMode, "sslMode");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("PostgresConnection '" + name + "': port must be 1 to 65535, got " + port);
        }
        if (!Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full").contains(sslMode)) {
            throw new ConfigurationException("PostgresConnection '" + name + "': sslMode must be one of disable, allow,"
                + " prefer, require, verify-ca, verify-full; got '" + sslMode + "'");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()
            || connectTimeout.compareTo(Duration.ofSeconds(Integer.MAX_VALUE)) > 0) {
            throw new ConfigurationException("PostgresConnection '" + name + "': connectTimeout must be positive (and at"
                + " most " + Integer.MAX_VALUE + " s), got " + connectTimeout + ": a connection start-up that is never"
                + " given up waits for ever on a server that accepts TCP connections but does not answer");
        }
        if (readTimeout.isNegative() || (!readTimeout.isZero() && readTimeout.compareTo(Duration.ofSeconds(1)) < 0)
            || readTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw new ConfigurationException("PostgresConnection '" + name + "': readTimeout must be zero (no limit) or"
                + " from 1 s to " + Duration.ofMillis(Integer.MAX_VALUE).toDays() + " days, got " + readTimeout
                + "; it must be longer than the longest statement of a run (the plan of the largest table)");
        }
    }

    private static void require(@Nullable String value, String what) {
        if (value == null || value.isBlank()) {
            throw new ConfigurationException("PostgresConnection needs a " + what);
        }
    }

    /**
     * Starts a connection description.
     *
     * @param name a name for logs and results
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * A data source that opens unpooled connections with these settings, their waits bounded by
     * {@link #connectTimeout()} and {@link #readTimeout()}, with TCP keepalive. Wrap it in a pool (HikariCP) if
     * you open many connections. It unwraps to pgjdbc's {@link PGSimpleDataSource}.
     *
     * @return a new data source
     */
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(username);
        if (password != null) {
            ds.setPassword(password);
        }
        ds.setSslMode(sslMode);
        ds.setApplicationName("valmi");
        ds.setLogUnclosedConnections(false);
        return Postgres.dataSource(ds, name, connectTimeout, readTimeout);
    }

    /**
     * The JDBC URL, without user or password.
     *
     * @return the URL
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "PostgresConnection[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
            + ", username=" + username + ", password=" + (password == null ? "<none>" : "****") + ", sslMode="
            + sslMode + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + "]";
    }

    /** Builds a {@link PostgresConnection}. */
    public static final class Builder {
        private final String name;
        private @Nullable String host;
        private int port = DEFAULT_PORT;
        private @Nullable String database;
        private @Nullable String username;
        private @Nullable String password;
        private String sslMode = "prefer";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofMinutes(DEFAULT_READ_TIMEOUT_MINUTES);

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the host.
         *
         * @param host the host name
         * @return this builder
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /**
         * Sets the port (default 5432).
         *
         * @param port the port
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Sets the database.
         *
         * @param database the database name
         * @return this builder
         */
        public Builder database(String database) {
            this.database = database;
            return this;
        }

        /**
         * Sets the user.
         *
         * @param username the user name
         * @return this builder
         */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /**
         * Sets the password.
         *
         * @param password the password, or {@code null}
         * @return this builder
         */
        public Builder password(@Nullable String password) {
            this.password = password;
            return this;
        }

        /**
         * Sets the SSL mode (default {@code prefer}).
         *
         * @param sslMode pgjdbc's sslmode
         * @return this builder
         */
        public Builder sslMode(String sslMode) {
            this.sslMode = sslMode;
            return this;
        }

        /**
         * Sets the connect timeout (default 10 s): the longest the start-up of a connection may take, TCP connect, TLS
         * and authentication together (as libpq's {@code connect_timeout}), in whole seconds, rounded up. A server that
         * accepts TCP connections but does not answer fails after this long.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets the read timeout (default {@value PostgresConnection#DEFAULT_READ_TIMEOUT_MINUTES} min): the longest
         * any read from the server may wait once connected (pgjdbc's {@code socketTimeout}, to the millisecond). A
         * server that stops answering (frozen, hung on its disks) fails the run after this long, and the job's lock
         * is freed with the connection. It bounds every single statement too: it must be longer than the longest
         * one of a run, the plan of the largest table (one statement, minutes on 100 million rows). A server that is
         * gone altogether (a dead host, a network cut) is found sooner, by TCP keepalive, whatever this says.
         *
         * @param timeout the timeout: at least 1 s, or {@link Duration#ZERO} for no limit
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the connection description
         * @throws ConfigurationException when a setting is missing or out of range
         */
        public PostgresConnection build() {
            return new PostgresConnection(name, Objects.requireNonNullElse(host, ""), port,
                Objects.requireNonNullElse(database, ""), Objects.requireNonNullElse(username, ""), password, sslMode,
                connectTimeout, readTimeout);
        }
    }
}
