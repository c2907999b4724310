package io.valmi.postgres;

import static io.valmi.postgres.Syncs.runOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.postgres.internal.JobTables;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

/**
 * Row versions ({@code xmin}) let an incremental plan skip hashing rows that cannot have changed. These tests show
 * that the versions are really used, and that every way a row's text form can change without a new version, or a
 * version can repeat, still ends in the change being sent.
 */
@WithPostgres
class RowVersionTest {

    private static Mapping mapping(String... columns) {
        Mapping.Builder b = Mapping.builder().key("id").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR);
        for (String c : columns) {
            b.map(c);
        }
        return b.build();
    }

    private static String snapshot(String jobId) {
        return new JobTables(PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA, jobId).snapshotName().toString();
    }

    @Test
    void aRowWhoseVersionIsRecordedIsNotHashedAgainUnlessTheRecordIsTooOld(TestDatabase db) {
        db.execute("create table rv (id int primary key, v text)",
            "insert into rv select g, 'v' || g from generate_series(1, 4) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "rv");
        CollectingDestination dest = new CollectingDestination();
        runOk("rv", source, dest, mapping("v"));
        dest.takeReceived();
        String snap = snapshot("rv");
        assertThat(db.queryLong("select count(*) from " + snap + " where xr is not null and xe is not null")).isEqualTo(4);

        // Pretend the destination holds other values for keys 1 and 2 (a wrong hash). Key 1's version record is
        // fresh, so the row is trusted and not even hashed: nothing is sent. Key 2's record claims to be 2^32
        // transactions old, so its 32-bit xmin proves nothing: it is hashed, and the difference is sent.
        db.execute("update " + snap + " set h = h + 1 where k in (1, 2)",
            "update " + snap + " set xe = txid_snapshot_xmax(txid_current_snapshot()) - 1 - 4294967296 where k = 2");
        runOk("rv", source, dest, mapping("v"));
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, 2));

        // Without a recorded version a row is hashed: key 1's (wrong) hash is found out.
        db.execute("update " + snap + " set xr = null, xe = null where k = 1");
        runOk("rv", source, dest, mapping("v"));
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, 1));
        assertThat(runOk("rv", source, dest, mapping("v")).counts().planned()).isZero();
    }

    @Test
    void theRecordedVersionIsTheFullIdOfTheWritingTransaction(TestDatabase db) throws Exception {
        db.execute("create table ids (id int primary key, v text)");
        long writer;
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (java.sql.Statement s = c.createStatement()) {
                s.execute("insert into ids values (1, 'a'), (2, 'b')");
                try (java.sql.ResultSet rs = s.executeQuery("select txid_current()")) {
                    rs.next();
                    writer = rs.getLong(1);
                }
            }
            c.commit();
        }
        db.execute("select txid_current()", "select txid_current()");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "ids");
        CollectingDestination dest = new CollectingDestination();
        String snap = snapshot("ids");

        // A first sync (from age(), counted from its own transaction id) ...
        runOk("ids", source, dest, mapping("v"));
        assertThat(db.query("select xe from " + snap + " order by k")).containsExactly(java.util.List.of(writer),
            java.util.List.of(writer));
        // ... and a plan (from the 32 bits, below its snapshot's horizon) record the same id.
        db.execute("update " + snap + " set xr = null, xe = null");
        assertThat(runOk("ids", source, dest, mapping("v")).counts().planned()).isZero();
        assertThat(db.query("select xe from " + snap + " order by k")).containsExactly(java.util.List.of(writer),
            java.util.List.of(writer));
    }

    @Test
    void aChangeOfAnUnmappedColumnSendsNothingAndTheSnapshotLearnsTheNewVersion(TestDatabase db) {
        db.execute("create table touched (id int primary key, v text, note text)",
            "insert into touched values (1, 'a', 'x'), (2, 'b', 'y')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "touched");
        CollectingDestination dest = new CollectingDestination();
        runOk("touched", source, dest, mapping("v"));
        dest.takeReceived();

        db.execute("update touched set note = 'changed' where id = 1");
        assertThat(runOk("touched", source, dest, mapping("v")).counts().planned()).isZero();
        assertThat(dest.takeReceived()).isEmpty();
        assertThat(db.queryLong("select count(*) from " + snapshot("touched") + " s join touched t on t.id = s.k"
            + " where s.xr = t.xmin")).isEqualTo(2);
    }

    @Test
    void aTypeChangeWithoutARewriteIsSentThoughNoRowVersionMoved(TestDatabase db) {
        db.execute("create table retyped (id int primary key, at timestamp)",
            "insert into retyped values (1, '2024-05-01 10:00:00'), (2, '2024-05-02 10:00:00')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "retyped");
        CollectingDestination dest = new CollectingDestination();
        runOk("retyped", source, dest, mapping("at"));
        assertThat(dest.takeReceived()).extracting(c -> c.row().get("at"))
            .containsExactly(java.time.LocalDateTime.parse("2024-05-01T10:00"),
                java.time.LocalDateTime.parse("2024-05-02T10:00"));
        long before = db.queryLong("select xmin::text::bigint from retyped where id = 1");

        // In UTC, timestamp to timestamptz keeps the stored values (PostgreSQL 12+ skips the rewrite): the rows
        // keep their versions, but what is sent is now an instant.
        db.execute("begin; set local timezone = 'UTC'; alter table retyped alter column at type timestamptz; commit");
        assertThat(db.queryLong("select xmin::text::bigint from retyped where id = 1")).isEqualTo(before);
        runOk("retyped", source, dest, mapping("at"));
        assertThat(dest.takeReceived()).extracting(Change::kind, c -> c.row().get("at")).containsExactly(
            tuple(ChangeKind.CHANGED, java.time.OffsetDateTime.parse("2024-05-01T10:00Z")),
            tuple(ChangeKind.CHANGED, java.time.OffsetDateTime.parse("2024-05-02T10:00Z")));
    }

    @Test
    void aMappingChangeAndARenamedEnumLabelAreSent(TestDatabase db) {
        db.execute("create type mood as enum ('ok', 'sad')",
            "create table moods (id int primary key, m mood, v text)",
            "insert into moods values (1, 'ok', 'a'), (2, 'sad', 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "moods");
        CollectingDestination dest = new CollectingDestination();
        runOk("moods", source, dest, mapping("v"));
        dest.takeReceived();

        // Mapping one more column changes what is sent for every row, though no row has a new version.
        runOk("moods", source, dest, mapping("v", "m"));
        assertThat(dest.takeReceived()).extracting(Change::kind, c -> c.row().get("m"))
            .containsExactly(tuple(ChangeKind.CHANGED, "ok"), tuple(ChangeKind.CHANGED, "sad"));

        // Renaming an enum label changes the text of rows without touching them: enums are always hashed.
        db.execute("alter type mood rename value 'ok' to 'fine'");
        runOk("moods", source, dest, mapping("v", "m"));
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key, c -> c.row().get("m"))
            .containsExactly(tuple(ChangeKind.CHANGED, 1, "fine"));
    }

    @Test
    void aPartitionedTableIsVersionedThroughItsParent(TestDatabase db) {
        db.execute("create table parted (id int primary key, v text) partition by range (id)",
            "create table parted_1 partition of parted for values from (0) to (100)",
            "create table parted_2 partition of parted for values from (100) to (200)",
            "insert into parted values (1, 'a'), (150, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "parted");
        CollectingDestination dest = new CollectingDestination();
        runOk("parted", source, dest, mapping("v"));
        dest.takeReceived();
        assertThat(db.queryLong("select count(*) from " + snapshot("parted") + " where xe is not null")).isEqualTo(2);

        // Moving a row to another partition is a delete and an insert: a new version, the same key.
        db.execute("update parted set id = 2 where id = 150", "update parted set v = 'a2' where id = 1");
        runOk("parted", source, dest, mapping("v"));
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.CHANGED, 1), tuple(ChangeKind.ADDED, 2), tuple(ChangeKind.REMOVED, 150));
    }

    @Test
    void aColumnDroppedAndAddedAgainIsSentThoughNoRowVersionMoved(TestDatabase db) {
        db.execute("create table readded (id int primary key, c int)", "insert into readded values (1, 10), (2, 20)");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "readded");
        CollectingDestination dest = new CollectingDestination();
        runOk("readded", source, dest, mapping("c"));
        dest.takeReceived();

        // A fast default: no rewrite, the rows keep their versions, but every c is now 5.
        db.execute("alter table readded drop column c", "alter table readded add column c int default 5");
        runOk("readded", source, dest, mapping("c"));
        assertThat(dest.takeReceived()).extracting(Change::kind, c -> c.row().get("c"))
            .containsExactly(tuple(ChangeKind.CHANGED, 5), tuple(ChangeKind.CHANGED, 5));
    }

    @Test
    void aForeignPartitionIsHashedEveryRun(TestDatabase db) {
        // Rows read through postgres_fdw all show xmin 0: their versions must never be trusted.
        db.execute("create extension if not exists postgres_fdw",
            "create server loopback foreign data wrapper postgres_fdw options (host 'localhost', port '" + db.port()
                + "', dbname '" + db.name() + "')",
            "create user mapping for current_user server loopback options (user '" + db.user() + "'"
                + (db.password() == null ? "" : ", password '" + db.password() + "'") + ")",
            "create table remote_rows (id int primary key, v text)",
            "insert into remote_rows values (150, 'far')",
            "create table mixed (id int, v text) partition by range (id)",
            "create table mixed_local partition of mixed for values from (0) to (100)",
            "create foreign table mixed_remote partition of mixed for values from (100) to (200) server loopback"
                + " options (table_name 'remote_rows')",
            "insert into mixed values (1, 'near')");
        Mapping byId = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.MIRROR).build();
        PostgresSource source = Syncs.source(db.dataSource(), "public", "mixed");
        CollectingDestination dest = new CollectingDestination();
        runOk("mixed", source, dest, byId);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 150);
        assertThat(db.queryLong("select count(*) from " + snapshot("mixed") + " where xe is not null")).isZero();

        db.execute("update remote_rows set v = 'farther'");
        runOk("mixed", source, dest, byId);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key, c -> c.row().get("v"))
            .containsExactly(tuple(ChangeKind.CHANGED, 150, "farther"));
    }
}
