package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.name;

import io.valmi.ConfigurationException;
import io.valmi.postgres.Column;
import io.valmi.postgres.MissingGrant;
import io.valmi.postgres.Relation;
import io.valmi.postgres.RelationDetails;
import io.valmi.postgres.RelationKind;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.postgresql.PGConnection;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;

/**
 * An application's SQL query as a source ({@code PostgresSource.Builder.query}): its text checked, its columns and
 * their types discovered without running it, and the server's errors about it said in the user's terms. See
 * {@code docs/internals.md#a-query-as-the-source}.
 *
 * <p>A run reads a query only as a subquery ({@code FROM (<query>) t}), so PostgreSQL's grammar refuses what is not
 * a {@code SELECT}: {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE} and DDL are syntax errors there, and
 * a {@code WITH} holding one is refused ("WITH clause containing a data-modifying statement must be at the top
 * level"). Two things pgjdbc does before the server sees the text are checked here, with pgjdbc's own parser, before
 * anything is sent: it splits a text at a {@code ;} outside parentheses, quotes and comments into several statements,
 * and reads a {@code ?} outside quotes as a parameter.
 */
final class UserQuery {
    /** SQLSTATE insufficient_privilege. */
    static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final SecureRandom RANDOM = new SecureRandom();

    private UserQuery() {
    }

    /**
     * A query's text without the semicolons and white space it ends with (a query copied from a console often ends
     * with {@code ;}, which a subquery cannot hold).
     *
     * @param sql the text
     * @return the text to read
     */
    static String trimmed(String sql) {
        String text = sql.strip();
        while (text.endsWith(";")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        return text;
    }

    /**
     * Refuses a text that pgjdbc would not send as one statement without parameters: a second statement after a
     * {@code ;} outside parentheses, quotes and comments (a parenthesis the query closes that it did not open lets one
     * out of the subquery), or a {@code ?} outside quotes.
     *
     * @param c the connection the text will be sent on (for its {@code standard_conforming_strings})
     * @param source the query
     * @param description the source, for the message
     * @throws SQLException when pgjdbc's parser fails
     */
    static void checkText(Connection c, SourceRef source, String description) throws SQLException {
        if (sql(source).isBlank()) {
            throw refused(source, description, "its text is empty");
        }
        boolean standardStrings = !c.isWrapperFor(PGConnection.class)
            || !"off".equals(c.unwrap(PGConnection.class).getParameterStatus("standard_conforming_strings"));
        List<NativeQuery> statements = Parser.parseJdbcSql(Sql.render(describeView("v", source)), standardStrings, true,
            true, false, false);
        if (statements.size() != 1) {
            throw refused(source, description, "its text holds more than one statement (a ';' outside quotes and"
                + " comments, after a parenthesis the query closes but did not open): give one SELECT statement");
        }
        if (statements.get(0).bindPositions.length > 0) {
            throw refused(source, description, "its text holds a '?' outside quotes, which JDBC reads as a parameter"
                + " (valmi binds none): write the jsonb operators ?, ?| and ?& as ??, ??| and ??& (JDBC's escape),"
                + " or call jsonb_exists, jsonb_exists_any, jsonb_exists_all");
        }
    }

    /**
     * Describes a query without running it: creates a temporary view of it, reads the view's columns and their types
     * from the catalog as {@link Describe} does a view's. Run it in a transaction that is rolled back
     * ({@link Session#rolledBack}): the view never persists.
     *
     * @param c the connection, in a transaction that will be rolled back
     * @param source the query
     * @param description the source, for messages
     * @return the query's columns (all nullable, no candidate keys) and type policies
     * @throws ConfigurationException when PostgreSQL refuses the query
     * @throws SQLException on another failure
     */
    static Describe.Described describe(Connection c, SourceRef source, String description) throws SQLException {
        checkText(c, source, description);
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String view = "valmi_query_" + HexFormat.of().formatHex(random);
        try {
            Sql.execute(c, describeView(view, source));
        } catch (SQLException e) {
            throw refusedByServer(source, description, e);
        }
        Field<Long> tempSchema = DSL.function(name("pg_catalog", "pg_my_temp_schema"), SQLDataType.BIGINT);
        long oid = Sql.fetch(c, DSL.select(PgCatalog.C_OID).from(PgCatalog.C)
            .where(PgCatalog.C_NAMESPACE.eq(tempSchema)).and(PgCatalog.C_NAME.eq(DSL.val(view))),
            rs -> rs.getLong(1)).get(0);
        List<Column> columns = new ArrayList<>();
        Map<String, ColumnType> types = new HashMap<>();
        for (CatalogQueries.ColumnRow col : CatalogQueries.columns(c, oid)) {
            columns.add(new Column(col.name(), col.position(), col.type(), true));
            types.put(col.name(), col.columnType());
        }
        return new Describe.Described(new RelationDetails(new Relation("", source.name(), RelationKind.QUERY),
            columns, List.of()), oid, Map.copyOf(types));
    }

    /** {@code CREATE VIEW pg_temp.<view> AS SELECT * FROM (<query>) AS q}. */
    private static Query describeView(String view, SourceRef source) {
        return DSL.createView(name("pg_temp", view)).as(DSL.select(DSL.asterisk()).from(source.table().as("q")));
    }

    /**
     * The error for a query PostgreSQL refused while describing or checking it, with what to do. Failures that are not
     * the query's (the connection, a read-only server, a query that fails on its data) are thrown as they are, for the
     * session to wrap.
     *
     * @param source the query
     * @param description the source
     * @param e the server's error
     * @return the exception to throw
     * @throws SQLException when the failure is not about the query's text
     */
    static RuntimeException refusedByServer(SourceRef source, String description, SQLException e)
        throws SQLException {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (!state.startsWith("42") && !state.equals("0A000")) {
            throw e;
        }
        String advice;
        switch (state) {
            case "42601":
                advice = "it must be one SELECT statement (or WITH ... SELECT, VALUES, TABLE): valmi reads it as a"
                    + " subquery, so INSERT, UPDATE, DELETE, MERGE, DDL and further statements are refused";
                break;
            case "0A000":
                advice = "a source query only reads: a WITH clause holding INSERT, UPDATE, DELETE or MERGE is"
                    + " refused";
                break;
            case "42P01":
            case "42883":
            case "42704":
            case "3F000":
                advice = "valmi runs the query with search_path = pg_catalog, so that its result does not depend on"
                    + " the connection's settings: qualify your own tables, types and functions with their schema"
                    + " (e.g. public.orders)";
                break;
            case "42701":
                advice = "give each column of the query's result a name of its own (... AS name)";
                break;
            case INSUFFICIENT_PRIVILEGE:
                advice = "the user lacks a privilege the query needs (valmi describes a query through a temporary"
                    + " view that is rolled back at once, which needs the TEMPORARY privilege on the database)";
                break;
            default:
                advice = "fix the query";
        }
        return refused(source, description, "PostgreSQL refused it: " + e.getMessage() + " [SQLState " + state
            + "]; " + advice);
    }

    /**
     * What is missing when the user may not read what the query reads: the server's words (they name the relation), and
     * the kind of GRANT that fixes it.
     *
     * @param user the connected user
     * @param source the query
     * @param e the server's error (SQLSTATE {@value #INSUFFICIENT_PRIVILEGE})
     * @return the missing privilege
     */
    static MissingGrant missingGrant(String user, SourceRef source, SQLException e) {
        return new MissingGrant("cannot run " + source + ": " + e.getMessage(),
            "GRANT SELECT ON <each relation the query reads> TO " + Sql.JOOQ.render(DSL.quotedName(user))
                + "; (and USAGE on their schemas)");
    }

    private static ConfigurationException refused(SourceRef source, String description, String why) {
        return new ConfigurationException("Cannot read " + source + " of " + description + ": " + why
            + ". Nothing was changed");
    }

    private static String sql(SourceRef source) {
        String sql = source.sql();
        if (sql == null) {
            throw new IllegalArgumentException(source + " is not a query");
        }
        return sql;
    }
}
