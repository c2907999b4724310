package io.valmi.postgres;

/**
 * A single column that could serve as the key of a sync.
 *
 * @param column the column
 * @param origin why it is unique
 * @param notNull whether the column is declared NOT NULL (a unique nullable column may still hold several NULLs,
 *     which valmi reports as invalid rows)
 */
public record CandidateKey(String column, Origin origin, boolean notNull) {

    /** Where a candidate key comes from. */
    public enum Origin {
        /** The primary key. */
        PRIMARY_KEY,
        /** A single-column UNIQUE constraint. */
        UNIQUE_CONSTRAINT,
        /** A single-column unique index without a constraint (and without a predicate or expression). */
        UNIQUE_INDEX
    }
}
