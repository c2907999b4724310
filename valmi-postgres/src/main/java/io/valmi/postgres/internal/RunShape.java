package io.valmi.postgres.internal;

import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jspecify.annotations.Nullable;

/**
 * What every statement of a job's run is about: the job's tables, and the source relation with its key and mapped
 * columns, each with its type policy. Built once per run, after the relation is described.
 *
 * @param tables the job's bookkeeping tables
 * @param source the source: a relation, or a query
 * @param key the key column
 * @param mapped the mapped columns, in mapping order
 * @param versionScope what row versions are taken over ({@code docs/internals.md#row-versions}), or {@code null} when
 *     the relation's rows have no version that can be trusted
 * @param inKeyOrder whether the source is a table with a unique index on the key whose rows lie in key order: the
 *     plan then merges source and snapshot by their key indexes ({@link PlanTable#planSettings()})
 */
record RunShape(JobTables tables, SourceRef source, MappedColumn key, List<MappedColumn> mapped,
                @Nullable String versionScope, boolean inKeyOrder) {

    /**
     * A source column a run reads, with its type policy.
     *
     * @param name the column's name in the source
     * @param type how its values are read, hashed and printed
     */
    record MappedColumn(String name, ColumnType type) {
    }

    RunShape {
        mapped = List.copyOf(mapped);
    }

    /** The key column's name. */
    String keyColumn() {
        return key.name();
    }

    /** The key column's type policy. */
    ColumnType keyType() {
        return key.type();
    }

    /** The mapped columns' names, mapping order. */
    List<String> columns() {
        List<String> names = new ArrayList<>(mapped.size());
        mapped.forEach(c -> names.add(c.name()));
        return names;
    }

    /** The mapped columns' type policies, mapping order. */
    List<ColumnType> types() {
        List<ColumnType> types = new ArrayList<>(mapped.size());
        mapped.forEach(c -> types.add(c.type()));
        return types;
    }

    /** Whether the rows' versions are trusted ({@link #versionScope()} is set). */
    boolean versioned() {
        return versionScope != null;
    }

    /**
     * The name of the row hash a run computes, recorded with the snapshot with the server's major version: a change of
     * either sends every row again ({@code docs/internals.md#the-row-hash}).
     *
     * @return the name
     */
    String hashAlgorithm() {
        return RowHash.ALGORITHM;
    }

    /**
     * How each mapped column is read, as a batch selects it (a column selected as text reads as a String anyway).
     *
     * @return one reader per mapped column, mapping order
     */
    ValueReaders.Reader[] valueReaders() {
        ValueReaders.Reader[] readers = new ValueReaders.Reader[mapped.size()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = mapped.get(i).type().reader();
        }
        return readers;
    }

    /**
     * How a first sync's batch ({@link FirstSyncSql#firstBatchHashedByClient}) hashes each mapped column on the
     * client: what is printed once arrives as text.
     *
     * @return the kinds, mapping order
     */
    List<RowHash.Kind> firstSyncKinds() {
        List<RowHash.Kind> kinds = new ArrayList<>(mapped.size());
        mapped.forEach(c -> kinds.add(c.type().firstSyncHashKind()));
        return kinds;
    }

    /**
     * The row hash over values of the mapped columns, by their declared types.
     *
     * @param values one value per mapped column, mapping order
     * @return the hash
     */
    Field<Long> rowHash(List<Field<Object>> values) {
        List<String> declared = new ArrayList<>(mapped.size());
        mapped.forEach(c -> declared.add(c.type().declared()));
        return RowHash.sql(values, declared);
    }
}
