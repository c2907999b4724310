package io.valmi.postgres.internal;

import io.valmi.SourceException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A connection the library works on, with short transactions whose session settings are pinned, so that
 * values print (and hash) the same whatever settings the application's connections carry.
 */
final class Session implements AutoCloseable {
    private static final Logger log = Logs.CONNECTION;

    /**
     * Settings pinned for as long as valmi holds a connection: the text forms of values, bounded lock waits, no
     * statement timeout, plans for each statement's own key range, read committed, durable commits. Set when the session
     * opens, in the statement that reads the connection's own values, and restored by {@link #close()}; no transaction
     * pays a round trip for them. Why each: {@code docs/internals.md#session-settings}.
     */
    static final String[][] PINNED = {
        {"TimeZone", "UTC"},
        {"DateStyle", "ISO, MDY"},
        {"IntervalStyle", "iso_8601"},
        {"extra_float_digits", "1"},
        {"bytea_output", "hex"},
        {"search_path", "pg_catalog"},
        {"lock_timeout", "30s"},
        {"statement_timeout", "0"},
        {"plan_cache_mode", "force_custom_plan"},
        {"idle_in_transaction_session_timeout", "0"},
        {"default_transaction_isolation", "read committed"},
    };

    private final Connection connection;
    private final String description;
    private static final String IDLE_TIMEOUT = "idle_session_timeout";
    private static final String TRANSACTION_TIMEOUT = "transaction_timeout";
    /** The settings this session pinned ({@link #pinForSession}), in order. */
    private List<String> pinnedNames = List.of();
    /** The connection's own values of {@link #pinnedNames}, while the session pins them (see {@link #open}). */
    private String @Nullable [] sessionSettingsBefore;

    /** The connection's read timeout when it was opened, for messages (0: none, or unknown). */
    private final int readTimeoutMillis;
    /**
     * The longest {@link #close()} waits for each statement that restores the connection's settings: against a server
     * that stopped answering, each would wait the whole read timeout (or for ever), one session after the other.
     */
    static final int CLOSE_TIMEOUT_MILLIS = 10_000;

    private Session(Connection connection, String description) {
        this.connection = connection;
        this.description = description;
        this.readTimeoutMillis = networkTimeout(connection);
    }

    private static int networkTimeout(Connection c) {
        try {
            return c.getNetworkTimeout();
        } catch (SQLException | RuntimeException | AbstractMethodError e) {
            return 0;
        }
    }

    /**
     * Opens a session.
     *
     * @param dataSource where connections come from
     * @param description the source's description, for messages (no secrets)
     * @return the session
     */
    public static Session open(DataSource dataSource, String description) {
        return open(dataSource, description, false);
    }

    /**
     * Opens a session; one that stays while idle also keeps the server from closing the connection while it sits idle
     * between transactions: for a session that holds a run's job lock (a session-level advisory lock, gone with the
     * connection) or reads ahead while a destination writes. {@code idle_session_timeout} (PostgreSQL 14+), which a
     * role or database may set, is lifted with the other settings and restored by {@link #close()}.
     *
     * @param dataSource where connections come from
     * @param description the source's description, for messages (no secrets)
     * @param stayWhileIdle whether the session lifts {@code idle_session_timeout}
     * @return the session
     */
    public static Session open(DataSource dataSource, String description, boolean stayWhileIdle) {
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw Errors.connect(dataSource, description, e);
        }
        try {
            Session s = new Session(c, description);
            try {
                // In autocommit: one round trip, nothing to commit; then valmi's transactions.
                c.setAutoCommit(true);
                s.pinForSession(c.getMetaData().getDatabaseMajorVersion(), stayWhileIdle);
                c.setAutoCommit(false);
            } catch (SQLException | RuntimeException e) {
                s.rollback();
                s.close();
                throw e;
            }
            return s;
        } catch (SQLException e) {
            throw Errors.wrap("connect to " + description, e, networkTimeout(c));
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

    /** Work in a transaction that gives nothing back. */
    @FunctionalInterface
    interface Step {
        /**
         * Does the work.
         *
         * @param c the connection, inside a transaction with pinned settings
         * @throws SQLException when a statement fails
         */
        void run(Connection c) throws SQLException;
    }

    /**
     * Runs work that gives nothing back in one short transaction ({@link #transaction}).
     *
     * @param what what the work does, for the error message
     * @param step the work
     * @throws SourceException when it fails
     */
    void run(String what, Step step) {
        transaction(what, c -> {
            step.run(c);
            return Boolean.TRUE;
        });
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
        if (dryRun) {
            return savepoint(what, work);
        }
        long started = System.nanoTime();
        try {
            T result = work.run(connection);
            connection.commit();
            committedSince = started;
            committedAny = true;
            return result;
        } catch (SQLException e) {
            rollback();
            throw Errors.wrap(what + " (" + description + ")", e, readTimeoutMillis);
        } catch (RuntimeException | Error e) {
            // (An Error too: a connection used again must not commit this transaction's half-done work later.)
            rollback();
            throw e;
        }
    }

    /**
     * Runs work in one short transaction with pinned settings that is always rolled back, whatever the work did (in a
     * dry run: a savepoint rolled back to): for work that creates something only to look at it.
     *
     * @param what what the work does, for the error message
     * @param work the work
     * @param <T> the result type
     * @return the work's result
     * @throws SourceException when it fails
     */
    public <T> T rolledBack(String what, Work<T> work) {
        Savepoint savepoint = null;
        try {
            if (dryRun) {
                savepoint = connection.setSavepoint();
            }
            return work.run(connection);
        } catch (SQLException e) {
            throw Errors.wrap(what + " (" + description + ")", e, readTimeoutMillis);
        } finally {
            if (dryRun) {
                rollbackTo(savepoint);
            } else {
                rollback();
            }
        }
    }

    /**
     * When the last transaction that committed began ({@link System#nanoTime()}): the server still had this session, and
     * every session-level lock it holds, at that time.
     */
    private volatile long committedSince;
    private volatile boolean committedAny;

    /**
     * Whether a transaction that began at most {@code nanos} ago has committed: the session, and every session-level
     * lock it holds, were still there then.
     *
     * @param nanos how long ago, at most
     * @return whether such a transaction committed
     */
    boolean committedWithin(long nanos) {
        return committedAny && System.nanoTime() - committedSince <= nanos;
    }

    /**
     * From now on, every {@link #transaction} of this session is a savepoint inside one transaction that is never
     * committed: a dry run plans as a run would, and leaves the job's state (its record, snapshot, issues) as it was.
     * The transaction ends, rolled back, when the session is closed or its job lock released.
     */
    void beginDryRun() {
        dryRun = true;
    }

    private boolean dryRun;

    private <T> T savepoint(String what, Work<T> work) {
        Savepoint savepoint = null;
        try {
            savepoint = connection.setSavepoint();
            T result = work.run(connection);
            connection.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException e) {
            rollbackTo(savepoint);
            throw Errors.wrap(what + " (" + description + ")", e, readTimeoutMillis);
        } catch (RuntimeException | Error e) {
            rollbackTo(savepoint);
            throw e;
        }
    }

    private void rollbackTo(@Nullable Savepoint savepoint) {
        try {
            if (savepoint != null) {
                connection.rollback(savepoint);
            } else {
                connection.rollback();
            }
        } catch (SQLException e) {
            log.debug("Rollback to a savepoint failed on {}: {}", description, e.toString());
        }
    }

    /** Whether the connection is closed (pgjdbc closes one whose read timed out or broke); {@code true} when unsure. */
    private boolean closedQuietly() {
        try {
            return connection.isClosed();
        } catch (SQLException | RuntimeException e) {
            return true;
        }
    }

    /**
     * Bounds each wait of {@link #close()} by {@link #CLOSE_TIMEOUT_MILLIS}; returns the connection's network timeout,
     * to restore before the connection goes back to its pool, or -1 when it was not changed.
     */
    private int boundClose() {
        try {
            if (connection.isClosed()) {
                return -1;
            }
            int before = connection.getNetworkTimeout();
            if (before != 0 && before <= CLOSE_TIMEOUT_MILLIS) {
                return -1;
            }
            connection.setNetworkTimeout(BoundedDataSource.DIRECT, CLOSE_TIMEOUT_MILLIS);
            return before;
        } catch (SQLException | RuntimeException | AbstractMethodError e) {
            log.debug("Could not bound the network waits of closing {}: {}", description, e.toString());
            return -1;
        }
    }

    /**
     * Pins {@link #PINNED}, {@code synchronous_commit} ({@link #DURABLE_COMMIT}), {@code application_name}
     * ({@link #NAMED}), {@code transaction_timeout} (PostgreSQL 17+: a role's or database's would end the session, and
     * a run's job lock with it, in a long plan) and, when asked, {@code idle_session_timeout} (PostgreSQL 14+) for the
     * session, in one statement; keeps the values they had, for {@link #close()}.
     */
    private void pinForSession(int serverMajor, boolean stayWhileIdle) throws SQLException {
        List<String> names = new ArrayList<>();
        List<Field<String>> values = new ArrayList<>();
        for (String[] setting : PINNED) {
            names.add(setting[0]);
            values.add(DSL.inline(setting[1]));
        }
        names.add(SYNCHRONOUS_COMMIT);
        values.add(DURABLE_COMMIT);
        names.add(APPLICATION_NAME);
        values.add(NAMED);
        if (serverMajor >= 17) {
            names.add(TRANSACTION_TIMEOUT);
            values.add(DSL.inline("0"));
        }
        if (stayWhileIdle && serverMajor >= 14) {
            names.add(IDLE_TIMEOUT);
            values.add(DSL.inline("0"));
        }
        Field<?>[] calls = new Field<?>[names.size() * 2];
        for (int i = 0; i < names.size(); i++) {
            // (The select list is evaluated in order: each setting is read before it is set.)
            calls[2 * i] = currentSetting(names.get(i));
            calls[2 * i + 1] = setConfig(names.get(i), values.get(i), false);
        }
        sessionSettingsBefore = Sql.fetch(connection, DSL.select(calls), rs -> {
            String[] before = new String[names.size()];
            for (int i = 0; i < before.length; i++) {
                before[i] = rs.getString(2 * i + 1);
            }
            return before;
        }).get(0);
        pinnedNames = List.copyOf(names);
    }

    private static Field<String> currentSetting(String name) {
        return DSL.function(DSL.name("pg_catalog", "current_setting"), SQLDataType.CLOB, DSL.inline(name));
    }

    private static final String SYNCHRONOUS_COMMIT = "synchronous_commit";

    /**
     * {@code synchronous_commit} for every session of the library: {@code on} where it is {@code off}, any other
     * value kept, so that no commit the library acted on can be lost. See {@code docs/internals.md#session-settings}.
     */
    private static final Field<String> DURABLE_COMMIT = DSL.when(currentSetting(SYNCHRONOUS_COMMIT)
        .eq(DSL.inline("off")), DSL.inline("on")).otherwise(currentSetting(SYNCHRONOUS_COMMIT));

    private static final String APPLICATION_NAME = "application_name";

    /**
     * {@code application_name} while valmi holds a connection: {@code valmi} when the application left it unnamed (or
     * pgjdbc's default), else the application's own name, so that its sessions are found under the name it gave them.
     */
    private static final Field<String> NAMED = DSL.when(currentSetting(APPLICATION_NAME)
        .in(DSL.inline(""), DSL.inline("PostgreSQL JDBC Driver")), DSL.inline("valmi"))
        .otherwise(currentSetting(APPLICATION_NAME));

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

    /** Ends the connection at once ({@link Connection#abort}): a pool then discards it. */
    private void abort() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException | AbstractMethodError e) {
            log.debug("Aborting the connection to {} failed: {}", description, e.toString());
        }
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.debug("Rollback failed on {}: {}", description, e.toString());
        }
    }

    @Override
    public void close() {
        int networkTimeout = boundClose();
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            log.debug("Rollback before close failed on {}: {}", description, e.toString());
        }
        dryRun = false;
        String[] before = sessionSettingsBefore;
        if (before != null && !closedQuietly()) {
            // (A connection that broke goes back to no pool.) In autocommit: one round trip, and no moment idle in a
            // transaction under the application's own timeouts.
            try {
                Field<?>[] calls = new Field<?>[before.length];
                for (int i = 0; i < before.length; i++) {
                    calls[i] = setConfig(pinnedNames.get(i), DSL.val(before[i]), false);
                }
                connection.setAutoCommit(true);
                Sql.select(connection, DSL.select(calls));
            } catch (SQLException e) {
                // Never back into a pool with valmi's settings (the next session would take them for the connection's
                // own): the connection is ended, and a pool discards it.
                log.warn("Could not restore the session settings valmi pinned ({}) on {}; the connection is ended"
                    + " instead of going back to its pool with them: {}", pinnedNames, description, e.toString());
                abort();
            }
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            log.debug("Resetting autocommit failed on {}: {}", description, e.toString());
        }
        if (networkTimeout >= 0) {
            try {
                if (!connection.isClosed()) {
                    connection.setNetworkTimeout(BoundedDataSource.DIRECT, networkTimeout);
                }
            } catch (SQLException | RuntimeException e) {
                log.debug("Restoring the network timeout failed on {}: {}", description, e.toString());
            }
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("Closing a connection to {} failed: {}", description, e.toString());
        }
    }
}
