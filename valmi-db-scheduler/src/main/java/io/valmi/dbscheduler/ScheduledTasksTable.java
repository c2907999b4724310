package io.valmi.dbscheduler;

import io.valmi.ConfigurationException;
import io.valmi.ValmiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * db-scheduler's table, {@code scheduled_tasks}: one row per scheduled execution (here, one per job). valmi creates
 * no table outside its bookkeeping schema by itself: create this one with {@link #create(DataSource)} when your
 * application's database user may, or have your DBA run {@link #ddl()} (db-scheduler's own PostgreSQL definition) and
 * grant {@code SELECT, INSERT, UPDATE, DELETE} on it to the users of every instance. It is found through the
 * connections' {@code search_path}, as db-scheduler's queries find it.
 */
public final class ScheduledTasksTable {
    /** The table's name: db-scheduler's default. */
    public static final String NAME = "scheduled_tasks";

    /** db-scheduler 16's {@code postgresql_tables.sql}, statement by statement. */
    private static final List<String> STATEMENTS = List.of(
        "create table scheduled_tasks (\n"
            + "  task_name text not null,\n"
            + "  task_instance text not null,\n"
            + "  task_data bytea,\n"
            + "  execution_time timestamp with time zone not null,\n"
            + "  picked BOOLEAN not null,\n"
            + "  picked_by text,\n"
            + "  last_success timestamp with time zone,\n"
            + "  last_failure timestamp with time zone,\n"
            + "  consecutive_failures INT,\n"
            + "  last_heartbeat timestamp with time zone,\n"
            + "  version BIGINT not null,\n"
            + "  priority SMALLINT,\n"
            + "  PRIMARY KEY (task_name, task_instance)\n"
            + ")",
        "CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)",
        "CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)",
        "CREATE INDEX priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)");

    private ScheduledTasksTable() {
    }

    /**
     * The SQL that creates the table and its indexes, as db-scheduler defines them for PostgreSQL.
     *
     * @return the statements, each ended by a semicolon and a line break
     */
    public static String ddl() {
        return String.join(";\n", STATEMENTS) + ";\n";
    }

    /**
     * Creates the table and its indexes unless a relation of that name is already on the connections'
     * {@code search_path}: in the first schema of it, in one transaction. Instances that call it at the same time
     * wait for each other (a transaction-scoped advisory lock), so that one of them creates it.
     *
     * @param dataSource connections of a user that may create tables in that schema
     * @return {@code true} when it created the table, {@code false} when it was there
     * @throws ValmiException when the statements fail, with PostgreSQL's message
     */
    public static boolean create(DataSource dataSource) {
        Objects.requireNonNull(dataSource, "dataSource");
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement(
                    "select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext(?))")) {
                    lock.setString(1, "valmi-db-scheduler " + NAME);
                    lock.execute();
                }
                boolean created = !exists(c, NAME);
                if (created) {
                    try (Statement s = c.createStatement()) {
                        for (String statement : STATEMENTS) {
                            s.execute(statement);
                        }
                    }
                }
                c.commit();
                return created;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new ValmiException("Could not create db-scheduler's table " + NAME + ": " + e.getMessage()
                + "; run ScheduledTasksTable.ddl() as a user that may create tables in the first schema of the"
                + " search_path, and grant SELECT, INSERT, UPDATE, DELETE on it to the application's user", e,
                false);
        }
    }

    /**
     * Fails unless a table of that name is on the connections' {@code search_path}.
     *
     * @param dataSource the connections db-scheduler uses
     * @param tableName the table's name, as db-scheduler is told it
     * @throws ConfigurationException when it is not, saying how to create it
     */
    static void require(DataSource dataSource, String tableName) {
        boolean exists;
        try (Connection c = dataSource.getConnection()) {
            exists = exists(c, tableName);
        } catch (SQLException e) {
            throw new ValmiException("Could not look up db-scheduler's table " + tableName + ": " + e.getMessage(), e,
                true);
        }
        if (!exists) {
            throw new ConfigurationException("db-scheduler's table " + tableName + " does not exist (looked up on the"
                + " search_path of the DataSource's connections): create it with ScheduledTasksTable.create(dataSource),"
                + " or have your DBA run ScheduledTasksTable.ddl()" + (tableName.equals(NAME) ? ""
                : " with the table's name changed to " + tableName));
        }
    }

    private static boolean exists(Connection c, String tableName) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select pg_catalog.to_regclass(?) is not null")) {
            s.setString(1, tableName);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
