package io.valmi;

/**
 * One column of a {@link Source}.
 *
 * @param name the column name, exactly as the source spells it
 * @param typeName the source's name of its type (for PostgreSQL, as {@code format_type} prints it)
 * @param nullable whether the column may hold NULL
 */
public record SourceColumn(String name, String typeName, boolean nullable) {
}
