package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.val;

import io.valmi.postgres.MissingGrant;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Query;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The setup script and the privilege check, both rendered by jOOQ with quoted identifiers. */
final class Grants {
    private Grants() {
    }

    /** What the script's text version says in place of a password. */
    static final String PASSWORD_PLACEHOLDER = "<choose a strong password>";

    /**
     * The statements that set a user up, as the valmi.io guide describes, for a bookkeeping schema that several users
     * (several applications, or an application and an administrator) may share: the schema and every table in it
     * belong to a role without login ({@link #ownerRole}) that each of them is a member of, so that each may use and
     * change every table in it. Running the script again for another user adds that user.
     *
     * @param user the database user to create
     * @param password its password, inlined by jOOQ as a string literal (or {@link #PASSWORD_PLACEHOLDER})
     * @param schemas the schemas whose tables and views it may read
     * @param bookkeepingSchema the schema it keeps its bookkeeping in
     * @return the statements, without a final semicolon, each one that JDBC can run on its own
     */
    public static List<String> setupStatements(String user, String password, List<String> schemas,
                                               String bookkeepingSchema) {
        Name owner = DSL.quotedName(ownerRole(bookkeepingSchema));
        Name schema = DSL.quotedName(bookkeepingSchema);
        List<Query> out = new ArrayList<>();
        Name member = DSL.quotedName(user);
        out.add(PgTemplates.createUser(member, password));
        out.add(PgTemplates.unlessItExists(PgTemplates.createRoleWithoutLogin(owner)));
        out.add(PgTemplates.grantRole(owner, member));
        out.add(PgTemplates.grantRoleToCurrentUser(owner));
        out.add(PgTemplates.createSchemaOwnedBy(schema, owner));
        out.add(PgTemplates.alterSchemaOwner(schema, owner));
        // Tables made before (by a sync run as another user) move to the owner role too.
        out.add(PgTemplates.forEachRowExecute(
            DSL.select(PgTemplates.regclassText(PgCatalog.C_OID).as("t")).from(PgCatalog.C).join(PgCatalog.N)
                .on(PgCatalog.N_OID.eq(PgCatalog.C_NAMESPACE))
                .where(PgCatalog.N_NAME.eq(inline(bookkeepingSchema)))
                .and(PgCatalog.C_KIND.in(inline("r"), inline("p"))),
            "ALTER TABLE %s OWNER TO %I", ownerRole(bookkeepingSchema)));
        for (String s : schemas) {
            Name readable = DSL.quotedName(s);
            out.add(PgTemplates.grantUsageOnSchema(readable, member));
            out.add(PgTemplates.grantSelectOnAllTables(readable, member));
            out.add(PgTemplates.grantSelectOnFutureTables(readable, member));
            out.add(PgTemplates.grantExecuteOnAllFunctions(readable, member));
            out.add(PgTemplates.grantExecuteOnFutureFunctions(readable, member));
        }
        return out.stream().map(Sql::renderInlined).toList();
    }

    /**
     * The setup script for a person to read and run: {@link #setupStatements} with {@link #PASSWORD_PLACEHOLDER}.
     *
     * @param user the database user to create
     * @param schemas the schemas whose tables and views it may read
     * @param bookkeepingSchema the schema it keeps its bookkeeping in
     * @return the statements, each ending with a semicolon
     */
    public static List<String> setupScript(String user, List<String> schemas, String bookkeepingSchema) {
        return setupStatements(user, PASSWORD_PLACEHOLDER, schemas, bookkeepingSchema).stream()
            .map(statement -> statement + ";").toList();
    }

    /**
     * The role that owns a bookkeeping schema set up by {@link #setupScript}: the schema's name with {@code _owner}
     * (when that fits PostgreSQL's 63 bytes; else a shortened name with a hash of the schema's).
     *
     * @param bookkeepingSchema the schema
     * @return the role's name
     */
    public static String ownerRole(String bookkeepingSchema) {
        String name = bookkeepingSchema + "_owner";
        if (name.getBytes(StandardCharsets.UTF_8).length <= 63) {
            return name;
        }
        return "valmi_owner_" + JobTables.suffix(bookkeepingSchema);
    }

    private static String render(Query q) {
        return Sql.renderInlined(q) + ";";
    }

    /**
     * Checks what a sync of one relation needs: create (or use) the bookkeeping schema, use the source schema,
     * read the mapped columns.
     *
     * @param c the connection
     * @param bookkeepingSchema the bookkeeping schema
     * @param schema the source schema
     * @param relation the source relation
     * @param columns the columns the sync reads
     * @return the missing privileges, empty when all is well
     * @throws SQLException on failure
     */
    public static List<MissingGrant> check(Connection c, String bookkeepingSchema, String schema, String relation,
                                           List<String> columns) throws SQLException {
        String user = currentUser(c);
        List<MissingGrant> missing = new ArrayList<>();
        checkBookkeeping(c, user, bookkeepingSchema, missing);
        if (!CatalogQueries.schemaExists(c, schema)) {
            return missing;
        }
        if (!bool(c, PgCatalog.has("has_schema_privilege", val(schema), inline("USAGE")))) {
            missing.add(new MissingGrant("cannot use schema \"" + schema + "\"",
                render(PgTemplates.grantUsageOnSchema(DSL.quotedName(schema), DSL.quotedName(user)))));
        }
        Optional<CatalogQueries.RelationRef> rel = CatalogQueries.relation(c, schema, relation);
        if (rel.isEmpty()) {
            return missing;
        }
        Field<Long> oid = PgTemplates.oid(val(rel.get().oid()));
        boolean table = bool(c, PgCatalog.has("has_table_privilege", oid, inline("SELECT")));
        if (!table) {
            List<String> unreadable = new ArrayList<>();
            for (String col : columns) {
                if (!bool(c, PgCatalog.has("has_column_privilege", oid, val(col),
                    inline("SELECT")))) {
                    unreadable.add(col);
                }
            }
            if (!unreadable.isEmpty()) {
                missing.add(new MissingGrant("cannot SELECT from \"" + schema + "\".\"" + relation + "\""
                    + (unreadable.size() < columns.size() ? " (columns " + unreadable + ")" : ""),
                    render(PgTemplates.grantSelectOn(DSL.quotedName(schema, relation), DSL.quotedName(user)))));
            }
        }
        return missing;
    }

    /**
     * Checks what a sync of an application's query needs besides reading what the query reads (the server says so when
     * it runs the query): create (or use) the bookkeeping schema.
     *
     * @param c the connection
     * @param bookkeepingSchema the bookkeeping schema
     * @return the missing privileges, empty when all is well
     * @throws SQLException on failure
     */
    public static List<MissingGrant> checkBookkeeping(Connection c, String bookkeepingSchema) throws SQLException {
        List<MissingGrant> missing = new ArrayList<>();
        checkBookkeeping(c, currentUser(c), bookkeepingSchema, missing);
        return missing;
    }

    private static void checkBookkeeping(Connection c, String user, String bookkeepingSchema,
                                         List<MissingGrant> missing) throws SQLException {
        boolean bookkeepingExists = CatalogQueries.schemaExists(c, bookkeepingSchema);
        if (bookkeepingExists) {
            if (!bool(c, PgCatalog.has("has_schema_privilege", val(bookkeepingSchema), inline("CREATE, USAGE")))) {
                // A schema that belongs to a role without login (as the setup script makes it): membership is the fix.
                List<String> group = Sql.fetch(c, DSL.select(DSL.function(name("pg_catalog", "pg_get_userbyid"),
                        SQLDataType.VARCHAR, PgCatalog.N_OWNER)).from(PgCatalog.N)
                    .join(DSL.table(name("pg_catalog", "pg_roles")).as("r"))
                    .on(DSL.field(name("r", "oid"), SQLDataType.BIGINT).eq(PgCatalog.N_OWNER))
                    .where(PgCatalog.N_NAME.eq(val(bookkeepingSchema)))
                    .and(DSL.field(name("r", "rolcanlogin"), SQLDataType.BOOLEAN).isFalse()), rs -> rs.getString(1));
                missing.add(new MissingGrant("cannot create tables in the bookkeeping schema \"" + bookkeepingSchema
                    + "\"", group.isEmpty()
                    ? render(PgTemplates.grantAllOnSchema(DSL.quotedName(bookkeepingSchema), DSL.quotedName(user)))
                    : render(PgTemplates.grantRole(DSL.quotedName(group.get(0)), DSL.quotedName(user)))));
            }
        } else if (!bool(c, PgCatalog.has("has_database_privilege",
            DSL.function(DSL.name("pg_catalog", "current_database"), SQLDataType.VARCHAR), inline("CREATE")))) {
            missing.add(new MissingGrant("cannot create the bookkeeping schema \"" + bookkeepingSchema + "\"",
                render(DSL.createSchemaIfNotExists(DSL.quotedName(bookkeepingSchema))) + " "
                    + render(PgTemplates.grantAllOnSchema(DSL.quotedName(bookkeepingSchema), DSL.quotedName(user)))));
        }
        if (bookkeepingExists) {
            // Tables of the schema that the user cannot change (a run migrates them, builds their keys, drops a scratch
            // table another user's run left): they must belong to a role whose privileges the user has.
            Field<Long> owner = DSL.field(name("c", "relowner"), SQLDataType.BIGINT);
            for (String role : Sql.fetch(c, DSL.selectDistinct(DSL.function(name("pg_catalog", "pg_get_userbyid"),
                        SQLDataType.VARCHAR, owner)).from(PgCatalog.C).join(PgCatalog.N)
                    .on(PgCatalog.N_OID.eq(PgCatalog.C_NAMESPACE))
                    .where(PgCatalog.N_NAME.eq(val(bookkeepingSchema)))
                    .and(PgCatalog.C_KIND.in(inline("r"), inline("p")))
                    .and(DSL.not(DSL.condition(PgCatalog.has("pg_has_role", owner, inline("USAGE"))))),
                rs -> rs.getString(1))) {
                String fix = render(PgTemplates.grantRole(DSL.quotedName(role), DSL.quotedName(user)));
                String problem = "cannot change the tables of the bookkeeping schema \"" + bookkeepingSchema
                    + "\" that belong to role \"" + role + "\" (valmi adds columns and keys to them and drops scratch"
                    + " tables there; PostgresPermissions.setupScript makes one role own them all, or give this user a"
                    + " bookkeeping schema of its own)";
                int same = -1;
                for (int i = 0; i < missing.size(); i++) {
                    same = missing.get(i).fix().equals(fix) ? i : same;
                }
                if (same >= 0) {
                    missing.set(same, new MissingGrant(missing.get(same).problem() + ", and " + problem, fix));
                } else {
                    missing.add(new MissingGrant(problem, fix));
                }
            }
        }
    }

    /**
     * The connected user.
     *
     * @param c the connection
     * @return {@code current_user}
     * @throws SQLException on failure
     */
    public static String currentUser(Connection c) throws SQLException {
        return Sql.fetch(c, DSL.select(DSL.currentUser()), rs -> rs.getString(1)).get(0);
    }

    private static boolean bool(Connection c, Field<Boolean> f) throws SQLException {
        return Sql.fetch(c, DSL.select(f), rs -> rs.getBoolean(1)).get(0);
    }
}
