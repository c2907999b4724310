package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import io.valmi.Mapping;
import io.valmi.RunRequest;
import io.valmi.SourceRun;
import io.valmi.postgres.CandidateKey;
import io.valmi.postgres.Column;
import io.valmi.postgres.MissingGrant;
import io.valmi.postgres.MissingGrantException;
import io.valmi.postgres.RelationDetails;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a run: checks, lock, bookkeeping, plan. Nothing is created or locked before the checks pass. */
public final class RunStarter {
    private static final Logger log = LoggerFactory.getLogger(RunStarter.class);

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
     * @param describe looks the relation up
     * @param request the request
     * @return the planned run
     */
    public static SourceRun start(DataSource dataSource, String description, String bookkeepingSchema,
                                  Function<Session, RelationDetails> describe, RunRequest request) {
        Mapping mapping = request.mapping();
        Session session = Session.open(dataSource, description);
        JobLock lock = null;
        try {
            RelationDetails details = describe.apply(session);
            checkMapping(details, mapping, description);
            String schema = details.relation().schema();
            String relation = details.relation().name();
            List<String> readColumns = new ArrayList<>();
            readColumns.add(mapping.keyColumn());
            readColumns.addAll(mapping.sourceColumns());
            session.transaction("check privileges", c -> {
                List<MissingGrant> missing = Grants.check(c, bookkeepingSchema, schema, relation, readColumns);
                if (!missing.isEmpty()) {
                    throw new MissingGrantException(Grants.currentUser(c), "sync job '" + request.jobId() + "' on "
                        + description, missing);
                }
                return null;
            });
            lock = JobLock.acquire(session, bookkeepingSchema, request.jobId());
            JobTables tables = new JobTables(bookkeepingSchema, request.jobId());
            List<String> types = new ArrayList<>();
            for (String c : mapping.sourceColumns()) {
                types.add(details.column(c).orElseThrow().typeName());
            }
            PlanSql sql = new PlanSql(tables, schema, relation, mapping.keyColumn(), mapping.sourceColumns(), types);
            Column keyColumn = details.column(mapping.keyColumn()).orElseThrow();
            prepareJob(session, tables, sql, request.jobId(), description, keyColumn);
            boolean unique = details.candidateKeys().stream().map(CandidateKey::column)
                .anyMatch(mapping.keyColumn()::equals);
            return PgRun.plan(session, lock, sql, tables, request, !unique);
        } catch (RuntimeException e) {
            if (lock != null) {
                lock.release(session);
            }
            session.close();
            throw e;
        }
    }

    private static void prepareJob(Session session, JobTables tables, PlanSql sql, String jobId, String description,
                                   Column keyColumn) {
        session.transaction("prepare the bookkeeping tables of sync job '" + jobId + "'", c -> {
            Bookkeeping.ensureSchema(c, tables);
            Bookkeeping.ensureJobTables(c, tables, sql.keyOnly());
            int major = Bookkeeping.serverMajor(c);
            Bookkeeping.JobRecord current = new Bookkeeping.JobRecord(description, keyColumn.name(),
                keyColumn.typeName(), Bookkeeping.HASH_ALGORITHM, major);
            Bookkeeping.JobRecord saved = Bookkeeping.job(c, tables, jobId);
            if (saved != null) {
                if (!saved.keyColumn().equals(current.keyColumn()) || !saved.keyType().equals(current.keyType())) {
                    throw new ConfigurationException("Sync job '" + jobId + "' was keyed by column \""
                        + saved.keyColumn() + "\" (" + saved.keyType() + "), now by \"" + current.keyColumn() + "\" ("
                        + current.keyType() + "): its snapshot cannot be compared. Call PostgresSource.resetJob(\""
                        + jobId + "\") to start over (the next run sends every row as ADDED), or use a new job id");
                }
                if (!saved.hashAlgorithm().equals(current.hashAlgorithm()) || saved.serverMajor() != major) {
                    log.warn("Sync job '{}': its snapshot was hashed with {} on PostgreSQL {}, now {} on PostgreSQL {};"
                            + " hashes are not comparable, so every row is sent again as CHANGED (removals are still"
                            + " detected)", jobId, saved.hashAlgorithm(), saved.serverMajor(), current.hashAlgorithm(),
                        major);
                    Sql.execute(c, sql.markAllInDoubt());
                }
            }
            Bookkeeping.saveJob(c, tables, jobId, current);
            // Keys of a batch that a failed or killed run handed out without an acknowledgement.
            if (Sql.execute(c, sql.foldInDoubt(jobId)) > 0) {
                log.info("Sync job '{}': the keys of a batch not acknowledged by an earlier run are now in doubt and"
                    + " are offered again", jobId);
            }
            Sql.execute(c, sql.clearInDoubt(jobId));
            return null;
        });
    }
}
