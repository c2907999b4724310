package io.valmi.postgres;

import io.valmi.postgres.internal.Postgres;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What valmi's database user needs, as a script for an administrator and as a check.
 *
 * <p>The user needs full access to its private bookkeeping schema (default {@code valmi_scratch_computed_}),
 * where valmi keeps per job a snapshot of what the destination holds, a scratch plan table and a table of
 * invalid and rejected rows, plus the job and run history; and read-only access (USAGE on the schema, SELECT on
 * the relations) to the tables and views it syncs. It never writes to those schemas.
 */
public final class PostgresPermissions {
    private PostgresPermissions() {
    }

    /**
     * The setup script for an administrator to read and run: CREATE USER (with a password placeholder to replace),
     * the bookkeeping schema and its grants, and per schema USAGE, SELECT on all tables, EXECUTE on all functions,
     * and default privileges for tables and functions created later. To run it from code, with a password, use
     * {@link #setupStatements(String, String, List, String)}.
     *
     * @param user the user to create
     * @param schemas the schemas it may read
     * @param bookkeepingSchema its bookkeeping schema
     * @return the script, one statement per line
     */
    public static String setupScript(String user, List<String> schemas, String bookkeepingSchema) {
        return String.join("\n", Postgres.setupScript(user, schemas, bookkeepingSchema)) + "\n";
    }

    /**
     * The setup script for the default bookkeeping schema.
     *
     * @param user the user to create
     * @param schemas the schemas it may read
     * @return the script
     */
    public static String setupScript(String user, List<String> schemas) {
        return setupScript(user, schemas, PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA);
    }

    /**
     * The setup script's statements with the user's password, for a test or an installer to run one by one through
     * JDBC ({@code Statement.execute}), in this order, as a role that may create roles and schemas and grant on the
     * readable schemas.
     *
     * <p>The password is written into the {@code CREATE USER} statement as a string literal, quoted by jOOQ, so any
     * character is safe. valmi never logs these statements; but the returned list holds the password, so do not log it
     * either, and note that PostgreSQL itself writes {@code CREATE USER} statements to its log when
     * {@code log_statement} is {@code ddl} or {@code all}. The statements are those of
     * {@link #setupScript(String, List, String)}, without the final semicolons.
     *
     * @param user the user to create
     * @param password its password, not empty
     * @param schemas the schemas it may read
     * @param bookkeepingSchema its bookkeeping schema
     * @return the statements, each one that JDBC can run on its own
     * @throws IllegalArgumentException when the password is empty
     */
    public static List<String> setupStatements(String user, String password, List<String> schemas,
                                               String bookkeepingSchema) {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("PostgresPermissions.setupStatements needs a password for user \""
                + user + "\": PostgreSQL does not let a user log in with an empty one");
        }
        return Postgres.setupStatements(Objects.requireNonNull(user, "user"), password, List.copyOf(schemas),
            Objects.requireNonNull(bookkeepingSchema, "bookkeepingSchema"));
    }

    /**
     * The setup script's statements with the user's password, for the default bookkeeping schema.
     *
     * @param user the user to create
     * @param password its password, not empty
     * @param schemas the schemas it may read
     * @return the statements, each one that JDBC can run on its own
     * @throws IllegalArgumentException when the password is empty
     * @see #setupStatements(String, String, List, String)
     */
    public static List<String> setupStatements(String user, String password, List<String> schemas) {
        return setupStatements(user, password, schemas, PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA);
    }

    /**
     * Checks whether the connected user can sync a relation.
     *
     * @param dataSource connects as the user to check
     * @param bookkeepingSchema the bookkeeping schema
     * @param schema the relation's schema
     * @param relation the relation
     * @param columns the columns the sync reads (key and mapped columns)
     * @return the missing privileges with their fixes; empty when all is well
     */
    public static List<MissingGrant> check(DataSource dataSource, String bookkeepingSchema, String schema,
                                           String relation, List<String> columns) {
        return Postgres.checkPermissions(dataSource, bookkeepingSchema, schema, relation, columns);
    }

    /**
     * The role without login that owns a bookkeeping schema set up by {@link #setupScript}: every user the script
     * sets up is a member of it.
     *
     * @param bookkeepingSchema the bookkeeping schema
     * @return the role's name ({@code <schema>_owner}, shortened with a hash when that exceeds 63 bytes)
     */
    public static String ownerRole(String bookkeepingSchema) {
        return Postgres.ownerRole(bookkeepingSchema);
    }
}
