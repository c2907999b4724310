package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import io.valmi.postgres.CandidateKey;
import io.valmi.postgres.Column;
import io.valmi.postgres.Relation;
import io.valmi.postgres.RelationDetails;
import io.valmi.postgres.RelationKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Describes a relation from the catalog: what discovery shows, and what a run needs besides (oid, type policies). */
final class Describe {
    private Describe() {
    }

    /**
     * A relation as a run sees it.
     *
     * @param details its columns and candidate keys, as discovery shows them
     * @param oid its oid
     * @param columnTypes each column's type policy, by name
     */
    record Described(RelationDetails details, long oid, Map<String, ColumnType> columnTypes) {
        /** The type policy of a column the run checked exists. */
        ColumnType type(String column) {
            ColumnType type = columnTypes.get(column);
            if (type == null) {
                throw new IllegalStateException("No column \"" + column + "\" in " + details.relation());
            }
            return type;
        }
    }

    /**
     * The details of one relation, read on a connection the caller holds.
     *
     * @param c the connection, in a transaction
     * @param schema the schema
     * @param name the relation's exact name
     * @return the details, or empty when there is no such readable relation
     * @throws SQLException on failure
     */
    public static Optional<RelationDetails> details(Connection c, String schema, String name) throws SQLException {
        return relation(c, schema, name).map(Described::details);
    }

    /** The relation with its oid and its columns' type policies. */
    static Optional<Described> relation(Connection c, String schema, String name) throws SQLException {
        Optional<CatalogQueries.RelationRef> rel = CatalogQueries.relation(c, schema, name);
        if (rel.isEmpty()) {
            return Optional.empty();
        }
        long oid = rel.get().oid();
        RelationKind kind = kind(rel.get().relkind());
        boolean view = kind == RelationKind.VIEW;
        List<Column> columns = new ArrayList<>();
        Map<String, ColumnType> types = new HashMap<>();
        for (CatalogQueries.ColumnRow col : CatalogQueries.columns(c, oid)) {
            columns.add(new Column(col.name(), col.position(), col.type(), view || !col.notNull()));
            types.put(col.name(), col.columnType());
        }
        List<CandidateKey> keys = new ArrayList<>();
        for (CatalogQueries.KeyRow k : CatalogQueries.uniqueColumns(c, oid)) {
            CandidateKey.Origin origin = k.primary() ? CandidateKey.Origin.PRIMARY_KEY
                : k.constraint() != null ? CandidateKey.Origin.UNIQUE_CONSTRAINT : CandidateKey.Origin.UNIQUE_INDEX;
            if (keys.stream().noneMatch(x -> x.column().equals(k.column()))) {
                keys.add(new CandidateKey(k.column(), origin, k.notNull()));
            }
        }
        return Optional.of(new Described(new RelationDetails(new Relation(schema, name, kind), columns, keys), oid,
            Map.copyOf(types)));
    }

    /**
     * The kind of a relation from its {@code pg_class.relkind}.
     *
     * @param relkind the letter
     * @return the kind
     */
    public static RelationKind kind(String relkind) {
        switch (relkind) {
            case "r":
                return RelationKind.TABLE;
            case "v":
                return RelationKind.VIEW;
            case "m":
                return RelationKind.MATERIALIZED_VIEW;
            case "p":
                return RelationKind.PARTITIONED_TABLE;
            case "f":
                return RelationKind.FOREIGN_TABLE;
            default:
                throw new IllegalArgumentException("Not a readable relation kind: " + relkind);
        }
    }

    /**
     * The error when a relation is missing or invisible.
     *
     * @param schema the schema
     * @param name the relation
     * @return the exception to throw
     */
    public static ConfigurationException notFound(String schema, String name) {
        return new ConfigurationException("No table or view \"" + schema
            + "\".\"" + name + "\" that the user can see: check the schema and name (they are case-sensitive), "
            + "and that the user has USAGE on the schema");
    }
}
