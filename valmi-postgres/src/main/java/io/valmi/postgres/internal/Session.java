package io.valmi.postgres.internal;

import io.valmi.SourceException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection the library works on, with short transactions whose session settings are pinned, so that
 * values print (and hash) the same whatever settings the application's connections carry.
 */
public final class Session implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    /** Settings that change the text form of values, pinned in every transaction. */
    static final String[][] PINNED = {
        {"TimeZone", "UTC"},
        {"DateStyle", "ISO, MDY"},
        {"IntervalStyle", "iso_8601"},
        {"extra_float_digits", "1"},
        {"bytea_output", "hex"},
        {"search_path", "pg_catalog"},
        {"application_name", "valmi"},
        {"lock_timeout", "30s"},
        // An application's pool may carry a statement_timeout meant for its own queries; a run's plan of a large table
        // is one long statement by design (and takes no lock that blocks writers; lock_timeout still bounds waits).
        {"statement_timeout", "0"},
        // pgjdbc prepares a statement on the server after five executions, and the server may then plan it once for
        // any key range: measured 270 ms instead of 45 ms for the acknowledgement of 10,000 changes (a scan of the
        // whole snapshot instead of its key index). Every statement of a run is planned for its own values.
        {"plan_cache_mode", "force_custom_plan"},
    };

    private final Connection connection;
    private final String description;
    private static final String IDLE_TIMEOUT = "idle_session_timeout";
    /** The connection's own idle_session_timeout, while {@link #stayWhileIdle()} has lifted it. */
    private @org.jspecify.annotations.Nullable String idleTimeoutBefore;
    /** The connection's own search_path, while the session pins it (see {@link #open}). */
    private @org.jspecify.annotations.Nullable String searchPathBefore;

    private Session(Connection connection, String description) {
        this.connection = connection;
        this.description = description;
    }

    /**
     * Opens a session.
     *
     * @param dataSource where connections come from
     * @param description the source's description, for messages (no secrets)
     * @return the session
     */
    public static Session open(DataSource dataSource, String description) {
        try {
            Connection c = dataSource.getConnection();
            c.setAutoCommit(false);
            Session s = new Session(c, description);
            try {
                // search_path pinned for the session too, not only per transaction: PostgreSQL 18 reports every
                // change of it, and pgjdbc then drops its server-prepared statements (so no statement of a run
                // would ever be reused or read in binary). Unchanged, the per-transaction pin is not reported.
                // (Not in transaction(): its own pin would hide the connection's search_path.)
                s.searchPathBefore = Sql.fetch(c, DSL.select(DSL.function(DSL.name("pg_catalog", "current_setting"),
                    SQLDataType.CLOB, DSL.inline("search_path")), setConfig("search_path", DSL.inline("pg_catalog"),
                    false)), rs -> rs.getString(1)).get(0);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                s.rollback();
                s.close();
                throw e;
            }
            return s;
        } catch (SQLException e) {
            throw Errors.wrap("connect to " + description, e);
        }
    }

    /**
     * The JDBC connection.
     *
     * @return the connection, autocommit off
     */
    public Connection connection() {
        return connection;
    }

    /** Work in a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        /**
         * Does the work.
         *
         * @param c the connection, inside a transaction with pinned settings
         * @return a result
         * @throws SQLException when a statement fails
         */
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs work in one short transaction with pinned settings; commits, or rolls back on failure.
     *
     * @param what what the work does, for the error message
     * @param work the work
     * @param <T> the result type
     * @return the work's result
     * @throws SourceException when it fails
     */
    public <T> T transaction(String what, Work<T> work) {
        try {
            pin(connection);
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException e) {
            rollback();
            throw Errors.wrap(what + " (" + description + ")", e);
        } catch (RuntimeException | Error e) {
            // (An Error too: a connection used again must not commit this transaction's half-done work later.)
            rollback();
            throw e;
        }
    }

    static void pin(Connection c) throws SQLException {
        Field<?>[] calls = new Field<?>[PINNED.length];
        for (int i = 0; i < PINNED.length; i++) {
            calls[i] = setLocal(PINNED[i][0], DSL.val(PINNED[i][1]));
        }
        Sql.fetch(c, DSL.select(calls), rs -> null);
    }

    /**
     * {@code set_config(name, value, true)}: a setting for the rest of the current transaction only, so that nothing
     * leaks into a pooled connection.
     *
     * @param name the setting
     * @param value its value
     * @return the call, to select
     */
    static Field<String> setLocal(String name, Field<String> value) {
        return setConfig(name, value, true);
    }

    private static Field<String> setConfig(String name, Field<String> value, boolean local) {
        return DSL.function(DSL.name("pg_catalog", "set_config"), SQLDataType.CLOB, DSL.val(name), value,
            DSL.inline(local));
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.debug("Rollback failed on {}: {}", description, e.toString());
        }
    }

    /**
     * Keeps the server from closing this connection while it sits idle between transactions, for a session that
     * holds a run's job lock (a session-level advisory lock, gone with the connection) or reads ahead while a
     * destination writes: {@code idle_session_timeout} (PostgreSQL 14+), which a role or database may set, is lifted
     * for the session and restored by {@link #close()}.
     */
    public void stayWhileIdle() {
        try {
            if (connection.getMetaData().getDatabaseMajorVersion() < 14) {
                return;
            }
            idleTimeoutBefore = transaction("keep the session of " + description + " while idle", c -> Sql.fetch(c,
                DSL.select(DSL.function(DSL.name("pg_catalog", "current_setting"), SQLDataType.CLOB,
                    DSL.inline(IDLE_TIMEOUT)), setConfig(IDLE_TIMEOUT, DSL.inline("0"), false)),
                rs -> rs.getString(1)).get(0));
        } catch (SQLException e) {
            throw Errors.wrap("read the server version (" + description + ")", e);
        }
    }

    @Override
    public void close() {
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            log.debug("Rollback before close failed on {}: {}", description, e.toString());
        }
        if (idleTimeoutBefore != null) {
            try {
                transaction("restore the idle timeout of " + description, c -> Sql.fetch(c, DSL.select(
                    setConfig(IDLE_TIMEOUT, DSL.val(idleTimeoutBefore), false)), rs -> null));
            } catch (RuntimeException e) {
                log.debug("Restoring idle_session_timeout failed on {}: {}", description, e.toString());
            }
        }
        if (searchPathBefore != null) {
            // Not in transaction(): its set_config(..., true) of search_path would be undone at commit.
            try {
                Sql.fetch(connection, DSL.select(setConfig("search_path", DSL.val(searchPathBefore), false)),
                    rs -> null);
                connection.commit();
            } catch (SQLException e) {
                rollback();
                log.warn("Could not restore search_path on {} before it goes back to its pool: {}", description,
                    e.toString());
            }
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            log.debug("Resetting autocommit failed on {}: {}", description, e.toString());
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("Closing a connection to {} failed: {}", description, e.toString());
        }
    }
}
