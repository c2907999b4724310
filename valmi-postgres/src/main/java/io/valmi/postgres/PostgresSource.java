package io.valmi.postgres;

import io.valmi.ConfigurationException;
import io.valmi.Mapping;
import io.valmi.RunRequest;
import io.valmi.Source;
import io.valmi.SourceColumn;
import io.valmi.SourceRun;
import io.valmi.postgres.internal.Postgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL table, view, materialized view, partitioned table or foreign table, or an application's SQL query, as
 * a valmi {@link Source}.
 *
 * <pre>{@code
 * PostgresSource source = PostgresSource.builder()
 *     .connection(connection)            // or .dataSource(myPool, "warehouse")
 *     .table("public", "customers")      // or .query("active_customers", "SELECT ... FROM public.customers ...")
 *     .build();
 * }</pre>
 *
 * <p>A query ({@link Builder#query(String, String)}) is read as a view is: one statement per run reads it once, its
 * rows are checked for NULL and duplicated keys (a query's key is never declared unique), hashed and compared with the
 * snapshot like any other source's. Its columns and their types are discovered without running it.
 *
 * <p>Each run plans in one SQL statement over the relation (one consistent read): it hashes the mapped columns of
 * every row (for a table, only rows whose version is not the one the snapshot recorded), sets aside rows with a
 * NULL or duplicated key as invalid, and compares the rest with the job's snapshot in the bookkeeping schema
 * (default {@value #DEFAULT_BOOKKEEPING_SCHEMA}). The plan is materialized there, so no transaction stays open on
 * the source while the destination works; the snapshot advances only by what the destination acknowledged. A first
 * sync of a key declared unique needs no comparison: it reads its batches straight from the relation by the key's
 * index, each batch recording its snapshot rows before it is handed out, and reads up to three batches ahead on
 * connections of their own while the destination writes one ({@link Builder#readAhead(boolean)}).
 *
 * <p>What counts as a change: the text form of the mapped columns, printed under pinned settings (UTC, ISO
 * dates, ISO 8601 intervals, shortest exact floats, hex bytea): a row changes when what would be sent changes,
 * e.g. {@code 1.5} to {@code 1.50} in a numeric column. A change to an unmapped column sends nothing.
 *
 * <p>The library never writes to the source's schema and takes no lock that blocks its writers.
 */
public final class PostgresSource implements Source {
    /** The default bookkeeping schema. */
    public static final String DEFAULT_BOOKKEEPING_SCHEMA = "valmi_scratch_computed_";

    /** The default {@link Builder#historyRetention(Duration)}: runs and sync log rows are kept for 30 days. */
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(30);

    private final DataSource dataSource;
    private final String name;
    private final String schema;
    private final String relation;
    private final @Nullable String query;
    private final String bookkeepingSchema;
    private final boolean readAhead;
    private final boolean firstSyncInKeyOrder;
    private final Duration historyRetention;

    private PostgresSource(Builder b) {
        this.dataSource = Objects.requireNonNull(b.dataSource);
        this.name = Objects.requireNonNull(b.name);
        this.schema = Objects.requireNonNull(b.schema);
        this.relation = Objects.requireNonNull(b.relation);
        this.query = b.query;
        this.bookkeepingSchema = b.bookkeepingSchema;
        this.readAhead = b.readAhead;
        this.firstSyncInKeyOrder = b.firstSyncInKeyOrder;
        this.historyRetention = b.historyRetention;
    }

    /**
     * Starts a source.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String description() {
        return "postgres:" + name + ":" + (query != null ? "query:" + relation : schema + "." + relation);
    }

    /**
     * The bookkeeping schema of this source's jobs.
     *
     * @return the schema name
     */
    public String bookkeepingSchema() {
        return bookkeepingSchema;
    }

    /**
     * The relation with its columns and candidate keys. For a query: a relation of kind {@link RelationKind#QUERY}
     * with an empty schema, the query's name, its columns (all nullable) and no candidate keys, discovered without
     * running the query (PostgreSQL describes it as a temporary view, rolled back at once).
     *
     * @return the details
     * @throws ConfigurationException when the relation does not exist or is not visible, or PostgreSQL refuses the
     *     query
     */
    public RelationDetails details() {
        String sql = query;
        if (sql != null) {
            return Postgres.describeQuery(dataSource, description(), relation, sql);
        }
        return PostgresCatalog.of(dataSource, bookkeepingSchema).describe(schema, relation);
    }

    @Override
    public List<SourceColumn> columns() {
        List<SourceColumn> out = new ArrayList<>();
        for (Column c : details().columns()) {
            out.add(new SourceColumn(c.name(), c.typeName(), c.nullable()));
        }
        return out;
    }

    /**
     * What the connected user lacks to run a sync with this mapping.
     *
     * @param mapping the mapping
     * @return the missing privileges with the GRANTs that fix them; empty when all is well
     */
    public List<MissingGrant> checkPermissions(Mapping mapping) {
        List<String> cols = new ArrayList<>();
        cols.add(mapping.keyColumn());
        cols.addAll(mapping.sourceColumns());
        String sql = query;
        if (sql != null) {
            return Postgres.checkQueryPermissions(dataSource, description(), bookkeepingSchema, relation, sql);
        }
        return PostgresPermissions.check(dataSource, bookkeepingSchema, schema, relation, cols);
    }

    @Override
    public SourceRun startRun(RunRequest request) {
        String sql = query;
        if (sql != null) {
            return Postgres.startQueryRun(dataSource, description(), bookkeepingSchema, relation, sql, request,
                historyRetention);
        }
        return Postgres.startRun(dataSource, description(), bookkeepingSchema, schema, relation, request, readAhead,
            historyRetention, firstSyncInKeyOrder);
    }

    /**
     * Starts a job over: forgets what its destination holds, and its key, key type and hashes, so that the next run
     * is a first sync that sends every row as ADDED. Keys the destination holds that the source no longer has are
     * not sent as REMOVED (the snapshot no longer knows them): for a MIRROR destination, empty it first. Its
     * quarantined keys are released too ({@link #retryQuarantined(String)}). The job's run history stays. Fails with
     * {@link io.valmi.JobBusyException} while a run of the job is on.
     *
     * @param jobId the job
     * @return whether the bookkeeping schema knew the job; when it did not (a typo in the id, another bookkeeping
     *     schema), nothing was done and a WARN line says so, naming jobs it does know
     */
    @Override
    public boolean resetJob(String jobId) {
        return Postgres.resetJob(dataSource, description(), bookkeepingSchema, jobId);
    }

    /**
     * Releases every key the job quarantined ({@link io.valmi.SyncOptions#quarantineAfter()}): forgets how many
     * consecutive runs rejected each key of the job, so that the next run sends every quarantined row again, as it is
     * then. A key the destination rejects again is quarantined again only after {@code quarantineAfter} more
     * rejections in a row. Rows are also released without this call when their mapped values change. Holds the job's
     * lock for a moment: call it between runs.
     *
     * @param jobId the job
     * @return how many keys the job's last run had quarantined (all of them are released)
     * @throws ConfigurationException when the bookkeeping schema has no job of this id (never ran, reset or dropped)
     * @throws io.valmi.JobBusyException when a run of the job is in progress
     */
    public int retryQuarantined(String jobId) {
        return Postgres.retryQuarantined(dataSource, description(), bookkeepingSchema, jobId, null);
    }

    /**
     * Releases one key the job quarantined: as {@link #retryQuarantined(String)}, for this key alone.
     *
     * @param jobId the job
     * @param key the key's text form, as PostgreSQL prints it and {@link #quarantinedKeys(String, int)} lists it (e.g.
     *     {@code "7"}, or {@code "2024-01-31 10:00:00+00"} for a {@code timestamptz} key)
     * @return whether the job's last run had quarantined this key ({@code false}: nothing was quarantined under this
     *     text; any rejection streak of the key is forgotten all the same)
     * @throws ConfigurationException when the bookkeeping schema has no job of this id (never ran, reset or dropped)
     * @throws io.valmi.JobBusyException when a run of the job is in progress
     */
    public boolean retryQuarantined(String jobId, String key) {
        Objects.requireNonNull(key, "key");
        return Postgres.retryQuarantined(dataSource, description(), bookkeepingSchema, jobId, key) > 0;
    }

    /**
     * The keys the job's last run left out as quarantined ({@link io.valmi.SyncOptions#quarantineAfter()}), with the
     * destination's last reason, in the order of their text.
     *
     * @param jobId the job
     * @param limit how many at most
     * @return the keys; empty when the last run quarantined none
     * @throws ConfigurationException when the bookkeeping schema has no job of this id (never ran, reset or dropped)
     */
    public List<QuarantinedKey> quarantinedKeys(String jobId, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        return Postgres.quarantinedKeys(dataSource, description(), bookkeepingSchema, jobId, limit);
    }

    /**
     * A job's history in the bookkeeping schema: its runs (newest first, paged), its state, its current invalid rows,
     * rejected and quarantined keys, and its sync log ({@link io.valmi.SyncOptions#syncLog()}). The returned object
     * reads the database anew on each call.
     *
     * <p>A job is known when the schema has its record or a run of it (the runs of a job that was reset or dropped
     * stay until the retention prunes them). Brings a bookkeeping schema made by an earlier version of valmi to the
     * current one first, as a run would.
     *
     * @param jobId the job
     * @return its history
     * @throws ConfigurationException when the bookkeeping schema knows no job of this id (the message names some it
     *     knows)
     */
    public JobHistory history(String jobId) {
        Objects.requireNonNull(jobId, "jobId");
        Postgres.requireHistory(dataSource, description(), bookkeepingSchema, jobId);
        return new JobHistory(dataSource, description(), bookkeepingSchema, jobId);
    }

    /**
     * How long the runs and sync log rows of this source's jobs are kept ({@link Builder#historyRetention}).
     *
     * @return the retention; {@code Duration.ZERO} for ever
     */
    public Duration historyRetention() {
        return historyRetention;
    }

    /**
     * Drops a job's bookkeeping tables and its job record. Its run history and sync log stay, readable by
     * {@link #history(String)}; since only a job's own runs prune them, they stay until deleted by hand (README: "The
     * bookkeeping schema"). Fails with
     * {@link io.valmi.JobBusyException} while a run of the job is on.
     *
     * @param jobId the job
     * @return whether the bookkeeping schema knew the job; when it did not, nothing was done and a WARN line says so
     */
    @Override
    public boolean dropJob(String jobId) {
        return Postgres.dropJob(dataSource, description(), bookkeepingSchema, jobId);
    }

    @Override
    public String toString() {
        return "PostgresSource[" + description() + ", bookkeeping=" + bookkeepingSchema + "]";
    }

    /** Builds a {@link PostgresSource}. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable String name;
        private @Nullable String schema;
        private @Nullable String relation;
        private @Nullable String query;
        private String bookkeepingSchema = DEFAULT_BOOKKEEPING_SCHEMA;
        private boolean readAhead = true;
        private boolean firstSyncInKeyOrder;
        private Duration historyRetention = DEFAULT_HISTORY_RETENTION;

        private Builder() {
        }

        /**
         * Connects with a connection description (unpooled connections; a run uses one).
         *
         * @param connection the connection
         * @return this builder
         */
        public Builder connection(PostgresConnection connection) {
            this.dataSource = connection.dataSource();
            this.name = connection.name();
            return this;
        }

        /**
         * Connects through the application's own data source (e.g. a HikariCP pool). The session settings valmi needs
         * are set when it takes a connection and restored before the connection goes back to the pool (a connection
         * whose settings cannot be restored is ended instead).
         *
         * @param dataSource the data source
         * @param name a name for logs and results
         * @return this builder
         */
        public Builder dataSource(DataSource dataSource, String name) {
            this.dataSource = dataSource;
            this.name = name;
            return this;
        }

        /**
         * The relation to read.
         *
         * @param schema its schema
         * @param relation its exact name
         * @return this builder
         */
        public Builder table(String schema, String relation) {
            this.schema = schema;
            this.relation = relation;
            this.query = null;
            return this;
        }

        /**
         * An application's SQL query to read instead of a relation (as Hightouch and Census read a "model"): one
         * {@code SELECT} (or {@code WITH ... SELECT}, {@code VALUES}, {@code TABLE}), read as a view is. Every run reads
         * it once, in one statement, and checks its key for NULLs and duplicates; its columns and their types are
         * discovered without running it.
         *
         * <ul>
         *   <li>Qualify your own tables, types and functions with their schema ({@code public.orders}): valmi runs the
         *   query with {@code search_path = pg_catalog} (and its other pinned settings, e.g. {@code TimeZone = UTC}),
         *   so that its result does not depend on the connection's settings.</li>
         *   <li>It only reads: a data-modifying statement, a {@code WITH} holding one, or a second statement is
         *   refused before anything runs. Functions the query calls run as in any {@code SELECT}; a function that
         *   writes is the application's affair, and so are {@code FOR UPDATE} / {@code FOR SHARE}, which lock rows.</li>
         *   <li>A trailing {@code ;} is dropped. JDBC reads a {@code ?} outside quotes as a parameter: write the jsonb
         *   operators {@code ?}, {@code ?|}, {@code ?&} as {@code ??}, {@code ??|}, {@code ??&}.</li>
         *   <li>A column the mapping reads that the query no longer returns fails the run with a message naming it;
         *   a column whose type changed sends every row again, as for a table.</li>
         * </ul>
         *
         * @param name the query's name in logs, results and the job record (a job's source), e.g.
         *     {@code "active_customers"}; the connection's name and this name describe the source
         *     ({@code postgres:<connection>:query:<name>})
         * @param sql the query's text
         * @return this builder
         */
        public Builder query(String name, String sql) {
            this.schema = "";
            this.relation = name;
            this.query = Postgres.trimQuery(Objects.requireNonNull(sql, "sql"));
            return this;
        }

        /**
         * The bookkeeping schema (default {@value PostgresSource#DEFAULT_BOOKKEEPING_SCHEMA}): at most 63 bytes in
         * UTF-8, PostgreSQL's limit for names.
         *
         * @param schema the schema
         * @return this builder
         */
        public Builder bookkeepingSchema(String schema) {
            this.bookkeepingSchema = schema;
            return this;
        }

        /**
         * Whether a first sync (empty snapshot, key declared unique) reads up to three batches ahead, on connections
         * of its own, while the destination writes the current one (default {@code true}): each batch's statement
         * starts as soon as the rows of the one before have arrived, while those are decoded, hashed and recorded on
         * their own connection. A first sync then holds up to four connections of the data source; turn it off for
         * a pool that cannot spare them.
         * Connections that cannot be had are done without (with none, the run reads one batch after the other).
         *
         * @param readAhead whether to read ahead
         * @return this builder
         */
        public Builder readAhead(boolean readAhead) {
            this.readAhead = readAhead;
            return this;
        }

        /**
         * Whether a first sync reads the table in key order, by its key's index, where it could read it in physical
         * order (default {@code false}). A first sync of a plain table on PostgreSQL 14 or later reads its rows in the
         * order they lie on disk, by ranges of row addresses (TID range scans): a table whose rows are not in key
         * order (a random {@code uuid} key, say) is then read page by page rather than one index probe and one heap
         * page per row. Its batches then come in that order, each holding the keys of the rows it read, and a row
         * updated during the first sync may come twice (the next run settles it). Key order hands out every key in
         * ascending order; it is also what a first sync does on PostgreSQL 12 and 13, for a partitioned table, a view,
         * a query, a job with a sync log, and in {@link io.valmi.DestinationMode#INSERT} (whose destination must never
         * get a key twice). A table whose rows lie in key order already, by its statistics ({@code pg_stats}), is read
         * in key order too: its incremental runs merge the table with the snapshot by their keys, and read a snapshot
         * written in key order in order.
         *
         * @param keyOrder whether to read in key order
         * @return this builder
         */
        public Builder firstSyncInKeyOrder(boolean keyOrder) {
            this.firstSyncInKeyOrder = keyOrder;
            return this;
        }

        /**
         * How long the run history and the sync log of this source's jobs are kept (default
         * {@link PostgresSource#DEFAULT_HISTORY_RETENTION}, 30 days): at the end of each run, the job's runs that ended
         * longer ago, and its sync log rows recorded longer ago, are deleted ({@link PostgresSource#history(String)}).
         * The job's state (its last successful run, its snapshot) is kept whatever the retention.
         *
         * @param retention how long; {@code Duration.ZERO} keeps them for ever
         * @return this builder
         */
        public Builder historyRetention(Duration retention) {
            this.historyRetention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the source
         * @throws ConfigurationException when the connection or the relation (or query) is missing, a query is blank
         *     or has no name, or a name (schema, relation, bookkeeping schema) holds NUL or is longer than PostgreSQL's
         *     63 bytes in UTF-8, or the history retention is negative
         */
        public PostgresSource build() {
            if (dataSource == null || name == null) {
                throw new ConfigurationException("PostgresSource needs a connection: call connection(...) or "
                    + "dataSource(...)");
            }
            String sql = query;
            if (sql != null) {
                if (relation == null || relation.isBlank()) {
                    throw new ConfigurationException("PostgresSource needs a name for its query, for logs, results and"
                        + " the job record: call query(name, sql) with a name that is not blank");
                }
                if (sql.isBlank()) {
                    throw new ConfigurationException("PostgresSource's query \"" + relation + "\" is empty: give a"
                        + " SELECT statement");
                }
            } else if (schema == null || relation == null || schema.isBlank() || relation.isBlank()) {
                throw new ConfigurationException("PostgresSource needs the relation to read: call table(schema, name)"
                    + " or query(name, sql)");
            }
            if (historyRetention.isNegative()) {
                throw new ConfigurationException("historyRetention must be positive, or Duration.ZERO to keep the"
                    + " history for ever, got " + historyRetention);
            }
            if (bookkeepingSchema.isBlank()) {
                throw new ConfigurationException("The bookkeeping schema name must not be blank");
            }
            String checkedSchema = schema;
            String checkedRelation = relation;
            if (query == null && checkedSchema != null && checkedRelation != null) {
                Postgres.checkName(checkedSchema, "schema", "no schema of that name can exist; give the schema's"
                    + " exact name");
                Postgres.checkName(checkedRelation, "relation", "no relation of that name can exist; give the"
                    + " relation's exact name");
            }
            Postgres.checkName(bookkeepingSchema, "bookkeeping schema", "a longer name would be created cut short and"
                + " not be found again by the next run; choose a shorter bookkeeping schema name");
            if (bookkeepingSchema.equals(schema)) {
                throw new ConfigurationException("The bookkeeping schema must not be the source's schema \"" + schema
                    + "\": valmi never writes to the schemas it reads");
            }
            return new PostgresSource(this);
        }
    }
}
