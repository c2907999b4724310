package io.valmi.postgres.internal;

import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.InvalidReason;
import io.valmi.Plan;
import io.valmi.postgres.CandidateKey;
import io.valmi.postgres.Column;
import io.valmi.postgres.RelationDetails;
import io.valmi.postgres.RelationKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.impl.DSL;
import org.slf4j.Logger;

/**
 * What a run needs of its key column, checked before anything is locked or created, and what the plan found about it,
 * said in the user's terms.
 */
final class KeyColumn {
    private static final Logger log = Logs.SOURCE;
    /** SQLSTATE undefined_function: PostgreSQL's "could not identify an ordering operator for type ...". */
    private static final String UNDEFINED_FUNCTION = "42883";

    private KeyColumn() {
    }

    /**
     * Checks that PostgreSQL can compare and index the key column's values: valmi keys its snapshot by them (a primary
     * key), joins the source with it, groups to find duplicates and pages by them in order, all of which need the
     * type's default B-tree operator class. Types without one ({@code json}, {@code point}, {@code xml}, arrays and
     * composites of them) would otherwise fail half-way through preparing the job. The check asks the server to parse
     * an ORDER BY of the column ({@code WHERE false}: no row is read): the parser looks the ordering up exactly as an
     * index on the type does, for domains, arrays, enums, ranges and composites alike.
     *
     * @param c a connection in a transaction
     * @param source what the run reads
     * @param details the relation
     * @param keyColumn the mapping's key column (it exists: {@link RunStarter#checkMapping})
     * @param jobId the job, for the message
     * @param description the source, for the message
     * @throws ConfigurationException when the type has no ordering
     * @throws SQLException when the check itself fails
     */
    static void requireComparable(Connection c, SourceRef source, RelationDetails details, String keyColumn,
                                  String jobId, String description) throws SQLException {
        var key = DSL.field(DSL.name("t", keyColumn));
        try {
            Sql.select(c, DSL.select(key).from(source.table().as("t")).where(DSL.falseCondition()).orderBy(key)
                .limit(DSL.inline(0)));
        } catch (SQLException e) {
            if (!UNDEFINED_FUNCTION.equals(e.getSQLState())) {
                throw e;
            }
            String type = details.column(keyColumn).map(Column::typeName).orElse("?");
            throw new ConfigurationException("Sync job '" + jobId + "' cannot use key column \"" + keyColumn + "\" of "
                + description + ": type " + type + " has no equality operator PostgreSQL can index (no default B-tree"
                + " operator class), and every run compares, sorts and indexes its keys: pick another key column ("
                + candidateKeys(details) + "), or cast the column " + (source.isQuery() ? "in the query (SELECT ..., "
                : "in a view over the relation (CREATE VIEW ... AS SELECT ") + "\"" + keyColumn
                + "\"::text AS key_text, ...) and key by that. Nothing was changed");
        }
    }

    /**
     * Warns when the plan found rows whose key other rows share: they are held back, and a key column that is not
     * unique is almost always the wrong one. Names the relation's candidate keys.
     *
     * @param plan the run's plan
     * @param details the relation
     * @param keyColumn the mapping's key column
     * @param jobId the job
     * @param description the source
     */
    static void warnDuplicates(Plan plan, RelationDetails details, String keyColumn, String jobId,
                               String description) {
        long duplicated = plan.invalid().getOrDefault(InvalidReason.DUPLICATE_KEY, 0L);
        if (duplicated == 0) {
            return;
        }
        log.warn("Sync job '{}': key column \"{}\" of {} is not unique: {} rows share their key with another row and"
                + " are not sent ({} more have a NULL key; planned: {} added, {} changed, {} unchanged, {} removed);"
                + " {}. Choose a unique key column with Mapping.Builder.key(...) (for a job that ran before: after"
                + " PostgresSource.resetJob, or under a new job id), or remove the duplicates",
            jobId, keyColumn, description, duplicated, plan.invalid().get(InvalidReason.NULL_KEY),
            plan.count(ChangeKind.ADDED), plan.count(ChangeKind.CHANGED), plan.count(ChangeKind.UNCHANGED),
            plan.count(ChangeKind.REMOVED), candidateKeys(details));
    }

    /**
     * The relation's candidate keys for a message, e.g. {@code candidate keys: id (primary key), email (unique)}.
     *
     * @param details the relation
     * @return the text
     */
    static String candidateKeys(RelationDetails details) {
        if (details.relation().kind() == RelationKind.QUERY) {
            return "a query has no declared keys: key by a column whose values are unique in its result, e.g. the"
                + " GROUP BY column of an aggregate";
        }
        if (details.candidateKeys().isEmpty()) {
            return "the relation has no primary key or single-column unique constraint or index to suggest";
        }
        List<String> keys = new ArrayList<>();
        for (CandidateKey k : details.candidateKeys()) {
            String origin = k.origin() == CandidateKey.Origin.PRIMARY_KEY ? "primary key"
                : k.origin() == CandidateKey.Origin.UNIQUE_CONSTRAINT ? "unique" : "unique index";
            keys.add(k.column() + " (" + origin + ")");
        }
        return "candidate keys: " + String.join(", ", keys);
    }
}
