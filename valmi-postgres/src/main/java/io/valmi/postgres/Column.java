package io.valmi.postgres;

/**
 * A column of a relation.
 *
 * @param name the column name
 * @param position its position, from 1
 * @param typeName the type as PostgreSQL's {@code format_type} prints it, e.g. {@code numeric(12,2)}
 * @param nullable whether the column may hold NULL (views: always {@code true})
 */
public record Column(String name, int position, String typeName, boolean nullable) {
}
