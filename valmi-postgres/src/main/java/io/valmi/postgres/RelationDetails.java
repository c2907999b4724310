package io.valmi.postgres;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A relation with its columns and candidate keys.
 *
 * @param relation the relation
 * @param columns the columns in order
 * @param candidateKeys the primary key first, then unique columns
 */
public record RelationDetails(Relation relation, List<Column> columns, List<CandidateKey> candidateKeys) {

    /**
     * Copies the lists.
     *
     * @param relation the relation
     * @param columns the columns in order
     * @param candidateKeys the primary key first, then unique columns
     */
    public RelationDetails {
        columns = List.copyOf(columns);
        candidateKeys = List.copyOf(candidateKeys);
    }

    /**
     * The key valmi suggests: the primary key, else a NOT NULL unique column, else any unique column.
     *
     * @return the suggested key column, if any
     */
    public Optional<CandidateKey> suggestedKey() {
        return candidateKeys.stream()
            .min(Comparator.comparingInt((CandidateKey k) -> k.origin() == CandidateKey.Origin.PRIMARY_KEY ? 0
                : k.notNull() ? 1 : 2));
    }

    /**
     * A column by name.
     *
     * @param name the exact column name
     * @return the column, if the relation has it
     */
    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
