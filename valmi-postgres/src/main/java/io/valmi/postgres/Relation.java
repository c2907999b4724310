package io.valmi.postgres;

/**
 * A table or view in a schema.
 *
 * @param schema the schema (namespace)
 * @param name the relation's name, exactly as in the catalog
 * @param kind what it is
 */
public record Relation(String schema, String name, RelationKind kind) {
    @Override
    public String toString() {
        return schema + "." + name + " (" + kind + ")";
    }
}
