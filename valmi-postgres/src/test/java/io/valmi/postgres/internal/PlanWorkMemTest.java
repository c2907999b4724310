package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A plan's {@code work_mem} fits the snapshot's hash table in memory, between 64MB and 256MB, and keeps a larger value
 * of the session. Measured on PostgreSQL 15 (2M rows, random-order uuid key): a hash join in two batches on disk at
 * 64MB made an unchanged incremental run 1.13 x its floor, one batch 0.81 x.
 */
@WithPostgres
class PlanWorkMemTest {
    private static final long MB = 1024L * 1024;

    @Test
    void thePlansWorkMemFitsTheSnapshotsHashTableWithinItsBounds(TestDatabase db) throws Exception {
        JobTables tables = new JobTables("wm", "job");
        String snapshot = tables.snapshotName().toString();
        db.execute("create schema wm", "create table " + snapshot + " (k int)");
        PlanTable plan = new PlanTable(new RunShape(tables, SourceRef.relation("public", "t"),
            new RunShape.MappedColumn("k", new ColumnType("integer", "int4", null)), List.of(), null, false));
        double multiplier = db.server().majorVersion() >= 13
            ? Double.parseDouble(db.query("select current_setting('hash_mem_multiplier')").get(0).get(0).toString())
            : 1.0;

        // Never analyzed (or empty): the floor, 64MB, over a session's 4MB.
        assertThat(workMem(db, snapshot, -1, "4MB", plan)).isEqualTo(64 * MB);
        // 2M rows: 128 bytes each, shared by hash_mem_multiplier.
        long expected = (long) (2_000_000 * 128 / multiplier);
        assertThat(workMem(db, snapshot, 2_000_000, "4MB", plan)).isBetween(expected - 1024, expected)
            .isGreaterThan(64 * MB);
        // 100M rows: the cap, 256MB.
        assertThat(workMem(db, snapshot, 100_000_000, "4MB", plan)).isEqualTo(256 * MB);
        // A session's larger value is kept.
        assertThat(workMem(db, snapshot, 100_000_000, "1GB", plan)).isEqualTo(1024 * MB);
        // A plan merged by the key indexes hashes nothing: the floor.
        PlanTable merged = new PlanTable(new RunShape(tables, SourceRef.relation("public", "t"),
            new RunShape.MappedColumn("k", new ColumnType("integer", "int4", null)), List.of(), null, true));
        assertThat(workMem(db, snapshot, 2_000_000, "4MB", merged)).isEqualTo(64 * MB);
    }

    /** The work_mem a plan transaction runs with, the snapshot's statistics saying {@code rows}. */
    private static long workMem(TestDatabase db, String snapshot, double rows, String sessionWorkMem, PlanTable plan)
        throws Exception {
        db.execute("update pg_catalog.pg_class set reltuples = " + rows + " where oid = '" + snapshot + "'::regclass");
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set work_mem = '" + sessionWorkMem + "'");
            Sql.select(c, plan.planSettings());
            try (ResultSet rs = s.executeQuery("select pg_catalog.pg_size_bytes(current_setting('work_mem'))")) {
                rs.next();
                long bytes = rs.getLong(1);
                c.rollback();
                return bytes;
            }
        }
    }
}
