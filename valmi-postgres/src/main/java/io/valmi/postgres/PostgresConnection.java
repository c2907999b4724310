package io.valmi.postgres;

import io.valmi.ConfigurationException;
import java.time.Duration;
import java.util.Objects;
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
 * <p>Applications that already have a pool hand their own {@link DataSource} to
 * {@link PostgresSource.Builder#dataSource(DataSource, String)} instead.
 *
 * @param name a name for logs and results
 * @param host the server's host name
 * @param port the server's port (default 5432)
 * @param database the database
 * @param username the user
 * @param password the password ({@code null} when the server does not ask for one)
 * @param sslMode pgjdbc's {@code sslmode}: {@code disable}, {@code allow}, {@code prefer} (default),
 *     {@code require}, {@code verify-ca} or {@code verify-full}
 * @param connectTimeout how long to wait for a connection
 */
public record PostgresConnection(String name, String host, int port, String database, String username,
                                 @Nullable String password, String sslMode, Duration connectTimeout) {

    /** The default PostgreSQL port. */
    public static final int DEFAULT_PORT = 5432;

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
     * @param connectTimeout how long to wait for a connection
     */
    public PostgresConnection {
        require(name, "name");
        require(host, "host");
        require(database, "database");
        require(username, "username");
        Objects.requireNonNull(sslMode, "sslMode");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (port < 1 || port > 65535) {
            throw new ConfigurationException("PostgresConnection '" + name + "': port must be 1 to 65535, got " + port);
        }
        if (!java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full").contains(sslMode)) {
            throw new ConfigurationException("PostgresConnection '" + name + "': sslMode must be one of disable, allow,"
                + " prefer, require, verify-ca, verify-full; got '" + sslMode + "'");
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
     * A data source that opens unpooled connections with these settings. Wrap it in a pool (HikariCP) if
     * you open many connections.
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
        ds.setConnectTimeout((int) Math.max(1, connectTimeout.toSeconds()));
        ds.setApplicationName("valmi");
        ds.setLogUnclosedConnections(false);
        return ds;
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
            + sslMode + ", connectTimeout=" + connectTimeout + "]";
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
         * Sets the connect timeout (default 10 s).
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the connection description
         */
        public PostgresConnection build() {
            return new PostgresConnection(name, Objects.requireNonNullElse(host, ""), port,
                Objects.requireNonNullElse(database, ""), Objects.requireNonNullElse(username, ""), password, sslMode,
                connectTimeout);
        }
    }
}
