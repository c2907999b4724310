package io.valmi.postgres.internal;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The type policy of one source column, which every path of a run asks how the column's values are read, hashed,
 * printed and trusted, so that they all agree. Built from the catalog, never from a result's metadata. See
 * {@code docs/internals.md#describe}.
 *
 * @param declared the type as {@code format_type} prints it (e.g. {@code character varying(12)[]}, or a domain's
 *     name): what hashes and row versions go by, and what the job records
 * @param base the internal name of the type values arrive in ({@code pg_type.typname} after domains are resolved to
 *     their base type, as the server reports a result column: {@code int4}, {@code _varchar}): what the Java value is
 * @param collation the collation the column declares other than its type's (quoted as an identifier), or
 *     {@code null}: keys compare by it, so a snapshot's key column must have the same
 */
record ColumnType(String declared, String base, @Nullable String collation) {

    /**
     * A type policy without a collation of its own.
     *
     * @param declared the type as {@code format_type} prints it
     * @param base the internal name of the type values arrive in
     */
    ColumnType(String declared, String base) {
        this(declared, base, null);
    }

    /**
     * What a key of this column is, as the job records it: the declared type and any collation of the column's own.
     * When it changes, the snapshot's keys are converted ({@code SnapshotTable.convertKeys}).
     *
     * @return e.g. {@code integer} or {@code text COLLATE "C"}
     */
    String keyDescription() {
        return collation == null ? declared : declared + " COLLATE " + collation;
    }

    /**
     * Built-in types whose text form is fixed by the stored value and the pinned session settings; a relation with a
     * mapped column of another type is hashed every run. See {@code docs/internals.md#row-versions}.
     */
    private static final Set<String> VERSION_SAFE = Set.of("smallint", "integer", "bigint", "numeric", "real",
        "double precision", "boolean", "text", "character varying", "character", "\"char\"", "name", "uuid", "date",
        "time without time zone", "time with time zone", "timestamp without time zone", "timestamp with time zone",
        "interval", "json", "jsonb", "bytea", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying", "oid", "xml",
        "tsvector", "point", "box", "line", "lseg", "path", "polygon", "circle");

    /** The declared type without its modifiers and array brackets ({@code numeric(6,2)[]} is {@code numeric}). */
    private String declaredBase() {
        return declared.replaceAll("\\(.*\\)", "").replace("[]", "").trim();
    }

    private boolean array() {
        return declared.endsWith("]");
    }

    /**
     * How values of this column are read as the documented Java types.
     *
     * @return the reader
     */
    ValueReaders.Reader reader() {
        return ValueReaders.reader(base);
    }

    /**
     * How this column is hashed ({@link RowHash}).
     *
     * @return the kind
     */
    RowHash.Kind hashKind() {
        return RowHash.kind(declared);
    }

    /**
     * Whether a first sync hashes this column on the client: what it prints once arrives as text.
     *
     * @return the kind the client hashes a first sync's value by
     */
    RowHash.Kind firstSyncHashKind() {
        return printedOnce() ? RowHash.Kind.TEXT : hashKind();
    }

    /**
     * Whether every batch selects this column as text: a String that pgjdbc, once it receives it in binary, would
     * print otherwise than PostgreSQL ({@code (1.0,2.0)} for {@code (1,2)}).
     *
     * @return whether the server prints it
     */
    boolean selectedAsText() {
        return declared.equals("point") || declared.equals("box");
    }

    /**
     * Whether a first sync selects this column as text, printed once for its hash and its result: types read as a
     * String anyway whose cast to text prints what their output function does (not inet's). See
     * {@code docs/internals.md#describe}.
     *
     * @return whether it is selected as text in a first sync
     */
    boolean printedOnce() {
        String b = declared.replaceAll("\\(.*\\)", "");
        return !array() && (b.equals("json") || b.equals("jsonb") || b.startsWith("interval") || b.equals("xml")
            || b.equals("cidr") || b.equals("macaddr") || b.equals("macaddr8") || selectedAsText());
    }

    /**
     * Whether an unchanged row version means an unchanged text form of this column.
     *
     * @return whether row versions can be trusted for it
     */
    boolean versionSafe() {
        return VERSION_SAFE.contains(declaredBase());
    }

    /**
     * Whether a key of this type prints in Java ({@code String.valueOf} of what {@link #reader()} reads) exactly as
     * PostgreSQL prints it: integers, text, varchar and uuid; not domains or arrays.
     *
     * @return whether the client prints the key text
     */
    boolean keyTextOnClient() {
        switch (declared) {
            case "smallint":
            case "integer":
            case "bigint":
            case "text":
            case "uuid":
                return true;
            default:
                return declared.startsWith("character varying") && !array();
        }
    }

    @Override
    public String toString() {
        return declared;
    }
}
