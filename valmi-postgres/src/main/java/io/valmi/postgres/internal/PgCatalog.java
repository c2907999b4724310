package io.valmi.postgres.internal;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The parts of {@code pg_catalog} the library reads, as jOOQ objects. */
final class PgCatalog {
    private PgCatalog() {
    }

    /** {@code pg_namespace n}. */
    public static final Table<?> N = table(name("pg_catalog", "pg_namespace")).as("n");
    /** {@code n.oid}. */
    public static final Field<Long> N_OID = field(name("n", "oid"), SQLDataType.BIGINT);
    /** {@code n.nspname}. */
    public static final Field<String> N_NAME = field(name("n", "nspname"), SQLDataType.VARCHAR);

    /** {@code n.nspowner}. */
    public static final Field<Long> N_OWNER = field(name("n", "nspowner"), SQLDataType.BIGINT);

    /** {@code pg_class c}. */
    public static final Table<?> C = table(name("pg_catalog", "pg_class")).as("c");
    /** {@code c.oid}. */
    public static final Field<Long> C_OID = field(name("c", "oid"), SQLDataType.BIGINT);
    /** {@code c.relname}. */
    public static final Field<String> C_NAME = field(name("c", "relname"), SQLDataType.VARCHAR);
    /** {@code c.relkind}. */
    public static final Field<String> C_KIND = field(name("c", "relkind"), SQLDataType.CHAR);
    /** {@code c.relnamespace}. */
    public static final Field<Long> C_NAMESPACE = field(name("c", "relnamespace"), SQLDataType.BIGINT);
    /** {@code c.relispartition}. */
    public static final Field<Boolean> C_IS_PARTITION = field(name("c", "relispartition"), SQLDataType.BOOLEAN);

    /** {@code pg_attribute a}. */
    public static final Table<?> A = table(name("pg_catalog", "pg_attribute")).as("a");
    /** {@code a.attrelid}. */
    public static final Field<Long> A_REL = field(name("a", "attrelid"), SQLDataType.BIGINT);
    /** {@code a.attname}. */
    public static final Field<String> A_NAME = field(name("a", "attname"), SQLDataType.VARCHAR);
    /** {@code a.attnum}. */
    public static final Field<Integer> A_NUM = field(name("a", "attnum"), SQLDataType.INTEGER);
    /** {@code a.attnotnull}. */
    public static final Field<Boolean> A_NOT_NULL = field(name("a", "attnotnull"), SQLDataType.BOOLEAN);
    /** {@code a.attisdropped}. */
    public static final Field<Boolean> A_DROPPED = field(name("a", "attisdropped"), SQLDataType.BOOLEAN);
    /** {@code a.atttypid}. */
    public static final Field<Long> A_TYPE = field(name("a", "atttypid"), SQLDataType.BIGINT);
    /** {@code a.atttypmod}. */
    public static final Field<Integer> A_TYPMOD = field(name("a", "atttypmod"), SQLDataType.INTEGER);

    /** {@code pg_type t}. */
    public static final Table<?> T = table(name("pg_catalog", "pg_type")).as("t");
    /** {@code t.oid}. */
    public static final Field<Long> T_OID = field(name("t", "oid"), SQLDataType.BIGINT);
    /** {@code t.typname}. */
    public static final Field<String> T_NAME = field(name("t", "typname"), SQLDataType.VARCHAR);
    /** {@code t.typtype}: {@code d} for a domain. */
    public static final Field<String> T_KIND = field(name("t", "typtype"), SQLDataType.CHAR);
    /** {@code t.typbasetype}: a domain's base type. */
    public static final Field<Long> T_BASE = field(name("t", "typbasetype"), SQLDataType.BIGINT);

    /** {@code pg_index i}. */
    public static final Table<?> I = table(name("pg_catalog", "pg_index")).as("i");
    /** {@code i.indrelid}. */
    public static final Field<Long> I_REL = field(name("i", "indrelid"), SQLDataType.BIGINT);
    /** {@code i.indexrelid}. */
    public static final Field<Long> I_INDEX = field(name("i", "indexrelid"), SQLDataType.BIGINT);
    /** {@code i.indisunique}. */
    public static final Field<Boolean> I_UNIQUE = field(name("i", "indisunique"), SQLDataType.BOOLEAN);
    /** {@code i.indisprimary}. */
    public static final Field<Boolean> I_PRIMARY = field(name("i", "indisprimary"), SQLDataType.BOOLEAN);
    /** {@code i.indimmediate}: uniqueness is checked at once, not deferred ({@code ON CONFLICT} needs that). */
    public static final Field<Boolean> I_IMMEDIATE = field(name("i", "indimmediate"), SQLDataType.BOOLEAN);
    /** {@code i.indisvalid}. */
    public static final Field<Boolean> I_VALID = field(name("i", "indisvalid"), SQLDataType.BOOLEAN);
    /** {@code i.indnkeyatts}. */
    public static final Field<Integer> I_KEY_COLUMNS = field(name("i", "indnkeyatts"), SQLDataType.INTEGER);
    /** {@code i.indpred}. */
    public static final Field<Object> I_PREDICATE = field(name("i", "indpred"));
    /** {@code i.indexprs}. */
    public static final Field<Object> I_EXPRESSIONS = field(name("i", "indexprs"));
    /** {@code i.indkey[0]}: the first key column's number ({@code int2vector} is subscripted from 0, as an array). */
    public static final Field<Integer> I_FIRST_KEY = DSL.arrayGet(field(name("i", "indkey"),
        SQLDataType.INTEGER.array()), inline(0));

    /** {@code pg_constraint k}. */
    public static final Table<?> K = table(name("pg_catalog", "pg_constraint")).as("k");
    /** {@code k.conindid}. */
    public static final Field<Long> K_INDEX = field(name("k", "conindid"), SQLDataType.BIGINT);
    /** {@code k.conname}. */
    public static final Field<String> K_NAME = field(name("k", "conname"), SQLDataType.VARCHAR);
    /** {@code k.contype}. */
    public static final Field<String> K_TYPE = field(name("k", "contype"), SQLDataType.CHAR);

    /** Relation kinds valmi reads: tables, views, materialized views, partitioned tables, foreign tables. */
    public static final Condition READABLE_KIND = C_KIND.in(inline("r"), inline("v"), inline("m"), inline("p"),
        inline("f"));

    /**
     * {@code format_type(a.atttypid, a.atttypmod)}.
     *
     * @return the field
     */
    public static Field<String> formatType() {
        return DSL.function(name("pg_catalog", "format_type"), SQLDataType.VARCHAR, A_TYPE, A_TYPMOD);
    }

    /**
     * A privilege check function call, e.g. {@code has_schema_privilege(name, 'USAGE')}.
     *
     * @param function the function name
     * @param args its arguments
     * @return the boolean field
     */
    public static Field<Boolean> has(String function, Field<?>... args) {
        return DSL.function(name("pg_catalog", function), SQLDataType.BOOLEAN, args);
    }
}
