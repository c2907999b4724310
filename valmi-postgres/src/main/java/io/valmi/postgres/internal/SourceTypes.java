package io.valmi.postgres.internal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DataType;
import org.jooq.impl.SQLDataType;

/**
 * The column type a created target table gets for a source column's type ({@code SyncContext.sourceType}): built-in
 * types of PostgreSQL only, rendered by jOOQ (a domain, an enum or an extension's type may not exist in the target
 * database: those columns take their type from the values instead).
 */
final class SourceTypes {
    private static final Pattern WITH_PRECISION = Pattern.compile(
        "(numeric|character varying|character)\\((\\d{1,4})(?:,(\\d{1,4}))?\\)");

    private SourceTypes() {
    }

    /**
     * The DDL type of a source type, as {@code format_type} prints it.
     *
     * @param typeName e.g. {@code jsonb}, {@code numeric(12,2)}, {@code timestamp with time zone}, {@code text[]}
     * @return the type, or empty for a type that is not built in (or not known here)
     */
    static Optional<DataType<?>> ddlType(String typeName) {
        String t = typeName.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("[]")) {
            // An array of a known element type, through the grammar of declared types: jOOQ's array type drops the
            // element's modifiers, and character varying(10)[] would be created as character varying[].
            if (ddlType(t.substring(0, t.length() - 2)).isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(DeclaredType.parse("array", t).dataType());
        }
        Matcher m = WITH_PRECISION.matcher(t);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(2));
            switch (m.group(1)) {
                case "numeric":
                    return Optional.of(m.group(3) == null ? SQLDataType.NUMERIC.precision(n)
                        : SQLDataType.NUMERIC.precision(n, Integer.parseInt(m.group(3))));
                case "character varying":
                    return Optional.of(SQLDataType.VARCHAR(n));
                default:
                    return Optional.of(SQLDataType.CHAR(n));
            }
        }
        switch (t) {
            case "smallint":
                return Optional.of(SQLDataType.SMALLINT);
            case "integer":
                return Optional.of(SQLDataType.INTEGER);
            case "bigint":
                return Optional.of(SQLDataType.BIGINT);
            case "real":
                return Optional.of(SQLDataType.REAL);
            case "double precision":
                return Optional.of(SQLDataType.DOUBLE);
            case "numeric":
                return Optional.of(SQLDataType.NUMERIC);
            case "boolean":
                return Optional.of(SQLDataType.BOOLEAN);
            case "text":
                return Optional.of(SQLDataType.CLOB);
            case "character varying":
                return Optional.of(SQLDataType.VARCHAR);
            case "date":
                return Optional.of(SQLDataType.LOCALDATE);
            case "time without time zone":
                return Optional.of(SQLDataType.LOCALTIME(6));
            case "time with time zone":
                return Optional.of(SQLDataType.OFFSETTIME(6));
            case "timestamp without time zone":
                return Optional.of(SQLDataType.LOCALDATETIME(6));
            case "timestamp with time zone":
                return Optional.of(SQLDataType.OFFSETDATETIME(6));
            case "uuid":
                return Optional.of(SQLDataType.UUID);
            case "json":
                return Optional.of(SQLDataType.JSON);
            case "jsonb":
                return Optional.of(SQLDataType.JSONB);
            case "bytea":
                return Optional.of(SQLDataType.BLOB);
            default:
                return Optional.empty();
        }
    }
}
