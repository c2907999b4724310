package io.valmi.postgres.internal;

import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunRequest;
import io.valmi.SourceRun;
import io.valmi.postgres.CandidateKey;
import io.valmi.postgres.Column;
import io.valmi.postgres.MissingGrant;
import io.valmi.postgres.MissingGrantException;
import io.valmi.postgres.RelationDetails;
import io.valmi.postgres.RelationKind;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/** Starts a run: checks, lock, bookkeeping, plan. Nothing is created or locked before the checks pass. */
final class RunStarter {
    private static final Logger log = Logs.SOURCE;

    private RunStarter() {
    }

    /**
     * Checks the mapping against the relation's columns.
     *
     * @param details the relation
     * @param mapping the mapping
     * @param description the source, for messages
     */
    public static void checkMapping(RelationDetails details, Mapping mapping, String description) {
        List<String> missing = new ArrayList<>();
        if (details.column(mapping.keyColumn()).isEmpty()) {
            missing.add(mapping.keyColumn());
        }
        for (String c : mapping.sourceColumns()) {
            if (details.column(c).isEmpty()) {
                missing.add(c);
            }
        }
        if (!missing.isEmpty()) {
            List<String> names = new ArrayList<>();
            details.columns().forEach(c -> names.add(c.name()));
            if (details.relation().kind() == RelationKind.QUERY) {
                throw new ConfigurationException("Query \"" + details.relation().name() + "\" of " + description
                    + " returns no column" + (missing.size() > 1 ? "s " : " ") + missing + " that the mapping reads:"
                    + " it returns " + names + " (names are case-sensitive). If the query changed, give the column"
                    + " back to its result (... AS name), or change the mapping (a job whose mapped columns change"
                    + " sends every row again). Nothing was changed");
            }
            throw new ConfigurationException("Source " + description + " has no column" + (missing.size() > 1 ? "s " : " ")
                + missing + ": its columns are " + names + " (names are case-sensitive)");
        }
    }

    /**
     * Starts a run.
     *
     * @param dataSource connections
     * @param description the source, for messages
     * @param bookkeepingSchema the bookkeeping schema
     * @param source what the run reads: a relation or a query
     * @param request the request
     * @param readAhead whether a first sync may read the next batch on a second connection while the destination
     *     writes one
     * @param historyRetention how long the job's runs and sync log are kept ({@code ZERO}: for ever)
     * @param firstSyncInKeyOrder whether a first sync reads a plain table in key order even where it could read it in
     *     physical order
     * @return the planned run
     */
    public static SourceRun start(DataSource dataSource, String description, String bookkeepingSchema,
                                  SourceRef source, RunRequest request, boolean readAhead,
                                  Duration historyRetention, boolean firstSyncInKeyOrder) {
        Mapping mapping = request.mapping();
        // (It holds the job's lock while the destination writes: it stays while idle.)
        Session session = Session.open(dataSource, description, true);
        JobLock lock = null;
        try {
            // A query is described through a temporary view, in a transaction that is rolled back.
            Describe.Described described = source.isQuery()
                ? session.rolledBack("describe " + source, c -> UserQuery.describe(c, source, description))
                : session.transaction("describe " + source.schema() + "." + source.name(),
                    c -> Describe.relation(c, source.schema(), source.name()))
                .orElseThrow(() -> Describe.notFound(source.schema(), source.name()));
            RelationDetails details = described.details();
            checkMapping(details, mapping, description);
            String schema = details.relation().schema();
            String relation = details.relation().name();
            List<String> readColumns = new ArrayList<>();
            readColumns.add(mapping.keyColumn());
            readColumns.addAll(mapping.sourceColumns());
            // One transaction, in this order: a writable primary, the grants, the facts of the relation's row versions
            // and order, a key column PostgreSQL can compare (its probe is last: a statement that fails ends the
            // transaction).
            Catalog catalog = session.transaction("check sync job '" + request.jobId() + "'", c -> {
                ReadOnly.refuse(c, bookkeepingSchema, request.jobId(), description);
                // (What a query reads, the server checks when the key's probe below runs it.)
                List<MissingGrant> missing = source.isQuery() ? Grants.checkBookkeeping(c, bookkeepingSchema)
                    : Grants.check(c, bookkeepingSchema, schema, relation, readColumns);
                if (!missing.isEmpty()) {
                    throw new MissingGrantException(Grants.currentUser(c), "sync job '" + request.jobId() + "' on "
                        + description, missing);
                }
                // (The user is read first: a failed probe ends the transaction.)
                String user = source.isQuery() ? Grants.currentUser(c) : "";
                // (A query's rows have no versions, and its key is never declared unique.)
                CatalogQueries.VersionFacts versionFacts = source.isQuery() ? null
                    : CatalogQueries.versionFacts(c, described.oid(), mapping.sourceColumns());
                // (A unique index of a table with inheritance children does not cover the children's rows; one of a
                // partitioned table covers all partitions.)
                boolean uniqueKey = versionFacts != null && details.candidateKeys().stream().map(CandidateKey::column)
                    .anyMatch(mapping.keyColumn()::equals)
                    && !(details.relation().kind() == RelationKind.TABLE && !versionFacts.descendants().isEmpty());
                // A plain table whose rows lie in the order of its unique key: the plan reads both sides by their key
                // indexes and merges them (PlanTable.planSettings).
                Optional<Double> order = uniqueKey && details.relation().kind() == RelationKind.TABLE
                    ? CatalogQueries.correlation(c, schema, relation, mapping.keyColumn()) : Optional.empty();
                try {
                    KeyColumn.requireComparable(c, source, details, mapping.keyColumn(), request.jobId(), description);
                } catch (SQLException e) {
                    if (source.isQuery() && UserQuery.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                        throw new MissingGrantException(user, "sync job '" + request.jobId() + "' on " + description,
                            List.of(UserQuery.missingGrant(user, source, e)));
                    }
                    throw e;
                }
                return new Catalog(versionFacts, uniqueKey, order);
            });
            lock = JobLock.acquire(session, bookkeepingSchema, request.jobId());
            if (request.deliver().isEmpty()) {
                // A dry run (SyncRunner.plan): it plans as a run would, and leaves the job's state as it was.
                session.beginDryRun();
            }
            JobTables tables = new JobTables(bookkeepingSchema, request.jobId());
            List<RunShape.MappedColumn> columns = new ArrayList<>();
            for (String c : mapping.sourceColumns()) {
                columns.add(new RunShape.MappedColumn(c, described.type(c)));
            }
            CatalogQueries.VersionFacts facts = catalog.facts();
            String scope = facts == null ? null : versionScope(details, columns, facts);
            boolean unique = catalog.unique();
            Optional<Double> correlation = catalog.correlation();
            boolean inKeyOrder = correlation.map(r -> Math.abs(r) >= KEY_ORDER_CORRELATION).orElse(false);
            log.debug("Sync job '{}': key order {} ({}): the plan {} the snapshot", request.jobId(),
                correlation.map(String::valueOf).orElse("unknown"), inKeyOrder ? "follows the rows" : "does not",
                inKeyOrder ? "merges the source with" : "hashes");
            RunStatements sql = RunStatements.of(new RunShape(tables, source,
                new RunShape.MappedColumn(mapping.keyColumn(), described.type(mapping.keyColumn())), columns, scope,
                inKeyOrder));
            Column keyColumn = details.column(mapping.keyColumn()).orElseThrow();
            StringBuilder mapped = new StringBuilder();
            for (int i = 0; i < columns.size(); i++) {
                mapped.append(i == 0 ? "" : ";").append(columns.get(i).name()).append('=')
                    .append(columns.get(i).type().declared())
                    .append("->").append(mapping.destinationFields().get(i));
            }
            // A key declared unique has a unique index: a first sync reads batches straight from the source by it. It
            // reads no earlier state, so keys with a rejection streak (docs/internals.md#quarantine) need a plan table.
            // (Whether the snapshot is empty is asked at the end of the job's preparation, in its transaction.)
            boolean mayFirstSync = unique
                && (request.deliver().isEmpty() || request.deliver().contains(ChangeKind.ADDED));
            Prepared prepared = prepareJob(session, tables, sql, request, description,
                keyColumn, mapped.toString(), PgRun.lease(request.writeTimeout()), mayFirstSync);
            BookkeepingSchema.State bookkeeping = prepared.bookkeeping();
            boolean firstSync = prepared.firstSync();
            // A plain table whose rows' versions are trusted may be read in physical order: an interrupted first sync
            // tells the rows its settled batches read by their addresses and versions. (Not in INSERT mode: a row
            // that moves during the run may be read twice, and an INSERT destination would get its key twice.) Not a
            // table whose rows lie in key order either: its plans merge by the key indexes, and a snapshot written in
            // the source's physical order, which such a table only roughly follows, makes every later merge slower
            // (2M rows of pgbench_accounts: the snapshot's index scan 0.5 s against 0.27 s written in key order, in
            // every incremental run), for a first sync about 0.6 s faster, once.
            boolean physical = !firstSyncInKeyOrder && !inKeyOrder && !source.isQuery()
                && details.relation().kind() == RelationKind.TABLE && scope != null
                && mapping.destinationMode() != DestinationMode.INSERT;
            PgRun run = firstSync ? FirstSyncRun.plan(session, lock, sql, request,
                    readAhead ? () -> Session.open(dataSource, description, true) : null, physical)
                : PlanTableRun.plan(session, lock, sql, request, !unique, bookkeeping);
            run.keepHistoryFor(historyRetention);
            KeyColumn.warnDuplicates(run.plan(), details, mapping.keyColumn(), request.jobId(), description);
            return run;
        } catch (RuntimeException e) {
            if (lock != null) {
                lock.release(session);
            }
            session.close();
            throw e;
        }
    }

    /**
     * How closely the key's order must follow the rows' physical order ({@code |pg_stats.correlation|}) for a plan to
     * merge source and snapshot by their key indexes rather than hash. Measured on PostgreSQL 15 (2M rows, the hash in
     * memory, the same join at correlations of 0.95, 0.85, 0.70 and 0.49): merged 0.93-1.03, 1.17-1.27, 1.56-1.72 and
     * 1.83-1.96 s, hashed 1.37-1.53, 1.53-1.55, 1.61-1.67 and 1.71-1.76 s; the two meet near 0.7. (0.9 before: a
     * table of pgbench_accounts that its own workload had moved to 0.88 was hashed, 1.6 s against 1.0 s merged.) See
     * {@code docs/internals.md#plan-settings-merge-or-hash-and-why-serial}.
     */
    static final double KEY_ORDER_CORRELATION = 0.8;

    /**
     * What row versions would be taken over, or {@code null} when the relation's rows have no version to trust
     * ({@code docs/internals.md#row-versions}).
     *
     * @param details the relation
     * @param columns the mapped columns, mapping order
     * @param facts what the catalog says about the relation's row versions
     * @return the scope or {@code null}
     */
    static @Nullable String versionScope(RelationDetails details, List<RunShape.MappedColumn> columns,
                               CatalogQueries.VersionFacts facts) {
        RelationKind kind = details.relation().kind();
        if (kind != RelationKind.TABLE && kind != RelationKind.PARTITIONED_TABLE
            && kind != RelationKind.MATERIALIZED_VIEW) {
            return null;
        }
        if (!facts.heapOnly() || !facts.xminReadable() || facts.virtualColumn()) {
            return null;
        }
        StringBuilder scope = new StringBuilder(kind.name()).append(':').append(details.relation().schema()).append('.')
            .append(details.relation().name()).append(";oid=").append(facts.oid()).append(";children=")
            .append(facts.descendants()).append(";columns=").append(facts.columns());
        for (RunShape.MappedColumn column : columns) {
            if (!column.type().versionSafe()) {
                return null;
            }
            scope.append(';').append(column.name()).append('=').append(column.type().declared());
        }
        return scope.toString();
    }

    /** What the check of a job read from the catalog: its row versions' facts, a unique key, the key's order. */
    private record Catalog(CatalogQueries.@Nullable VersionFacts facts, boolean unique, Optional<Double> correlation) {
    }

    /** The prepared job: its bookkeeping schema, and whether this run is a first sync (an empty snapshot, no streak). */
    private record Prepared(BookkeepingSchema.State bookkeeping, boolean firstSync) {
    }

    private static Prepared prepareJob(Session session, JobTables tables, RunStatements sql,
                                       RunRequest request, String description, Column keyColumn,
                                       String mappedColumns, Duration lease, boolean mayFirstSync) {
        String jobId = request.jobId();
        return session.transaction("prepare the bookkeeping tables of sync job '" + jobId + "'", c -> {
            BookkeepingSchema.State bookkeeping = BookkeepingSchema.prepare(c, tables);
            JobsTable.JobRecord saved = JobsTable.jobLocked(c, tables, jobId);
            if (saved != null && Recovery.startsOverForANewKeyColumn(saved, keyColumn.name(), request)) {
                JobAdmin.startOver(c, tables, jobId);
                saved = null;
            }
            if (saved == null || saved.tablesVersion() < JobsTable.JOB_TABLES_VERSION) {
                // (DDL only for a new job, or one whose tables an earlier version made.)
                JobsTable.ensureJobTables(c, tables, jobId, saved, sql.snapshot().keyOnly(), bookkeeping);
            }
            int major = JobsTable.serverMajor(c);
            String scope = sql.shape().versionScope();
            JobsTable.JobRecord current = new JobsTable.JobRecord(description, keyColumn.name(),
                sql.shape().keyType().keyDescription(), sql.shape().hashAlgorithm(), major, scope, mappedColumns,
                JobsTable.JOB_TABLES_VERSION, request.mapping().destinationMode().name());
            Recovery.recover(c, sql, jobId, bookkeeping, saved, current, lease, request.onMappingChange());
            boolean firstSync = mayFirstSync
                && Sql.fetch(c, sql.snapshot().snapshotEmpty(), rs -> rs.getBoolean(1)).get(0)
                && Sql.fetch(c, sql.issues().noStreaks(), rs -> rs.getBoolean(1)).get(0);
            return new Prepared(bookkeeping, firstSync);
        });
    }
}
