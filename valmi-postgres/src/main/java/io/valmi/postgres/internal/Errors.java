package io.valmi.postgres.internal;

import io.valmi.SourceException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.ds.common.BaseDataSource;

/** Turns SQL exceptions into valmi exceptions that say what failed and whether retrying may help. */
final class Errors {
    private Errors() {
    }

    /**
     * Wraps a SQL exception.
     *
     * @param what what was being done, e.g. "plan run of job x (postgres:public.t)"
     * @param e the failure
     * @return the exception to throw
     */
    public static SourceException wrap(String what, SQLException e) {
        return wrap(what, e, 0);
    }

    /**
     * Wraps a SQL exception of a connection with a read timeout: when that timeout passed, the message says so.
     *
     * @param what what was being done, e.g. "plan run of job x (postgres:public.t)"
     * @param e the failure
     * @param readTimeoutMillis the connection's read timeout ({@link java.sql.Connection#getNetworkTimeout()}), 0 for
     *     none or unknown
     * @return the exception to throw
     */
    public static SourceException wrap(String what, SQLException e, int readTimeoutMillis) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean retriable = isRetriable(state);
        String why = readTimedOut(e) ? "PostgreSQL did not answer within " + (readTimeoutMillis > 0
            ? duration(readTimeoutMillis) + " " : "") + "(the connection's read timeout: PostgresConnection's"
            + " readTimeout, or pgjdbc's socketTimeout of your own DataSource), so the connection was closed: the server"
            + " may be frozen, overloaded or cut off from here. A statement that runs longer than that by right (the"
            + " plan of a very large table) needs a larger readTimeout" : e.getMessage();
        return new SourceException("Could not " + what + ": " + why + (state.isEmpty() ? "" : " [SQLState " + state
            + "]") + (state.equals(ReadOnly.READ_ONLY_SQL_TRANSACTION) ? "; " + ReadOnly.ADVICE : ""), e, retriable,
            state.isEmpty() ? null : state);
    }

    /**
     * Wraps a failure to connect: names where the connection went (host, port, database, user, as far as the data
     * source tells; never the password) and what to check, which pgjdbc's own message often does not (an unknown host
     * is only "The connection attempt failed").
     *
     * @param dataSource the data source that failed
     * @param description the source's description, for the message
     * @param e the failure
     * @return the exception to throw
     */
    public static SourceException connect(DataSource dataSource, String description, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        Throwable cause = rootCause(e);
        String reason = "";
        String check;
        String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
        if (e instanceof BoundedDataSource.StartUpTimeout) {
            message = ((BoundedDataSource.StartUpTimeout) e).reason();
            check = BoundedDataSource.StartUpTimeout.CHECK;
        } else if (cause instanceof UnknownHostException) {
            reason = " (unknown host " + cause.getMessage() + ")";
            check = "check that the host name is right and resolves from this machine (DNS, VPN, /etc/hosts)";
        } else if (cause instanceof ConnectException) {
            check = "check that the server runs and listens on that host and port (its listen_addresses and port"
                + " settings, a firewall between)";
        } else if (cause instanceof SocketTimeoutException || cause instanceof NoRouteToHostException) {
            check = "check that the host can be reached from this machine (a firewall or security group that drops"
                + " packets, a VPN), or raise PostgresConnection.connectTimeout";
        } else if (state.equals("28P01") || state.equals("28000")) {
            check = "check the user name and password, and that the server's pg_hba.conf lets this user connect from"
                + " this machine";
        } else if (state.equals("3D000")) {
            check = "check the database name: the server has no such database";
        } else {
            check = "check the host, port, database, user and password, and that the server's pg_hba.conf lets this"
                + " user connect from this machine";
        }
        return new SourceException("Could not connect to PostgreSQL for " + description + " (" + target(dataSource)
            + "): " + message + reason + (state.isEmpty() ? "" : " [SQLState " + state + "]") + "; " + check, e,
            isRetriable(state), state.isEmpty() ? null : state);
    }

    /** Where a data source connects, from pgjdbc's own data sources (or one that unwraps to them); never a secret. */
    private static String target(DataSource dataSource) {
        BaseDataSource pg = null;
        try {
            if (dataSource instanceof BaseDataSource) {
                pg = (BaseDataSource) dataSource;
            } else if (dataSource.isWrapperFor(BaseDataSource.class)) {
                pg = dataSource.unwrap(BaseDataSource.class);
            }
        } catch (SQLException | RuntimeException ignored) {
            // (A data source that cannot say: the message says so.)
        }
        if (pg == null) {
            return "the data source does not say which host, port, database and user";
        }
        String[] hosts = pg.getServerNames();
        int[] ports = pg.getPortNumbers();
        List<String> where = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            int port = ports != null && i < ports.length && ports[i] != 0 ? ports[i] : 5432;
            where.add(hosts.length == 1 ? "host " + hosts[i] + ", port " + port : hosts[i] + ":" + port);
        }
        return (hosts.length == 1 ? where.get(0) : "hosts " + String.join(" ", where)) + ", database "
            + pg.getDatabaseName() + ", user " + pg.getUser();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < 10 && t.getCause() != null && t.getCause() != t; i++) {
            t = t.getCause();
        }
        return t;
    }

    /** Whether a read from the server timed out (pgjdbc then closes the connection). */
    private static boolean readTimedOut(SQLException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A duration for messages: {@code 3 s}, {@code 30 min}, {@code 1 h}, {@code 1500 ms}.
     *
     * @param millis milliseconds
     * @return the text
     */
    public static String duration(long millis) {
        if (millis % 3_600_000 == 0 && millis > 0) {
            return millis / 3_600_000 + " h";
        }
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + " min";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return millis + " ms";
    }

    /**
     * Whether an SQLSTATE names a transient failure, where trying again may succeed: connection exceptions,
     * serialization failures and deadlocks, lock timeouts, shutdowns and "cannot connect now", too many
     * connections. Everything else is treated as fatal.
     *
     * @param state the SQLSTATE, or an empty string when unknown
     * @return {@code true} when retriable
     */
    public static boolean isRetriable(String state) {
        return state.startsWith("08") // connection exception
            || state.startsWith("40") // serialization failure, deadlock
            || state.equals("55P03") // lock not available
            || state.equals("57P01") || state.equals("57P02") || state.equals("57P03") // shutdown, cannot connect now
            || state.equals("53300"); // too many connections
    }
}
