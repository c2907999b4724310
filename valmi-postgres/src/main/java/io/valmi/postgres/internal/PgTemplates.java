package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;

import java.util.List;
import org.jooq.Condition;
import org.jooq.Context;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.impl.CustomQueryPart;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The PostgreSQL-only SQL that jOOQ has no typed form for, one named method per template; everything else the package
 * renders is typed jOOQ. The templates take their parts as jOOQ query parts, so identifiers stay quoted and values
 * bound or inlined by jOOQ; none takes SQL text from elsewhere, but {@link #userQuery}, the one place where an
 * application's own query text is written into a statement.
 */
final class PgTemplates {
    /**
     * The type {@code pg_catalog.xid} (a row version's 32-bit {@code xmin}). jOOQ's only {@code xid} type,
     * {@code PostgresDataType.XID}, is deprecated for removal; a domain of that name renders as the type.
     */
    static final DataType<Long> XID = DSL.domain(DSL.name("pg_catalog", "xid"), SQLDataType.BIGINT).getDataType();

    private PgTemplates() {
    }

    // ---- Bookkeeping tables ----

    /**
     * An application's query as a derived table: {@code (<text>\n)}, alias it. The text is written as it is, never
     * parsed by jOOQ (no {@code ?} or <code>{0}</code> of its own is read as a placeholder); the newline ends a line
     * comment the text may end with. pgjdbc still reads a {@code ?} outside quotes as a parameter and splits at a
     * {@code ;} outside parentheses: {@link UserQuery#checkText} refuses such texts before any is sent.
     *
     * @param sql the query's text
     * @return the table
     */
    static Table<?> userQuery(String sql) {
        return DSL.table("({0}\n)", new Verbatim(sql));
    }

    /** Text written into the SQL as it is. */
    private static final class Verbatim extends CustomQueryPart {
        private static final long serialVersionUID = 1L;
        private final String text;

        Verbatim(String text) {
            this.text = text;
        }

        @Override
        public void accept(Context<?> ctx) {
            ctx.sql(text);
        }
    }

    /**
     * {@code CREATE UNLOGGED TABLE table AS select}: a scratch table that crash recovery empties.
     *
     * @param table the table
     * @param select its rows
     * @return the statement
     */
    static Query createUnloggedTableAs(Name table, Select<?> select) {
        return DSL.query("CREATE UNLOGGED TABLE {0} AS {1}", table, select);
    }

    /**
     * {@code ALTER TABLE table SET (fillfactor = percent)}.
     *
     * @param table the table
     * @param percent how full its pages are written
     * @return the statement
     */
    static Query setFillfactor(Name table, int percent) {
        return DSL.query("ALTER TABLE {0} SET (fillfactor = {1})", table, inline(percent));
    }

    /**
     * {@code ALTER TABLE table OWNER TO role}.
     *
     * @param table the table
     * @param role its new owner
     * @return the statement
     */
    static Query alterTableOwner(Name table, Name role) {
        return DSL.query("ALTER TABLE {0} OWNER TO {1}", table, role);
    }

    /**
     * {@code DROP INDEX IF EXISTS schema.index}: jOOQ 3.19's {@code dropIndexIfExists} renders the index's name
     * without its schema, which PostgreSQL then looks for on the session's {@code search_path}.
     *
     * @param index the index, qualified by its schema
     * @return the statement
     */
    static Query dropIndexIfExists(Name index) {
        return DSL.query("DROP INDEX IF EXISTS {0}", index);
    }

    /**
     * {@code ANALYZE table (columns)}: statistics of some columns, sampled as {@code default_statistics_target} says.
     *
     * @param table the table
     * @param columns the columns
     * @return the statement
     */
    static Query analyze(Name table, Name... columns) {
        return DSL.query("ANALYZE {0} ({1})", table, DSL.list(columns));
    }

    /**
     * {@code COPY table (columns) FROM STDIN}, for rows sent by the client ({@link Sql#copyIn}).
     *
     * @param table the table
     * @param columns the columns, in the rows' order
     * @return the statement
     */
    static Query copyFromStdin(Name table, Name... columns) {
        return DSL.query("copy {0} ({1}) from stdin", table, DSL.list(columns));
    }

    /**
     * {@code COPY table (columns) FROM STDIN (FORMAT binary)}: jOOQ has no COPY.
     *
     * @param table the table
     * @param columns its columns, in the order of the rows' values
     * @return the statement
     */
    static Query copyFromStdinBinary(Name table, Name... columns) {
        return DSL.query("copy {0} ({1}) from stdin (format binary)", table, DSL.list(columns));
    }

    // ---- Values ----

    /**
     * A key given as text, read as the key column of {@code table}: the text is cast to the table's row type, which
     * parses it with the key type's input function, whatever that type is. The key is the table's first column; the
     * row has one field for each of {@link JobTables#SNAPSHOT_COLUMNS}, the key and NULLs.
     *
     * @param keyText the key's text form
     * @param table a table shaped like a snapshot
     * @param keyColumn its key column
     * @return the key, of the column's type
     */
    static Field<Object> keyFromText(Field<String> keyText, Name table, Name keyColumn) {
        String nulls = ", NULL".repeat(JobTables.SNAPSHOT_COLUMNS.size() - 1);
        return DSL.field("(CAST(CAST(ROW({0}" + nulls + ") AS text) AS {1})).{2}", keyText, table, keyColumn);
    }

    /**
     * A NULL of exactly a column's type ({@code (CAST(NULL AS table)).column}), without naming the type.
     *
     * @param table the table
     * @param column the column
     * @return the NULL
     */
    static Field<Object> nullOfColumnType(Name table, Name column) {
        return DSL.field("(CAST(NULL AS {0})).{1}", table, column);
    }

    /**
     * The text form of a row of values ({@code ROW(values)::text}).
     *
     * @param values the values
     * @return the text
     */
    static Field<String> rowText(List<? extends Field<?>> values) {
        return DSL.field("ROW({0})::text", SQLDataType.CLOB, DSL.list(values));
    }

    /**
     * {@code field = ANY(array)}, for an array bound untyped ({@link Sql#untyped}) that the server reads as an array
     * of the field's type.
     *
     * @param field the field
     * @param array the array
     * @return the condition
     */
    static Condition equalsAny(Field<?> field, Field<?> array) {
        return DSL.condition("{0} = ANY({1})", field, array);
    }

    /**
     * Pairs of texts, from two arrays of the same length bound untyped ({@link Sql#untyped}):
     * {@code unnest(first::text[], second::text[]) AS alias(firstColumn, secondColumn)}. Two bind values however many
     * pairs (a {@code VALUES} list would need two per pair, and pgjdbc takes at most 65,535).
     *
     * @param first the first array
     * @param second the second array
     * @param alias the table's alias
     * @param firstColumn the name of the first column
     * @param secondColumn the name of the second column
     * @return the table
     */
    static Table<?> textPairs(Field<?> first, Field<?> second, String alias, String firstColumn, String secondColumn) {
        return DSL.table("unnest(CAST({0} AS text[]), CAST({1} AS text[]))", first, second)
            .as(alias, firstColumn, secondColumn);
    }

    /**
     * A number as an {@code oid} ({@code value::oid}).
     *
     * @param value the number
     * @return the oid
     */
    static Field<Long> oid(Field<Long> value) {
        return DSL.field("{0}::oid", SQLDataType.BIGINT, value);
    }

    /**
     * A relation's name as {@code regclass} prints it ({@code oid::regclass::text}: qualified and quoted where the
     * search path needs it).
     *
     * @param oid the relation's oid
     * @return the name
     */
    static Field<String> regclassText(Field<Long> oid) {
        return DSL.field("{0}::regclass::text", SQLDataType.CLOB, oid);
    }

    /**
     * {@code session_user}: the user that connected (not the role set since).
     *
     * @return the field
     */
    static Field<String> sessionUser() {
        return DSL.field(DSL.sql("session_user"), SQLDataType.CLOB);
    }

    // ---- Roles and privileges: the setup script and the fixes of missing grants, rendered for people ----

    /**
     * {@code CREATE USER user WITH PASSWORD password}.
     *
     * @param user the user
     * @param password the password (a placeholder in a script)
     * @return the statement
     */
    static Query createUser(Name user, String password) {
        return DSL.query("CREATE USER {0} WITH PASSWORD {1}", user, inline(password));
    }

    /**
     * {@code CREATE ROLE role NOLOGIN}.
     *
     * @param role the role
     * @return the statement
     */
    static Query createRoleWithoutLogin(Name role) {
        return DSL.query("CREATE ROLE {0} NOLOGIN", role);
    }

    /**
     * {@code DO 'BEGIN statement; EXCEPTION WHEN duplicate_object THEN NULL; END'}: a statement that does nothing when
     * what it creates exists.
     *
     * @param statement the statement
     * @return the block
     */
    static Query unlessItExists(Query statement) {
        return doBlock(DSL.query("BEGIN {0}; EXCEPTION WHEN duplicate_object THEN NULL; END", statement));
    }

    /**
     * {@code DO '...'}: for each row {@code r} of a query (one column {@code t}), {@code EXECUTE format(format, r.t,
     * argument)}.
     *
     * @param rows the rows
     * @param format the format ({@code pg_catalog.format})
     * @param argument its second argument
     * @return the block
     */
    static Query forEachRowExecute(Select<?> rows, String format, String argument) {
        return doBlock(DSL.query("DECLARE r record; BEGIN FOR r IN {0} LOOP EXECUTE pg_catalog.format({1}, r.t, {2});"
            + " END LOOP; END", rows, inline(format), inline(argument)));
    }

    /** {@code DO '<body>'}: the body is rendered by jOOQ and passed as a string literal. */
    private static Query doBlock(Query body) {
        return DSL.query("DO {0}", inline(Sql.renderInlined(body)));
    }

    /**
     * {@code GRANT role TO user}: membership.
     *
     * @param role the role
     * @param user the member
     * @return the statement
     */
    static Query grantRole(Name role, Name user) {
        return DSL.query("GRANT {0} TO {1}", role, user);
    }

    /**
     * {@code GRANT role TO CURRENT_USER}.
     *
     * @param role the role
     * @return the statement
     */
    static Query grantRoleToCurrentUser(Name role) {
        return DSL.query("GRANT {0} TO CURRENT_USER", role);
    }

    /**
     * {@code CREATE SCHEMA IF NOT EXISTS schema AUTHORIZATION owner}.
     *
     * @param schema the schema
     * @param owner its owner
     * @return the statement
     */
    static Query createSchemaOwnedBy(Name schema, Name owner) {
        return DSL.query("CREATE SCHEMA IF NOT EXISTS {0} AUTHORIZATION {1}", schema, owner);
    }

    /**
     * {@code ALTER SCHEMA schema OWNER TO owner}.
     *
     * @param schema the schema
     * @param owner its new owner
     * @return the statement
     */
    static Query alterSchemaOwner(Name schema, Name owner) {
        return DSL.query("ALTER SCHEMA {0} OWNER TO {1}", schema, owner);
    }

    /**
     * {@code GRANT USAGE ON SCHEMA schema TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantUsageOnSchema(Name schema, Name user) {
        return DSL.query("GRANT USAGE ON SCHEMA {0} TO {1}", schema, user);
    }

    /**
     * {@code GRANT ALL ON SCHEMA schema TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantAllOnSchema(Name schema, Name user) {
        return DSL.query("GRANT ALL ON SCHEMA {0} TO {1}", schema, user);
    }

    /**
     * {@code GRANT SELECT ON table TO user}.
     *
     * @param table the table
     * @param user the user
     * @return the statement
     */
    static Query grantSelectOn(Name table, Name user) {
        return DSL.query("GRANT SELECT ON {0} TO {1}", table, user);
    }

    /**
     * {@code GRANT SELECT ON ALL TABLES IN SCHEMA schema TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantSelectOnAllTables(Name schema, Name user) {
        return DSL.query("GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO {1}", schema, user);
    }

    /**
     * {@code ALTER DEFAULT PRIVILEGES IN SCHEMA schema GRANT SELECT ON TABLES TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantSelectOnFutureTables(Name schema, Name user) {
        return DSL.query("ALTER DEFAULT PRIVILEGES IN SCHEMA {0} GRANT SELECT ON TABLES TO {1}", schema, user);
    }

    /**
     * {@code GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA schema TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantExecuteOnAllFunctions(Name schema, Name user) {
        return DSL.query("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {0} TO {1}", schema, user);
    }

    /**
     * {@code ALTER DEFAULT PRIVILEGES IN SCHEMA schema GRANT EXECUTE ON FUNCTIONS TO user}.
     *
     * @param schema the schema
     * @param user the user
     * @return the statement
     */
    static Query grantExecuteOnFutureFunctions(Name schema, Name user) {
        return DSL.query("ALTER DEFAULT PRIVILEGES IN SCHEMA {0} GRANT EXECUTE ON FUNCTIONS TO {1}", schema, user);
    }

    /**
     * {@code ALTER ROLE role SET default_transaction_read_only = off}.
     *
     * @param role the role
     * @return the statement
     */
    static Query letRoleWrite(Name role) {
        return DSL.query("ALTER ROLE {0} SET default_transaction_read_only = off", role);
    }
}
