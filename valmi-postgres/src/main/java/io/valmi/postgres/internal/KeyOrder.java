package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The order in which a run hands out keys (PostgreSQL's {@code ORDER BY} of the key column), as a comparator of the
 * Java values the keys arrive as ({@link ValueReaders}), for the key types whose order Java reproduces exactly:
 *
 * <ul>
 *   <li>{@code smallint}, {@code integer}, {@code bigint}: by value;</li>
 *   <li>{@code uuid}: by its 16 bytes, unsigned, as PostgreSQL compares them ({@link UUID#compareTo} compares two
 *       signed longs: {@code 80000000-...} comes before {@code 00000000-...} there);</li>
 *   <li>{@code numeric} with any modifiers: by value, {@code -Infinity} first, then {@code Infinity}, then
 *       {@code NaN} (which PostgreSQL sorts above every other value);</li>
 *   <li>{@code date}, {@code timestamp}, {@code timestamptz} with any precision: by time, {@code -infinity} first and
 *       {@code infinity} last;</li>
 *   <li>{@code text} and {@code character varying} only when the key column's collation sorts by code point: libc's
 *       {@code C} or {@code POSIX} (also as the database's default), or any collation of the builtin provider
 *       (PostgreSQL 17), in a database encoded in {@code UTF8}. Compared by code point, which is the order of the
 *       UTF-8 bytes ({@link String#compareTo} compares UTF-16 units and differs above U+FFFF).</li>
 * </ul>
 *
 * <p>No other: a linguistic collation (ICU or a libc locale such as {@code en_US}) orders by rules of the operating
 * system's or ICU's version, which Java's {@link java.text.Collator} does not follow; {@code character(n)} ignores
 * trailing blanks; domains, arrays, floats and the remaining types are left out rather than reasoned about.
 */
enum KeyOrder implements Comparator<Object> {
    /** {@code smallint}, {@code integer}, {@code bigint}: read as Integer or Long. */
    INTEGER {
        @Override
        public int compare(Object a, Object b) {
            return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
        }
    },
    /** {@code uuid}: unsigned byte order. */
    UUID_BYTES {
        @Override
        public int compare(Object a, Object b) {
            UUID x = (UUID) a;
            UUID y = (UUID) b;
            int high = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
            return high != 0 ? high : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
        }
    },
    /** {@code numeric}: BigDecimal, or the Double infinities and NaN. */
    NUMERIC {
        @Override
        public int compare(Object a, Object b) {
            int rank = Integer.compare(numericRank(a), numericRank(b));
            if (rank != 0 || !(a instanceof BigDecimal)) {
                return rank;
            }
            return ((BigDecimal) a).compareTo((BigDecimal) b);
        }
    },
    /** {@code date}: LocalDate, the infinities as MIN and MAX. */
    DATE {
        @Override
        public int compare(Object a, Object b) {
            return ((LocalDate) a).compareTo((LocalDate) b);
        }
    },
    /** {@code timestamp}: LocalDateTime, the infinities as MIN and MAX. */
    TIMESTAMP {
        @Override
        public int compare(Object a, Object b) {
            return ((LocalDateTime) a).compareTo((LocalDateTime) b);
        }
    },
    /** {@code timestamptz}: OffsetDateTime, by instant; the infinities as MIN and MAX. */
    TIMESTAMPTZ {
        @Override
        public int compare(Object a, Object b) {
            return ((OffsetDateTime) a).compareTo((OffsetDateTime) b);
        }
    },
    /** {@code text}, {@code character varying} under a collation that sorts by code point. */
    CODE_POINTS {
        @Override
        public int compare(Object a, Object b) {
            String x = (String) a;
            String y = (String) b;
            int i = 0;
            int j = 0;
            while (i < x.length() && j < y.length()) {
                int cx = x.codePointAt(i);
                int cy = y.codePointAt(j);
                if (cx != cy) {
                    return Integer.compare(cx, cy);
                }
                i += Character.charCount(cx);
                j += Character.charCount(cy);
            }
            return Integer.compare(x.length() - i, y.length() - j);
        }
    };

    /** libc locales that sort by bytes. */
    private static final Set<String> BYTE_ORDER_LOCALES = Set.of("C", "POSIX");

    private static int numericRank(Object v) {
        if (v instanceof BigDecimal) {
            return 1;
        }
        double d = (Double) v;
        return Double.isNaN(d) ? 3 : d > 0 ? 2 : 0;
    }

    /**
     * The key order of a run by the key's type alone, when Java reproduces it.
     *
     * @param shape the run's relation and key
     * @return the comparator, or empty: for a text key ({@link #needsCollation}), or a type Java does not follow
     */
    static Optional<Comparator<Object>> byType(RunShape shape) {
        switch (declaredBase(shape)) {
            case "smallint":
            case "integer":
            case "bigint":
                return Optional.of(INTEGER);
            case "uuid":
                return Optional.of(UUID_BYTES);
            case "numeric":
                return Optional.of(NUMERIC);
            case "date":
                return Optional.of(DATE);
            case "timestamp without time zone":
                return Optional.of(TIMESTAMP);
            case "timestamp with time zone":
                return Optional.of(TIMESTAMPTZ);
            default:
                return Optional.empty();
        }
    }

    /**
     * Whether the key is text, whose order depends on its collation ({@link #byCollation}).
     *
     * @param shape the run's relation and key
     * @return {@code true} for {@code text} and {@code character varying}
     */
    static boolean needsCollation(RunShape shape) {
        String base = declaredBase(shape);
        return base.equals("text") || base.equals("character varying");
    }

    /**
     * The order of a text key: by code point when its collation sorts so in this database, else none.
     *
     * @param c a connection, in a transaction (one or two catalog queries)
     * @param shape the run's relation and key
     * @return the comparator, or empty
     * @throws SQLException on failure
     */
    static Optional<Comparator<Object>> byCollation(Connection c, RunShape shape) throws SQLException {
        // (A query's column has no catalog entry to read the collation from: no comparator for its text keys.)
        if (shape.source().isQuery()) {
            return Optional.empty();
        }
        return sortsByCodePoint(c, shape) ? Optional.of(CODE_POINTS) : Optional.empty();
    }

    /** The key's declared type without modifiers ({@code numeric(12,2)} is {@code numeric}); arrays keep {@code []}. */
    private static String declaredBase(RunShape shape) {
        return shape.keyType().declared().replaceAll("\\(.*\\)", "");
    }

    /** Whether the key column's collation compares text by code point in this database. */
    private static boolean sortsByCodePoint(Connection c, RunShape shape) throws SQLException {
        Field<String> encoding = DSL.function(DSL.name("pg_catalog", "current_setting"), SQLDataType.CLOB,
            DSL.inline("server_encoding"));
        Field<String> provider = field(DSL.name("co", "collprovider"), SQLDataType.CHAR).cast(SQLDataType.CLOB);
        Field<String> locale = field(DSL.name("co", "collcollate"), SQLDataType.CLOB);
        List<List<String>> rows = Sql.fetch(c, DSL.select(encoding, provider, locale)
            .from(PgCatalog.A)
            .join(PgCatalog.C).on(PgCatalog.C_OID.eq(PgCatalog.A_REL))
            .join(PgCatalog.N).on(PgCatalog.N_OID.eq(PgCatalog.C_NAMESPACE))
            .join(table(DSL.name("pg_catalog", "pg_collation")).as("co"))
            .on(field(DSL.name("co", "oid"), SQLDataType.BIGINT).eq(field(DSL.name("a", "attcollation"), SQLDataType.BIGINT)))
            .where(PgCatalog.N_NAME.eq(val(shape.source().schema())))
            .and(PgCatalog.C_NAME.eq(val(shape.source().name())))
            .and(PgCatalog.A_NAME.eq(val(shape.keyColumn()))),
            rs -> List.of(rs.getString(1), String.valueOf(rs.getString(2)), String.valueOf(rs.getString(3))));
        if (rows.size() != 1 || !rows.get(0).get(0).equals("UTF8")) {
            return false;
        }
        String collationProvider = rows.get(0).get(1);
        if (!collationProvider.equals("d")) { // the column's own collation
            return collationProvider.equals("b")
                || collationProvider.equals("c") && BYTE_ORDER_LOCALES.contains(rows.get(0).get(2));
        }
        // The database's default collation; its provider is recorded from PostgreSQL 15 on (libc before).
        boolean providers = JobsTable.serverMajor(c) >= 15;
        List<List<String>> database = Sql.fetch(c, DSL.select(field(DSL.name("d", "datcollate"), SQLDataType.CLOB),
                providers ? field(DSL.name("d", "datlocprovider"), SQLDataType.CHAR).cast(SQLDataType.CLOB)
                    : DSL.inline("c"))
            .from(table(DSL.name("pg_catalog", "pg_database")).as("d"))
            .where(field(DSL.name("d", "datname"), SQLDataType.CLOB)
                .eq(DSL.function(DSL.name("pg_catalog", "current_database"), SQLDataType.CLOB))),
            rs -> List.of(String.valueOf(rs.getString(1)), String.valueOf(rs.getString(2))));
        if (database.size() != 1) {
            return false;
        }
        String databaseProvider = database.get(0).get(1);
        return databaseProvider.equals("b")
            || databaseProvider.equals("c") && BYTE_ORDER_LOCALES.contains(database.get(0).get(0));
    }
}
