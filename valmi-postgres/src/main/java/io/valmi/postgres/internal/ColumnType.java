package io.valmi.postgres.internal;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The type policy of one source column: every path of a run (first sync, plan table, keys, values, hashes, row
 * versions) asks it how the column's values are read, hashed, printed and trusted, so that they all agree.
 *
 * <p>It is built from the catalog, never from a result's metadata: pgjdbc's {@code getColumnTypeName} calls a column
 * with a {@code nextval} default or an identity {@code serial} or {@code bigserial}, which is not a type (a first sync
 * read such keys as strings, later runs as numbers).
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
     * Built-in types whose text form is fixed by the stored value and the session settings a run pins (so that an
     * unchanged row version means an unchanged text form). Types not listed (enums, whose labels can be renamed;
     * domains, user-defined and composite types; money, which follows lc_monetary) are hashed on every run.
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
     * Whether every batch selects this column as text: values read as a String that pgjdbc receives in binary form
     * once a statement is prepared on the server (after {@code prepareThreshold} executions) and then prints itself
     * ({@code (1.0,2.0)} instead of PostgreSQL's {@code (1,2)}).
     *
     * @return whether the server prints it
     */
    boolean selectedAsText() {
        return declared.equals("point") || declared.equals("box");
    }

    /**
     * Whether a first sync prints this column's text form once, for its hash and its result: types hashed by their
     * text form and read as a String anyway, and whose cast to text prints what their output function prints (not
     * inet: {@code text(inet)} adds the {@code /32} that a host address prints without).
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
     * PostgreSQL prints it: integers, text, varchar and uuid (lower case, like {@code uuid_out}). Domains, arrays
     * (a List prints as {@code [a, b]}, PostgreSQL's array as {@code {a,b}}) and every other type are printed by the
     * server.
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
