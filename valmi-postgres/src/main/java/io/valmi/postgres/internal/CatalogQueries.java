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
import java.util.List;
import java.util.Optional;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/** Catalog queries, rendered by jOOQ. Returns plain rows; the public records are built by the caller. */
public final class CatalogQueries {
    private CatalogQueries() {
    }

    /** A row of {@link #relations}. */
    public record RelationRow(String name, String relkind) {
    }

    /** A row of {@link #columns}. */
    public record ColumnRow(String name, int position, String type, boolean notNull) {
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
     * The oid and kind of one relation.
     *
     * @param c the connection
     * @param schema the schema
     * @param name the relation
     * @return the oid and relkind, if the relation exists and is readable
     * @throws SQLException on failure
     */
    public static Optional<Object[]> relation(Connection c, String schema, String name) throws SQLException {
        List<Object[]> rows = Sql.fetch(c, DSL.select(C_OID, C_KIND).from(C).join(N).on(N_OID.eq(C_NAMESPACE))
            .where(N_NAME.eq(val(schema))).and(C_NAME.eq(val(name))).and(PgCatalog.READABLE_KIND),
            rs -> new Object[] {rs.getLong(1), rs.getString(2)});
        return rows.stream().findFirst();
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
        return Sql.fetch(c, DSL.select(A_NAME, A_NUM, PgCatalog.formatType(), A_NOT_NULL).from(A)
            .where(A_REL.eq(oidParam(oid)))
            .and(A_NUM.gt(inline(0))).and(A_DROPPED.isFalse())
            .orderBy(A_NUM), rs -> new ColumnRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4)));
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

    private static Field<Long> oidParam(long oid) {
        return DSL.field("{0}::oid", SQLDataType.BIGINT, val(oid));
    }
}
