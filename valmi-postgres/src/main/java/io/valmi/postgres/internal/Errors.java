package io.valmi.postgres.internal;

import io.valmi.SourceException;
import java.sql.SQLException;

/** Turns SQL exceptions into valmi exceptions that say what failed and whether retrying may help. */
public final class Errors {
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
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean retriable = isRetriable(state);
        return new SourceException("Could not " + what + ": " + e.getMessage() + (state.isEmpty() ? "" : " [SQLState "
            + state + "]"), e, retriable);
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
