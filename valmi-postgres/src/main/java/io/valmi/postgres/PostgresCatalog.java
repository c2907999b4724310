package io.valmi.postgres;

import io.valmi.ConfigurationException;
import io.valmi.postgres.internal.Postgres;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Discovery: the schemas a user can see, the tables and views in one, and for one relation its columns and
 * candidate keys. Every query reads {@code pg_catalog}; nothing is written.
 *
 * <pre>{@code
 * PostgresCatalog catalog = PostgresCatalog.of(connection.dataSource());
 * for (String schema : catalog.namespaces()) {
 *     for (Relation r : catalog.relations(schema)) {
 *         RelationDetails details = catalog.describe(r.schema(), r.name());
 *     }
 * }
 * }</pre>
 */
public final class PostgresCatalog {
    private final DataSource dataSource;
    private final String bookkeepingSchema;

    private PostgresCatalog(DataSource dataSource, String bookkeepingSchema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.bookkeepingSchema = Objects.requireNonNull(bookkeepingSchema, "bookkeepingSchema");
    }

    /**
     * A catalog that hides the default bookkeeping schema.
     *
     * @param dataSource where connections come from
     * @return the catalog
     */
    public static PostgresCatalog of(DataSource dataSource) {
        return new PostgresCatalog(dataSource, PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA);
    }

    /**
     * A catalog that hides the given bookkeeping schema.
     *
     * @param dataSource where connections come from
     * @param bookkeepingSchema the bookkeeping schema to leave out of {@link #namespaces()}
     * @return the catalog
     */
    public static PostgresCatalog of(DataSource dataSource, String bookkeepingSchema) {
        return new PostgresCatalog(dataSource, bookkeepingSchema);
    }

    /**
     * The schemas the user may use, without {@code pg_catalog}, {@code information_schema}, TOAST and temporary
     * schemas and the bookkeeping schema.
     *
     * @return schema names, sorted
     */
    public List<String> namespaces() {
        return Postgres.namespaces(dataSource, bookkeepingSchema);
    }

    /**
     * The tables, views, materialized views, partitioned tables (the parent only) and foreign tables of a schema.
     *
     * @param schema the schema
     * @return relations, sorted by name
     */
    public List<Relation> relations(String schema) {
        return Postgres.relations(dataSource, schema);
    }

    /**
     * One relation with its columns and candidate keys.
     *
     * @param schema the schema
     * @param name the relation's exact name
     * @return the details
     * @throws ConfigurationException when there is no such readable relation
     */
    public RelationDetails describe(String schema, String name) {
        return find(schema, name).orElseThrow(() -> Postgres.notFound(schema, name));
    }

    /**
     * One relation with its columns and candidate keys, if it exists.
     *
     * @param schema the schema
     * @param name the relation's exact name
     * @return the details, or empty
     */
    public Optional<RelationDetails> find(String schema, String name) {
        return Postgres.describe(dataSource, schema, name);
    }
}
