package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import io.valmi.InvalidRow;
import io.valmi.RunRequest;
import io.valmi.SourceRun;
import io.valmi.postgres.JobState;
import io.valmi.postgres.MissingGrant;
import io.valmi.postgres.QuarantinedKey;
import io.valmi.postgres.RejectedKey;
import io.valmi.postgres.Relation;
import io.valmi.postgres.RelationDetails;
import io.valmi.postgres.RunRecord;
import io.valmi.postgres.SyncLogEntry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The one door from the public API of {@code io.valmi.postgres} into its implementation, as jOOQ's {@code DSL} is into
 * {@code org.jooq.impl}: every other class of this package is package-private (but {@link TableWriter}, the
 * destination's, and {@link JobTables}, the names of the bookkeeping tables). Not an API.
 */
public final class Postgres {
    private Postgres() {
    }

    /**
     * Starts a run: describe, check, lock, recover, plan ({@code docs/internals.md#the-run-protocol}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param schema the source relation's schema
     * @param relation the source relation
     * @param request the request
     * @param readAhead whether a first sync reads batches ahead on connections of its own
     * @param historyRetention how long the job's runs and sync log are kept ({@code ZERO}: for ever)
     * @param firstSyncInKeyOrder whether a first sync reads the table in key order rather than in physical order
     * @return the planned run
     */
    public static SourceRun startRun(DataSource dataSource, String description, String bookkeepingSchema,
                                     String schema, String relation, RunRequest request, boolean readAhead,
                                     Duration historyRetention, boolean firstSyncInKeyOrder) {
        return RunStarter.start(dataSource, description, bookkeepingSchema, SourceRef.relation(schema, relation),
            request, readAhead, historyRetention, firstSyncInKeyOrder);
    }

    /**
     * Starts a run over an application's query ({@code docs/internals.md#a-query-as-the-source}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param queryName the query's name
     * @param sql the query's text ({@link #trimQuery})
     * @param request the request
     * @param historyRetention how long the job's runs and sync log are kept ({@code ZERO}: for ever)
     * @return the planned run
     */
    public static SourceRun startQueryRun(DataSource dataSource, String description, String bookkeepingSchema,
                                          String queryName, String sql, RunRequest request,
                                          Duration historyRetention) {
        return RunStarter.start(dataSource, description, bookkeepingSchema, SourceRef.query(queryName, sql), request,
            false, historyRetention, true);
    }

    /**
     * A query's text without the semicolons and white space it ends with.
     *
     * @param sql the text
     * @return the text to read
     */
    public static String trimQuery(String sql) {
        return UserQuery.trimmed(sql);
    }

    /**
     * A query's columns, discovered without running it (a temporary view, rolled back).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param queryName the query's name
     * @param sql the query's text
     * @return its columns (all nullable) without candidate keys, as a relation of kind {@code QUERY}
     * @throws ConfigurationException when PostgreSQL refuses the query
     */
    public static RelationDetails describeQuery(DataSource dataSource, String description, String queryName,
                                                String sql) {
        SourceRef source = SourceRef.query(queryName, sql);
        try (Session s = Session.open(dataSource, description)) {
            return s.rolledBack("describe " + source, c -> UserQuery.describe(c, source, description)).details();
        }
    }

    /**
     * What the connected user lacks to sync a query: the bookkeeping schema's privileges, and reading what the query
     * reads (the server's word, from planning the query without reading a row).
     *
     * @param dataSource connects as the user
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param queryName the query's name
     * @param sql the query's text
     * @return the missing privileges with their fixes
     */
    public static List<MissingGrant> checkQueryPermissions(DataSource dataSource, String description,
                                                           String bookkeepingSchema, String queryName, String sql) {
        SourceRef source = SourceRef.query(queryName, sql);
        try (Session s = Session.open(dataSource, description)) {
            List<MissingGrant> missing = new ArrayList<>(s.transaction("check privileges",
                c -> Grants.checkBookkeeping(c, bookkeepingSchema)));
            s.rolledBack("check privileges of " + source, c -> {
                UserQuery.checkText(c, source, description);
                String user = Grants.currentUser(c);
                try {
                    Sql.select(c, DSL.select(DSL.asterisk()).from(source.table().as("t")).limit(DSL.inline(0)));
                } catch (SQLException e) {
                    if (!UserQuery.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                        throw UserQuery.refusedByServer(source, description, e);
                    }
                    missing.add(UserQuery.missingGrant(user, source, e));
                }
                return missing;
            });
            return missing;
        }
    }

    /**
     * Starts a job over ({@code PostgresSource.resetJob}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @return whether the job was known
     */
    public static boolean resetJob(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        return JobAdmin.reset(dataSource, description, bookkeepingSchema, jobId);
    }

    /**
     * Releases a job's quarantined keys ({@code PostgresSource.retryQuarantined}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param keyText the key's text form, or {@code null} for every key
     * @return how many keys the last run had quarantined that are released
     */
    public static int retryQuarantined(DataSource dataSource, String description, String bookkeepingSchema,
                                       String jobId, @Nullable String keyText) {
        return JobAdmin.retryQuarantined(dataSource, description, bookkeepingSchema, jobId, keyText);
    }

    /**
     * The keys a job's last run quarantined ({@code PostgresSource.quarantinedKeys}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @return the keys
     */
    public static List<QuarantinedKey> quarantinedKeys(DataSource dataSource, String description,
                                                       String bookkeepingSchema, String jobId, int limit) {
        return JobAdmin.quarantinedKeys(dataSource, description, bookkeepingSchema, jobId, limit);
    }

    /**
     * Refuses a job the bookkeeping schema does not know ({@code PostgresSource.history}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     */
    public static void requireHistory(DataSource dataSource, String description, String bookkeepingSchema,
                                      String jobId) {
        History.requireKnown(dataSource, description, bookkeepingSchema, jobId);
    }

    /**
     * A page of a job's runs, newest first ({@code JobHistory.runs}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @param afterRunId the last run of the previous page, or {@code null} for the first page
     * @return the runs
     */
    public static List<RunRecord> runs(DataSource dataSource, String description, String bookkeepingSchema,
                                       String jobId, int limit, @Nullable String afterRunId) {
        return History.runs(dataSource, description, bookkeepingSchema, jobId, limit, afterRunId);
    }

    /**
     * A job's state ({@code JobHistory.state}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @return the state
     */
    public static JobState jobState(DataSource dataSource, String description, String bookkeepingSchema,
                                    String jobId) {
        return History.state(dataSource, description, bookkeepingSchema, jobId);
    }

    /**
     * A job's invalid rows ({@code JobHistory.invalidRows}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @return the rows
     */
    public static List<InvalidRow> invalidRows(DataSource dataSource, String description, String bookkeepingSchema,
                                               String jobId, int limit) {
        return History.invalidRows(dataSource, description, bookkeepingSchema, jobId, limit);
    }

    /**
     * A job's rejected keys ({@code JobHistory.rejectedKeys}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @return the keys
     */
    public static List<RejectedKey> rejectedKeys(DataSource dataSource, String description, String bookkeepingSchema,
                                                 String jobId, int limit) {
        return History.rejectedKeys(dataSource, description, bookkeepingSchema, jobId, limit);
    }

    /**
     * A job's quarantined keys, for its history ({@code JobHistory.quarantinedKeys}): as
     * {@link #quarantinedKeys}, also for a job that was reset or dropped (none then).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param limit how many at most
     * @return the keys
     */
    public static List<QuarantinedKey> historyQuarantinedKeys(DataSource dataSource, String description,
                                                              String bookkeepingSchema, String jobId, int limit) {
        return History.quarantinedKeys(dataSource, description, bookkeepingSchema, jobId, limit);
    }

    /**
     * A key's rows in a job's sync log ({@code JobHistory.log}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @param keyText the key's text form
     * @param limit how many at most
     * @return the entries, newest first
     */
    public static List<SyncLogEntry> syncLog(DataSource dataSource, String description, String bookkeepingSchema,
                                             String jobId, String keyText, int limit) {
        return History.syncLog(dataSource, description, bookkeepingSchema, jobId, keyText, limit);
    }

    /**
     * Drops a job's tables and record ({@code PostgresSource.dropJob}).
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param jobId the job
     * @return whether the job was known
     */
    public static boolean dropJob(DataSource dataSource, String description, String bookkeepingSchema, String jobId) {
        return JobAdmin.drop(dataSource, description, bookkeepingSchema, jobId);
    }

    /**
     * The schemas the user may use, but the system's and the bookkeeping schema.
     *
     * @param dataSource connections
     * @param bookkeepingSchema left out
     * @return schema names, sorted
     */
    public static List<String> namespaces(DataSource dataSource, String bookkeepingSchema) {
        try (Session s = Session.open(dataSource, "catalog")) {
            return s.transaction("list schemas", c -> CatalogQueries.namespaces(c, bookkeepingSchema));
        }
    }

    /**
     * The relations valmi can read in a schema.
     *
     * @param dataSource connections
     * @param schema the schema
     * @return relations, sorted by name
     */
    public static List<Relation> relations(DataSource dataSource, String schema) {
        try (Session s = Session.open(dataSource, "catalog")) {
            List<CatalogQueries.RelationRow> rows = s.transaction("list relations of schema " + schema,
                c -> CatalogQueries.relations(c, schema));
            List<Relation> out = new ArrayList<>(rows.size());
            for (CatalogQueries.RelationRow r : rows) {
                out.add(new Relation(schema, r.name(), Describe.kind(r.relkind())));
            }
            return out;
        }
    }

    /**
     * One relation with its columns and candidate keys, if it exists.
     *
     * @param dataSource connections
     * @param schema the schema
     * @param name the relation's exact name
     * @return the details, or empty
     */
    public static Optional<RelationDetails> describe(DataSource dataSource, String schema, String name) {
        try (Session s = Session.open(dataSource, "catalog")) {
            return s.transaction("describe " + schema + "." + name, c -> Describe.details(c, schema, name));
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
        return Describe.notFound(schema, name);
    }

    /**
     * What the connected user lacks to sync a relation.
     *
     * @param dataSource connects as the user
     * @param bookkeepingSchema the bookkeeping schema
     * @param schema the relation's schema
     * @param relation the relation
     * @param columns the columns a sync reads
     * @return the missing privileges with their fixes
     */
    public static List<MissingGrant> checkPermissions(DataSource dataSource, String bookkeepingSchema, String schema,
                                                      String relation, List<String> columns) {
        try (Session s = Session.open(dataSource, schema + "." + relation)) {
            return s.transaction("check privileges", c -> Grants.check(c, bookkeepingSchema, schema, relation, columns));
        }
    }

    /**
     * The setup script, one statement per line.
     *
     * @param user the user to create
     * @param schemas the schemas it may read
     * @param bookkeepingSchema its bookkeeping schema
     * @return the statements
     */
    public static List<String> setupScript(String user, List<String> schemas, String bookkeepingSchema) {
        return Grants.setupScript(user, schemas, bookkeepingSchema);
    }

    /**
     * The setup statements with a password, each one that JDBC can run.
     *
     * @param user the user to create
     * @param password its password
     * @param schemas the schemas it may read
     * @param bookkeepingSchema its bookkeeping schema
     * @return the statements
     */
    public static List<String> setupStatements(String user, String password, List<String> schemas,
                                               String bookkeepingSchema) {
        return Grants.setupStatements(user, password, schemas, bookkeepingSchema);
    }

    /**
     * The role that owns a bookkeeping schema set up by the setup script.
     *
     * @param bookkeepingSchema the schema
     * @return the role's name
     */
    public static String ownerRole(String bookkeepingSchema) {
        return Grants.ownerRole(bookkeepingSchema);
    }

    /**
     * Refuses a name PostgreSQL would cut short or cannot store.
     *
     * @param name the name
     * @param what what it names, for the message
     * @param fix what to do, for the message
     */
    public static void checkName(String name, String what, String fix) {
        Identifiers.check(name, what, fix);
    }

    /**
     * The data source of a {@code PostgresConnection}: start-up and reads bounded, TCP keepalive tuned.
     *
     * @param pg the configured pgjdbc data source
     * @param name the connection's name, for messages
     * @param connectTimeout bounds the whole start-up
     * @param readTimeout bounds every read ({@code ZERO}: none)
     * @return the data source
     */
    public static DataSource dataSource(PGSimpleDataSource pg, String name, Duration connectTimeout,
                                        Duration readTimeout) {
        return new BoundedDataSource(pg, name, connectTimeout, readTimeout);
    }
}
