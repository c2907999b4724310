package io.valmi.postgres.internal;

import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * What a run reads: a relation by its schema and name, or an application's SQL query by the name it was given
 * ({@code docs/internals.md#a-query-as-the-source}).
 *
 * @param schema the relation's schema; empty for a query
 * @param name the relation's exact name, or the query's name (for messages, logs and the job record)
 * @param sql the query's text, or {@code null} for a relation
 */
record SourceRef(String schema, String name, @Nullable String sql) {

    /**
     * A relation.
     *
     * @param schema its schema
     * @param name its exact name
     * @return the reference
     */
    static SourceRef relation(String schema, String name) {
        return new SourceRef(schema, name, null);
    }

    /**
     * A query.
     *
     * @param name its name
     * @param sql its text: one {@code SELECT} (or {@code WITH ... SELECT}, {@code VALUES}, {@code TABLE})
     * @return the reference
     */
    static SourceRef query(String name, String sql) {
        return new SourceRef("", name, sql);
    }

    /** Whether this is a query. */
    boolean isQuery() {
        return sql != null;
    }

    /**
     * The source as a table expression of a {@code FROM} clause: the relation's quoted name, or the query's text in
     * parentheses ({@link PgTemplates#userQuery}). Alias it.
     *
     * @return the table
     */
    Table<?> table() {
        String text = sql;
        return text == null ? DSL.table(Sql.name(schema, name)) : PgTemplates.userQuery(text);
    }

    /** The source in a message: {@code query "name"} or {@code "schema"."name"}. */
    @Override
    public String toString() {
        return sql != null ? "query \"" + name + "\"" : "\"" + schema + "\".\"" + name + "\"";
    }
}
