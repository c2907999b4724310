package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.val;

import io.valmi.postgres.MissingGrant;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The setup script and the privilege check, both rendered by jOOQ with quoted identifiers. */
public final class Grants {
    private Grants() {
    }

    /**
     * The statements that set a user up, as the valmi.io guide describes.
     *
     * @param user the database user to create
     * @param schemas the schemas whose tables and views it may read
     * @param bookkeepingSchema the schema it owns for its bookkeeping
     * @return the statements, each ending with a semicolon
     */
    public static List<String> setupScript(String user, List<String> schemas, String bookkeepingSchema) {
        List<String> out = new ArrayList<>();
        out.add(render(DSL.query("CREATE USER {0} WITH PASSWORD {1}", DSL.quotedName(user),
            inline("<choose a strong password>"))));
        out.add(render(DSL.createSchemaIfNotExists(DSL.quotedName(bookkeepingSchema))));
        out.add(render(DSL.query("GRANT ALL ON SCHEMA {0} TO {1}", DSL.quotedName(bookkeepingSchema),
            DSL.quotedName(user))));
        out.add(render(DSL.query("GRANT ALL ON ALL TABLES IN SCHEMA {0} TO {1}", DSL.quotedName(bookkeepingSchema),
            DSL.quotedName(user))));
        for (String schema : schemas) {
            out.add(render(grantUsage(schema, user)));
            out.add(render(DSL.query("GRANT SELECT ON ALL TABLES IN SCHEMA {0} TO {1}", DSL.quotedName(schema),
                DSL.quotedName(user))));
            out.add(render(DSL.query("ALTER DEFAULT PRIVILEGES IN SCHEMA {0} GRANT SELECT ON TABLES TO {1}",
                DSL.quotedName(schema), DSL.quotedName(user))));
            out.add(render(DSL.query("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {0} TO {1}", DSL.quotedName(schema),
                DSL.quotedName(user))));
            out.add(render(DSL.query("ALTER DEFAULT PRIVILEGES IN SCHEMA {0} GRANT EXECUTE ON FUNCTIONS TO {1}",
                DSL.quotedName(schema), DSL.quotedName(user))));
        }
        return out;
    }

    private static Query grantUsage(String schema, String user) {
        return DSL.query("GRANT USAGE ON SCHEMA {0} TO {1}", DSL.quotedName(schema), DSL.quotedName(user));
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
        boolean bookkeepingExists = CatalogQueries.schemaExists(c, bookkeepingSchema);
        if (bookkeepingExists) {
            if (!bool(c, PgCatalog.has("has_schema_privilege", val(bookkeepingSchema), inline("CREATE, USAGE")))) {
                missing.add(new MissingGrant("cannot create tables in the bookkeeping schema \"" + bookkeepingSchema
                    + "\"", render(DSL.query("GRANT ALL ON SCHEMA {0} TO {1}", DSL.quotedName(bookkeepingSchema),
                    DSL.quotedName(user)))));
            }
        } else if (!bool(c, PgCatalog.has("has_database_privilege",
            DSL.function(DSL.name("pg_catalog", "current_database"), SQLDataType.VARCHAR), inline("CREATE")))) {
            missing.add(new MissingGrant("cannot create the bookkeeping schema \"" + bookkeepingSchema + "\"",
                render(DSL.createSchemaIfNotExists(DSL.quotedName(bookkeepingSchema))) + " "
                    + render(DSL.query("GRANT ALL ON SCHEMA {0} TO {1}", DSL.quotedName(bookkeepingSchema),
                    DSL.quotedName(user)))));
        }
        if (!CatalogQueries.schemaExists(c, schema)) {
            return missing;
        }
        if (!bool(c, PgCatalog.has("has_schema_privilege", val(schema), inline("USAGE")))) {
            missing.add(new MissingGrant("cannot use schema \"" + schema + "\"", render(grantUsage(schema, user))));
        }
        java.util.Optional<Object[]> rel = CatalogQueries.relation(c, schema, relation);
        if (rel.isEmpty()) {
            return missing;
        }
        Field<Long> oid = DSL.field("{0}::oid", SQLDataType.BIGINT, val((Long) rel.get()[0]));
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
                    render(DSL.query("GRANT SELECT ON {0} TO {1}", DSL.quotedName(schema, relation),
                        DSL.quotedName(user)))));
            }
        }
        return missing;
    }

    /**
     * The connected user.
     *
     * @param c the connection
     * @return {@code current_user}
     * @throws SQLException on failure
     */
    public static String currentUser(Connection c) throws SQLException {
        return Sql.fetch(c, DSL.select(DSL.field(DSL.sql("current_user"), SQLDataType.VARCHAR)), rs -> rs.getString(1))
            .get(0);
    }

    private static boolean bool(Connection c, Field<Boolean> f) throws SQLException {
        return Sql.fetch(c, DSL.select(f), rs -> rs.getBoolean(1)).get(0);
    }
}
