package io.valmi.postgres.internal;

import static io.valmi.postgres.internal.PgCatalog.A;
import static io.valmi.postgres.internal.PgCatalog.A_DROPPED;
import static io.valmi.postgres.internal.PgCatalog.A_NAME;
import static io.valmi.postgres.internal.PgCatalog.A_NOT_NULL;
import static io.valmi.postgres.internal.PgCatalog.A_NUM;
import static io.valmi.postgres.internal.PgCatalog.A_REL;
import static io.valmi.postgres.internal.PgCatalog.C;
import static io.valmi.postgres.internal.PgCatalog.C_IS_PARTITION;
import static io.valmi.postgres.internal.PgCatalog.C_KIND;
import static io.valmi.postgres.internal.PgCatalog.C_NAME;
import static io.valmi.postgres.internal.PgCatalog.C_NAMESPACE;
import static io.valmi.postgres.internal.PgCatalog.C_OID;
import static io.valmi.postgres.internal.PgCatalog.I;
import static io.valmi.postgres.internal.PgCatalog.K;
import static io.valmi.postgres.internal.PgCatalog.N;
import static io.valmi.postgres.internal.PgCatalog.N_NAME;
import static io.valmi.postgres.internal.PgCatalog.N_OID;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.val;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/** Catalog queries, rendered by jOOQ. Returns plain rows; the public records are built by the caller. */
final class CatalogQueries {
    private CatalogQueries() {
    }

    /** A row of {@link #relations}. */
    public record RelationRow(String name, String relkind) {
    }

    /**
     * A row of {@link #columns}.
     *
     * @param name the column's name
     * @param position its number, from 1
     * @param type its type as {@code format_type} prints it
     * @param notNull whether it is {@code NOT NULL}
     * @param baseType the internal name of the type its values arrive in (domains resolved to their base type)
     * @param collation the collation the column declares other than its type's, quoted, or {@code null}
     */
    public record ColumnRow(String name, int position, String type, boolean notNull, String baseType,
                            @Nullable String collation) {
        /**
         * The column's type policy.
         *
         * @return the policy
         */
        ColumnType columnType() {
            return new ColumnType(type, baseType, collation);
        }
    }

    /**
     * A row of {@link #uniqueColumns}.
     *
     * @param column the indexed column
     * @param primary whether the index is the primary key's
     * @param constraint the name of the primary key or unique constraint the index belongs to, {@code null} for a
     *     plain unique index
     * @param notNull whether the column is {@code NOT NULL}
     * @param immediate whether uniqueness is checked at once ({@code false} for a {@code DEFERRABLE} constraint)
     */
    public record KeyRow(String column, boolean primary, @Nullable String constraint, boolean notNull,
                         boolean immediate) {
    }

    /**
     * Schemas the user may use, without system schemas and the given bookkeeping schema.
     *
     * @param c the connection
     * @param bookkeepingSchema excluded
     * @return schema names, sorted
     * @throws SQLException on failure
     */
    public static List<String> namespaces(Connection c, String bookkeepingSchema) throws SQLException {
        return Sql.fetch(c, DSL.select(N_NAME).from(N)
            .where(N_NAME.notIn(inline("pg_catalog"), inline("information_schema"), val(bookkeepingSchema)))
            .and(N_NAME.notLike(inline("pg\\_toast%")))
            .and(N_NAME.notLike(inline("pg\\_temp\\_%")))
            .and(PgCatalog.has("has_schema_privilege", N_OID, inline("USAGE")))
            .orderBy(N_NAME), rs -> rs.getString(1));
    }

    /**
     * Whether a schema exists (whether or not the user may use it).
     *
     * @param c the connection
     * @param schema the schema
     * @return {@code true} when it exists
     * @throws SQLException on failure
     */
    public static boolean schemaExists(Connection c, String schema) throws SQLException {
        return !Sql.fetch(c, DSL.selectOne().from(N).where(N_NAME.eq(val(schema))), rs -> 1).isEmpty();
    }

    /**
     * Readable relations of a schema (partitions left out: their parent stands for them).
     *
     * @param c the connection
     * @param schema the schema
     * @return relations, sorted by name
     * @throws SQLException on failure
     */
    public static List<RelationRow> relations(Connection c, String schema) throws SQLException {
        return Sql.fetch(c, DSL.select(C_NAME, C_KIND).from(C).join(N).on(N_OID.eq(C_NAMESPACE))
            .where(N_NAME.eq(val(schema)))
            .and(PgCatalog.READABLE_KIND)
            .and(C_IS_PARTITION.isFalse())
            .orderBy(C_NAME), rs -> new RelationRow(rs.getString(1), rs.getString(2)));
    }

    /**
     * A relation in the catalog.
     *
     * @param oid its oid
     * @param relkind its {@code pg_class.relkind}
     */
    record RelationRef(long oid, String relkind) {
    }

    /**
     * The oid and kind of one relation.
     *
     * @param c the connection
     * @param schema the schema
     * @param name the relation
     * @return the oid and relkind, if the relation exists and is readable
     * @throws SQLException on failure
     */
    public static Optional<RelationRef> relation(Connection c, String schema, String name) throws SQLException {
        return Sql.fetch(c, DSL.select(C_OID, C_KIND).from(C).join(N).on(N_OID.eq(C_NAMESPACE))
            .where(N_NAME.eq(val(schema))).and(C_NAME.eq(val(name))).and(PgCatalog.READABLE_KIND),
            rs -> new RelationRef(rs.getLong(1), rs.getString(2))).stream().findFirst();
    }

    /** A type as the catalog has it: its name, whether it is a domain ({@code d}), and a domain's base type. */
    private record TypeLink(String name, String kind, long base) {
    }

    /** A column's row of the catalog, before its type is followed through domains. */
    private record ColumnFacts(String name, int position, String formatType, boolean notNull, TypeLink type,
                               @Nullable String collation) {
    }

    /**
     * Columns of a relation, in order.
     *
     * @param c the connection
     * @param oid the relation's oid
     * @return the columns
     * @throws SQLException on failure
     */
    public static List<ColumnRow> columns(Connection c, long oid) throws SQLException {
        // A collation the column declares other than its type's (quoted as an identifier), or NULL.
        Field<Long> attCollation = DSL.field(DSL.name("a", "attcollation"), SQLDataType.BIGINT);
        Field<Long> typCollation = DSL.field(DSL.name("t", "typcollation"), SQLDataType.BIGINT);
        Field<String> collation = DSL.field(DSL.select(DSL.function(DSL.name("pg_catalog", "quote_ident"),
                SQLDataType.VARCHAR, DSL.field(DSL.name("co", "collname"))))
            .from(DSL.table(DSL.name("pg_catalog", "pg_collation")).as("co"))
            .where(DSL.field(DSL.name("co", "oid"), SQLDataType.BIGINT).eq(attCollation))
            .and(attCollation.ne(typCollation)));
        List<ColumnFacts> rows = Sql.fetch(c, DSL.select(A_NAME, A_NUM, PgCatalog.formatType(), A_NOT_NULL,
                PgCatalog.T_NAME,
                PgCatalog.T_KIND, PgCatalog.T_BASE, collation).from(A).join(PgCatalog.T)
            .on(PgCatalog.T_OID.eq(PgCatalog.A_TYPE))
            .where(A_REL.eq(oidParam(oid)))
            .and(A_NUM.gt(inline(0))).and(A_DROPPED.isFalse())
            .orderBy(A_NUM), rs -> new ColumnFacts(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4),
                new TypeLink(rs.getString(5), rs.getString(6), rs.getLong(7)), rs.getString(8)));
        List<ColumnRow> out = new ArrayList<>(rows.size());
        for (ColumnFacts r : rows) {
            TypeLink type = r.type();
            // A domain's values arrive as its base type's (a domain over a domain: as the innermost base type's).
            while (type.kind().equals("d")) {
                type = Sql.fetch(c, DSL.select(PgCatalog.T_NAME, PgCatalog.T_KIND, PgCatalog.T_BASE)
                        .from(PgCatalog.T).where(PgCatalog.T_OID.eq(oidParam(type.base()))),
                    rs -> new TypeLink(rs.getString(1), rs.getString(2), rs.getLong(3))).get(0);
            }
            out.add(new ColumnRow(r.name(), r.position(), r.formatType(), r.notNull(), type.name(), r.collation()));
        }
        return out;
    }

    /**
     * Single-column unique indexes (with their constraint, if any) of a relation.
     *
     * @param c the connection
     * @param oid the relation's oid
     * @return primary key first
     * @throws SQLException on failure
     */
    public static List<KeyRow> uniqueColumns(Connection c, long oid) throws SQLException {
        Field<Long> relOid = oidParam(oid);
        return Sql.fetch(c, DSL.select(A_NAME, PgCatalog.I_PRIMARY, PgCatalog.K_NAME, A_NOT_NULL, PgCatalog.I_IMMEDIATE)
            .from(I)
            .join(A).on(A_REL.eq(PgCatalog.I_REL)).and(A_NUM.eq(PgCatalog.I_FIRST_KEY))
            .leftJoin(K).on(PgCatalog.K_INDEX.eq(PgCatalog.I_INDEX)
                .and(PgCatalog.K_TYPE.in(inline("p"), inline("u"))))
            .where(PgCatalog.I_REL.eq(relOid))
            .and(PgCatalog.I_UNIQUE.isTrue())
            // An index left invalid by a failed CREATE UNIQUE INDEX CONCURRENTLY promises nothing.
            .and(PgCatalog.I_VALID.isTrue())
            .and(PgCatalog.I_KEY_COLUMNS.eq(inline(1)))
            .and(PgCatalog.I_PREDICATE.isNull())
            .and(PgCatalog.I_EXPRESSIONS.isNull())
            .orderBy(PgCatalog.I_PRIMARY.desc(), A_NAME),
            rs -> new KeyRow(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5)));
    }

    /**
     * What decides whether a relation's row versions ({@code xmin}) can be trusted: which relations, and when they are
     * forgotten, in {@code docs/internals.md#row-versions}.
     *
     * @param oid the relation
     * @param heapOnly every relation read (itself, its partitions and inheritance children) is a heap table, a
     *     materialized view or a partitioned parent
     * @param descendants the oids of its partitions and inheritance children, sorted
     * @param xminReadable whether the connected user may read {@code xmin}
     * @param columns each mapped column as {@code name=attnum/attgenerated}
     * @param virtualColumn whether a mapped column is a virtual generated column (PostgreSQL 18)
     */
    public record VersionFacts(long oid, boolean heapOnly, List<Long> descendants, boolean xminReadable,
                               List<String> columns, boolean virtualColumn) {
    }

    /**
     * How closely a column's order follows the physical order of its table's rows ({@code pg_stats.correlation}, from
     * -1 to 1), as the last {@code ANALYZE} saw it.
     *
     * @param c the connection
     * @param schema the table's schema
     * @param table the table
     * @param column the column
     * @return the correlation, or empty when there are no statistics the user may read
     * @throws SQLException on failure
     */
    public static Optional<Double> correlation(Connection c, String schema, String table, String column)
        throws SQLException {
        Field<Double> correlation = DSL.field(DSL.name("s", "correlation"), SQLDataType.DOUBLE);
        return Sql.fetch(c, DSL.select(correlation).from(DSL.table(DSL.name("pg_catalog", "pg_stats")).as("s"))
                .where(DSL.field(DSL.name("s", "schemaname"), SQLDataType.VARCHAR).eq(val(schema)))
                .and(DSL.field(DSL.name("s", "tablename"), SQLDataType.VARCHAR).eq(val(table)))
                .and(DSL.field(DSL.name("s", "attname"), SQLDataType.VARCHAR).eq(val(column)))
                .and(DSL.field(DSL.name("s", "inherited"), SQLDataType.BOOLEAN).isFalse())
                .and(correlation.isNotNull()),
            rs -> rs.getDouble(1)).stream().findFirst();
    }

    /** A relation of an inheritance tree, with its access method ({@code heap}, or {@code NULL}). */
    private record TreeMember(long oid, String relkind, @Nullable String accessMethod) {
    }

    /** A column with what {@code attgenerated} says ({@code s} stored, {@code v} virtual, empty or NULL: neither). */
    private record Generated(String name, int position, @Nullable String generated) {
    }

    /**
     * Reads the {@link VersionFacts} of a relation.
     *
     * @param c the connection
     * @param oid the relation's oid
     * @param mappedColumns the mapped columns, in mapping order
     * @return the facts
     * @throws SQLException on failure
     */
    public static VersionFacts versionFacts(Connection c, long oid, List<String> mappedColumns) throws SQLException {
        Name d = DSL.name("d");
        Field<Long> dOid = DSL.field(DSL.name("d", "oid"), SQLDataType.BIGINT);
        Field<Long> inhRel = DSL.field(DSL.name("h", "inhrelid"), SQLDataType.BIGINT);
        Field<Long> inhParent = DSL.field(DSL.name("h", "inhparent"), SQLDataType.BIGINT);
        var tree = d.fields("oid").as(DSL.select(oidParam(oid))
            .unionAll(DSL.select(inhRel).from(DSL.table(DSL.name("pg_catalog", "pg_inherits")).as("h"))
                .join(DSL.table(d)).on(inhParent.eq(dOid))));
        Field<String> amName = DSL.field(DSL.name("am", "amname"), SQLDataType.VARCHAR);
        List<TreeMember> rels = Sql.fetch(c, DSL.withRecursive(tree).select(C_OID, C_KIND, amName)
                .from(DSL.table(d)).join(C).on(C_OID.eq(dOid))
                .leftJoin(DSL.table(DSL.name("pg_catalog", "pg_am")).as("am"))
                .on(DSL.field(DSL.name("am", "oid"), SQLDataType.BIGINT)
                    .eq(DSL.field(DSL.name("c", "relam"), SQLDataType.BIGINT))),
            rs -> new TreeMember(rs.getLong(1), rs.getString(2), rs.getString(3)));
        boolean heapOnly = true;
        List<Long> descendants = new ArrayList<>();
        for (TreeMember r : rels) {
            boolean ok = r.relkind().equals("p")
                || ((r.relkind().equals("r") || r.relkind().equals("m")) && "heap".equals(r.accessMethod()));
            heapOnly &= ok;
            if (r.oid() != oid) {
                descendants.add(r.oid());
            }
        }
        Collections.sort(descendants);
        // (Views and foreign tables have no xmin to ask about.)
        boolean xminReadable = heapOnly && Sql.fetch(c, DSL.select(DSL.function(DSL.name("pg_catalog",
            "has_column_privilege"), SQLDataType.BOOLEAN, oidParam(oid), val("xmin"), val("SELECT"))),
            rs -> rs.getBoolean(1)).get(0);
        Field<String> generated = DSL.field(DSL.name("a", "attgenerated"), SQLDataType.VARCHAR);
        Map<String, String> byName = new HashMap<>();
        boolean virtual = false;
        for (Generated r : Sql.fetch(c, DSL.select(A_NAME, A_NUM, generated).from(A)
                .where(A_REL.eq(oidParam(oid))).and(A_NUM.gt(inline(0))).and(A_DROPPED.isFalse()),
            rs -> new Generated(rs.getString(1), rs.getInt(2), rs.getString(3)))) {
            String gen = r.generated() == null ? "" : r.generated().trim();
            byName.put(r.name(), r.position() + "/" + gen);
            if (mappedColumns.contains(r.name()) && gen.equals("v")) {
                virtual = true;
            }
        }
        List<String> columns = new ArrayList<>();
        for (String m : mappedColumns) {
            columns.add(m + "=" + byName.get(m));
        }
        return new VersionFacts(oid, heapOnly, List.copyOf(descendants), xminReadable, List.copyOf(columns), virtual);
    }

    private static Field<Long> oidParam(long oid) {
        return PgTemplates.oid(val(oid));
    }
}
