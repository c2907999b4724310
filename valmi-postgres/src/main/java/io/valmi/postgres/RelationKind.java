package io.valmi.postgres;

/** The kinds of relation valmi can read from. */
public enum RelationKind {
    /** An ordinary table ({@code relkind 'r'}). */
    TABLE,
    /** A view ({@code 'v'}). */
    VIEW,
    /** A materialized view ({@code 'm'}). */
    MATERIALIZED_VIEW,
    /** A partitioned table ({@code 'p'}): the parent; its partitions are not listed separately. */
    PARTITIONED_TABLE,
    /** A foreign table ({@code 'f'}). */
    FOREIGN_TABLE,
    /**
     * An application's SQL query ({@code PostgresSource.Builder.query}), not a relation of the catalog: its
     * {@link Relation#schema()} is empty and its {@link Relation#name()} the name the query was given.
     */
    QUERY
}
