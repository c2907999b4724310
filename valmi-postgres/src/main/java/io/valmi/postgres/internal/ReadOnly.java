package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import java.sql.Connection;
import java.sql.SQLException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * A connection valmi can read from but not write to: a hot standby (a read replica), or a role, database or session
 * with {@code default_transaction_read_only = on}. valmi keeps each job's state in the bookkeeping schema of the
 * database it reads, so such a connection cannot run a sync; the messages say so, and what to do.
 */
final class ReadOnly {
    /** SQLSTATE read_only_sql_transaction: a write in a read-only transaction. */
    static final String READ_ONLY_SQL_TRANSACTION = "25006";

    /** What to do about a read-only connection, for a message that names the failed statement already. */
    static final String ADVICE = "the connection is read-only (a hot standby, or default_transaction_read_only = on for"
        + " the role, the database or the connection), and valmi's bookkeeping schema needs a writable primary: connect"
        + " to the primary (with pgjdbc: targetServerType=primary), or turn default_transaction_read_only off for"
        + " valmi's user";

    private ReadOnly() {
    }

    /**
     * Refuses a read-only connection before a run locks or creates anything.
     *
     * @param c a connection in a transaction
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param description the source
     * @throws ConfigurationException when the transaction is read-only
     * @throws SQLException when the check fails
     */
    static void refuse(Connection c, String bookkeepingSchema, String jobId, String description) throws SQLException {
        String[] answer = Sql.fetch(c, DSL.select(
                DSL.function(DSL.name("pg_catalog", "current_setting"), SQLDataType.CLOB,
                    DSL.inline("transaction_read_only")),
                DSL.function(DSL.name("pg_catalog", "pg_is_in_recovery"), SQLDataType.BOOLEAN).cast(SQLDataType.CLOB),
                PgTemplates.sessionUser()),
            rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}).get(0);
        if (!"on".equals(answer[0])) {
            return;
        }
        boolean standby = "true".equals(answer[1]);
        String why = standby ? "the server is a hot standby (a read replica: pg_is_in_recovery() is true)"
            : "default_transaction_read_only = on, set for the role, the database or the connection";
        String fix = standby ? "Connect to the primary server instead (with pgjdbc: targetServerType=primary in the"
            + " URL, or the primary's host)."
            : "Connect to the primary (with pgjdbc: targetServerType=primary), or turn the setting off for valmi's user: "
                + Sql.renderInlined(PgTemplates.letRoleWrite(DSL.quotedName(answer[2]))) + ";";
        throw new ConfigurationException("Sync job '" + jobId + "' cannot run on " + description + ": the connection is"
            + " read-only (" + why + "), and valmi keeps the job's state (snapshot, plan, run history) in bookkeeping"
            + " schema \"" + bookkeepingSchema + "\" of the database it reads, which needs a writable primary; nothing"
            + " was changed. " + fix);
    }
}
