package io.valmi.postgres.internal;

/**
 * The statements of one run, by the table or concern they belong to.
 *
 * @param shape the source relation, its key and mapped columns, the job's tables
 * @param plan the plan table
 * @param snapshot the snapshot
 * @param marks the in-doubt marks
 * @param issues the issues table
 * @param firstSync a first sync's reads and progress
 * @param log the sync log
 */
record RunStatements(RunShape shape, PlanTable plan, SnapshotTable snapshot, InDoubtMarks marks, IssuesTable issues,
                     FirstSyncSql firstSync, SyncLogTable log) {

    /**
     * The statements of a run over a relation.
     *
     * @param shape the relation and the job's tables
     * @return the statements
     */
    static RunStatements of(RunShape shape) {
        return new RunStatements(shape, new PlanTable(shape), new SnapshotTable(shape), new InDoubtMarks(shape),
            new IssuesTable(shape), new FirstSyncSql(shape), new SyncLogTable(shape));
    }
}
