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
    FOREIGN_TABLE;

    static RelationKind fromRelkind(String relkind) {
        switch (relkind) {
            case "r":
                return TABLE;
            case "v":
                return VIEW;
            case "m":
                return MATERIALIZED_VIEW;
            case "p":
                return PARTITIONED_TABLE;
            case "f":
                return FOREIGN_TABLE;
            default:
                throw new IllegalArgumentException("Not a readable relation kind: " + relkind);
        }
    }
}
