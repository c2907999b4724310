package io.valmi.postgres;

import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import io.valmi.postgres.internal.TableWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Writes the changes of a sync into a table of any PostgreSQL database, often another one than the source's.
 *
 * <pre>{@code
 * Destination target = PostgresTableDestination.builder(warehouseDataSource)
 *     .schema("crm")
 *     .table("customers")
 *     .keyColumn("customer_id")
 *     .createTable(true)
 *     .build();
 * }</pre>
 *
 * <p>Each mapped field goes to the column of the same name; the key ({@link Change#key()}) goes to the key column
 * (by default the mapping's key column name). What each mode does, one transaction per batch:
 * <ul>
 *   <li>{@code UPSERT}, {@code MIRROR}: {@code INSERT ... ON CONFLICT (key) DO UPDATE} sets every mapped column, so
 *       a repeated delivery is harmless; {@code MIRROR} also deletes removed keys ({@code DELETE ... WHERE key =
 *       ANY(?)}, the keys bound as one array).</li>
 *   <li>{@code INSERT}: {@code INSERT ... ON CONFLICT (key) DO NOTHING}: rows already there are left as they are.</li>
 *   <li>{@code UPDATE}: {@code UPDATE ... FROM (VALUES ...) WHERE key = ...}, one statement for the batch; a key
 *       with no row is rejected, so it is reported and offered again next run.</li>
 * </ul>
 * Very large batches are split into several statements (PostgreSQL takes at most 65535 bind values each), all in
 * the batch's transaction. {@code UPSERT}, {@code INSERT} and {@code MIRROR} need a primary key or unique index on
 * exactly the key column, and none that is {@code DEFERRABLE} (PostgreSQL's {@code ON CONFLICT} refuses those);
 * {@link #open(SyncContext)} checks that and that every mapped field has a column, and says what is missing.
 *
 * <p>Text values (also JSON, enum labels, {@code inet}, intervals) and arrays are sent untyped, so PostgreSQL parses
 * them as the column's type: a {@code String} fills a {@code jsonb} or enum column. {@code java.time} values are sent
 * as ISO-8601 text in the proleptic Gregorian calendar, years before 1 as PostgreSQL's {@code BC} years (year 0 is
 * 1 BC), and {@code MIN} and {@code MAX} as {@code -infinity} and {@code infinity}. When PostgreSQL refuses the data
 * of a row (a value too long, a violated check constraint), that row is rejected with PostgreSQL's message and the
 * rest of the batch is applied. Connection failures, deadlocks and shutdowns throw a retriable
 * {@link io.valmi.DestinationException}; missing privileges and unknown objects a fatal one.
 *
 * <p>With {@link Builder#createTable(boolean)}, a missing table (and schema) is created before the first batch is
 * written, with the key column as primary key and each column of the source column's type when the source tells it
 * ({@link io.valmi.SyncContext#sourceColumns()}: {@code PostgresSource} does) and it is a built-in type of PostgreSQL
 * ({@code jsonb}, {@code numeric(12,2)}, {@code varchar(20)}, {@code timestamptz}, arrays of those, ...; a domain takes
 * its values' type). Other columns take their type from the first batch's values ({@code Long} becomes
 * {@code bigint}, {@code BigDecimal} {@code numeric}, ...), and one that is NULL in every row of it becomes
 * {@code text}: declare a type with {@link Builder#columnType(String, String)}, or create the table yourself.
 *
 * <p>All SQL is rendered by jOOQ with quoted names and bind values, and run through plain JDBC without statement
 * logging: no row value reaches a log line.
 */
@NullMarked
public final class PostgresTableDestination implements Destination {
    private final TableWriter writer;
    private final String description;

    private PostgresTableDestination(Builder b, String schema, String table) {
        this.writer = new TableWriter(b.dataSource, schema, table, b.keyColumn, b.createTable, b.columnTypes);
        this.description = "PostgresTableDestination[" + writer.qualified()
            + (b.keyColumn == null ? "" : ", key " + b.keyColumn) + (b.createTable ? ", createTable" : "") + "]";
    }

    /**
     * Starts a destination.
     *
     * @param dataSource connections to the target database; each batch borrows one for its transaction
     * @return a builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Every mode, batches of any size (large batches are split into several statements in one transaction).
     *
     * @return {@link DestinationCapabilities#all()}
     */
    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all();
    }

    /**
     * Checks the target table against the mapping.
     *
     * @param context the run
     * @throws ConfigurationException when the table, a column or the unique key is missing, the key's unique
     *     constraint is {@code DEFERRABLE}, or a field from a column other than the key is named like the key column
     */
    @Override
    public void open(SyncContext context) {
        writer.open(context);
    }

    /**
     * Writes one batch in one transaction.
     *
     * @param batch the changes
     * @return ok, or rejections of rows PostgreSQL refused and keys UPDATE mode did not find
     */
    @Override
    public WriteResult write(List<Change> batch) {
        return writer.write(batch);
    }

    @Override
    public String toString() {
        return description;
    }

    /** Configures a {@link PostgresTableDestination}; validated by {@link #build()}. */
    public static final class Builder {
        private final DataSource dataSource;
        private String schema = "public";
        private @Nullable String table;
        private @Nullable String keyColumn;
        private boolean createTable;
        private final Map<String, String> columnTypes = new HashMap<>();

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * The target schema (default {@code public}), exactly as PostgreSQL spells it (no folding to lower case).
         *
         * @param schema the schema name
         * @return this builder
         */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /**
         * The target table, exactly as PostgreSQL spells it.
         *
         * @param table the table name
         * @return this builder
         */
        public Builder table(String table) {
            this.table = table;
            return this;
        }

        /**
         * The column of the target table that holds the key (default: the mapping's key column name).
         *
         * @param column the column name
         * @return this builder
         */
        public Builder keyColumn(String column) {
            this.keyColumn = column;
            return this;
        }

        /**
         * Whether a missing table (and schema) is created from the first batch (default {@code false}).
         *
         * @param create {@code true} to create it
         * @return this builder
         */
        public Builder createTable(boolean create) {
            this.createTable = create;
            return this;
        }

        /**
         * The type of a column of a created table, instead of the source column's type or the type guessed from the
         * first batch.
         *
         * <p>The type is a PostgreSQL type name as {@code CREATE TABLE} takes it: {@code numeric(12,2)},
         * {@code varchar(20)}, {@code timestamptz}, {@code timestamp(3) with time zone}, {@code text[]},
         * {@code jsonb}, or a type of the target database such as {@code crm."Mood"} (unquoted words are folded to
         * lower case, as PostgreSQL does). It is read by a grammar of type names, never pasted into SQL: {@link #build()}
         * refuses anything else (a semicolon, a comment, a quote), and {@link PostgresTableDestination#open(SyncContext) open} asks the target
         * database whether a table to be created can have that type; both name the column.
         *
         * <p>A column the created table would not have (neither the key column nor a mapped destination field) is
         * refused by {@link PostgresTableDestination#open(SyncContext) open}, which names the table's columns.
         *
         * @param column the field or key column name
         * @param type the PostgreSQL type name, for example {@code "numeric(12,2)"}
         * @return this builder
         */
        public Builder columnType(String column, String type) {
            columnTypes.put(Objects.requireNonNull(column, "column"), Objects.requireNonNull(type, "type"));
            return this;
        }

        /**
         * Validates and builds the destination.
         *
         * @return the destination
         * @throws ConfigurationException when the table is missing, a name is blank or a column type is not a
         *     PostgreSQL type name
         */
        public PostgresTableDestination build() {
            if (table == null || table.isBlank()) {
                throw new ConfigurationException("PostgresTableDestination needs a table: call Builder.table(name)");
            }
            if (schema == null || schema.isBlank()) {
                throw new ConfigurationException("PostgresTableDestination schema is blank: give the schema name, "
                    + "or leave the default 'public'");
            }
            if (keyColumn != null && keyColumn.isBlank()) {
                throw new ConfigurationException("PostgresTableDestination key column is blank: give the column name, "
                    + "or leave it unset to use the mapping's key column name");
            }
            return new PostgresTableDestination(this, schema, table);
        }
    }
}
