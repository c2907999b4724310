package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.postgres.SeveralBatchesOutTest.Driven;
import io.valmi.postgres.SeveralBatchesOutTest.Held;
import io.valmi.postgres.internal.JobTables;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A first sync of a plain table on PostgreSQL 14 or later reads the rows in physical order (TID range scans), each
 * batch from the row address where the one before ended. Every row is read once when nothing changes; a row that
 * moves while the first sync runs may be read twice or not at all, and the runs after settle it; a first sync that
 * dies is completed by the next run from the address ranges of its settled batches, and a table rewritten since puts
 * every row in doubt. (On PostgreSQL 12 and 13 these tests are skipped: a first sync reads in key order there.)
 */
@WithPostgres
class PhysicalFirstSyncTest {
    private static final Mapping MIRROR = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private static void requireTidRangeScans(TestDatabase db) {
        assumeTrue(db.queryLong("select current_setting('server_version_num')::int") >= 140_000,
            "TID range scans need PostgreSQL 14");
    }

    private static PostgresSource source(TestDatabase db, String table, boolean readAhead, boolean keyOrder) {
        return PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", table)
            .readAhead(readAhead).firstSyncInKeyOrder(keyOrder).build();
    }

    /**
     * A table of {@code rows} rows whose keys are a permutation of 1 to {@code rows} in physical order (37 is prime to
     * the row counts used here), with a filler that puts about 24 rows on a page.
     */
    private static void scrambled(TestDatabase db, String table, int rows) {
        db.execute("create table " + table + " (id int primary key, v text, filler char(300) default 'x')",
            "insert into " + table + " (id, v) select (g * 37) % " + rows + " + 1, 'v' || g from generate_series(0, "
                + (rows - 1) + ") g");
    }

    /**
     * {@link #scrambled} with 300 rows, then the rows of one page deleted and vacuumed: free space there (and only
     * there), known to the free space map, where an updated row's new version goes.
     */
    private static void scrambledWithFreeSpace(TestDatabase db, String table, int page) {
        scrambled(db, table, 300);
        db.execute("delete from " + table + " where (ctid::text::point)[0] = " + page, "vacuum " + table);
    }

    /**
     * Hands out the first batch, applied and acknowledged, then updates its first row (its new version goes to the
     * free space, after the reading position); that row's key.
     */
    private static Object handOutOneBatchThenMoveItsFirstRow(TestDatabase db, String table, Driven d, Held held) {
        List<Change> first = d.next();
        held.apply(first, Set.of());
        d.ack(first);
        Object moved = first.get(0).key();
        db.execute("update " + table + " set v = 'moved' where id = '" + moved + "'");
        return moved;
    }

    private static List<Object> physicalOrder(TestDatabase db, String table) {
        List<Object> keys = new ArrayList<>();
        db.query("select id from " + table + " order by ctid").forEach(r -> keys.add(r.get(0)));
        return keys;
    }

    private static String snapshot(String jobId) {
        return new JobTables(PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA, jobId).snapshotName().toString();
    }

    private static Set<Object> keys(List<Change> changes) {
        Set<Object> keys = new TreeSet<>();
        changes.forEach(c -> keys.add(c.key()));
        return keys;
    }

    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void readsEveryRowOnceInPhysicalOrder(boolean readAhead, TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_order_" + readAhead;
        scrambled(db, table, 200);
        PostgresSource source = source(db, table, readAhead, false);
        Held held = new Held();

        Driven d = new Driven(source, table, MIRROR);
        assertThat(d.run.path().name()).isEqualTo("first-sync/client-hash/physical");
        List<Object> handedOut = new ArrayList<>();
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            assertThat(b).hasSizeLessThanOrEqualTo(3);
            b.forEach(c -> handedOut.add(c.key()));
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.SUCCEEDED);
        d.run.close();

        assertThat(handedOut).as("the rows in the order they lie, each once").isEqualTo(physicalOrder(db, table));
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
        assertThat(db.queryLong("select count(*) from " + snapshot(table) + " where h is not null and not d"))
            .isEqualTo(200);
        assertThat(db.queryLong("select count(*) from pg_catalog.pg_constraint where contype = 'p' and conrelid = "
            + "to_regclass('" + snapshot(table).replace("'", "''") + "')")).as("the snapshot's key").isEqualTo(1);
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = '" + table
            + "' and (first_sync_run is not null or first_sync_tids is not null)")).isZero();
        assertThat(SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held)).isEmpty();
    }

    @Test
    void readsInKeyOrderWhenAsked(TestDatabase db) {
        requireTidRangeScans(db);
        scrambled(db, "phys_key_order", 50);
        PostgresSource source = source(db, "phys_key_order", true, true);
        Held held = new Held();
        Driven d = new Driven(source, "phys_key_order", MIRROR);
        assertThat(d.run.path().name()).isEqualTo("first-sync/client-hash");
        List<Object> handedOut = new ArrayList<>();
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            b.forEach(c -> handedOut.add(c.key()));
            d.ack(b);
        }
        d.finish(RunStatus.SUCCEEDED);
        d.run.close();
        assertThat(handedOut).isSortedAccordingTo((a, b) -> Integer.compare((Integer) a, (Integer) b)).hasSize(50);
    }

    /**
     * A table whose rows lie in key order (by its statistics) is read in key order, so that its snapshot is written in
     * key order too: the plans of its incremental runs merge source and snapshot by their key indexes, and a snapshot
     * in the source's physical order made each of them slower (2M rows: its index scan 0.5 s against 0.27 s).
     */
    @Test
    void aTableInKeyOrderIsReadInKeyOrderAndItsSnapshotLiesInKeyOrder(TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_in_key_order";
        db.execute("create table " + table + " (id int primary key, v text, filler char(300) default 'x')",
            "insert into " + table + " (id, v) select g, 'v' || g from generate_series(1, 300) g",
            // (A few rows moved by updates: the physical order follows the key's only roughly, as a live table's does.)
            "update " + table + " set v = 'moved' where id % 50 = 0", "analyze " + table);
        Recording destination = new Recording();
        SyncResult first = Syncs.run(table, source(db, table, false, false), destination, MIRROR, 40).orThrow();

        assertThat(first.path().name()).isEqualTo("first-sync/client-hash");
        assertThat(destination.received).hasSize(300)
            .isSortedAccordingTo((a, b) -> Integer.compare((Integer) a, (Integer) b));
        List<Object> snapshotOrder = new ArrayList<>();
        db.query("select k from " + snapshot(table) + " order by ctid").forEach(r -> snapshotOrder.add(r.get(0)));
        assertThat(snapshotOrder).as("the snapshot's rows as they lie").hasSize(300)
            .isSortedAccordingTo((a, b) -> Integer.compare((Integer) a, (Integer) b));

        // The same rows out of key order are read in physical order.
        scrambled(db, table + "_scrambled", 300);
        db.execute("analyze " + table + "_scrambled");
        assertThat(Syncs.run(table + "_scrambled", source(db, table + "_scrambled", false, false), new Recording(),
            MIRROR, 40).orThrow().path().name()).isEqualTo("first-sync/client-hash/physical");
    }

    /**
     * While the first sync runs, the first row it handed out is updated, its new version in free space after the first
     * batch's end (so it is read twice), a row not read yet is deleted and one is added. The first sync ends with a
     * keyed snapshot, the key read twice in doubt; the next run sends what is needed, and the one after nothing.
     */
    @Test
    void aRowMovedWhileTheFirstSyncRunsIsSettledByTheNextRun(TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_moved";
        scrambledWithFreeSpace(db, table, 8);
        PostgresSource source = source(db, table, false, false);
        Held held = new Held();

        Driven d = new Driven(source, table, MIRROR);
        List<Change> first = d.next();
        held.apply(first, Set.of());
        d.ack(first);
        Object moved = first.get(0).key();
        List<Object> planned = physicalOrder(db, table);
        Object notYetRead = planned.get(planned.size() - 1);
        // (Wherever its new version goes, on a page of the table as planned, it lies after the first batch's end.)
        db.execute("update " + table + " set v = 'moved' where id = " + moved,
            "delete from " + table + " where id = " + notYetRead,
            "insert into " + table + " (id, v) values (1000, 'added')");
        List<Object> handedOut = new ArrayList<>();
        first.forEach(c -> handedOut.add(c.key()));
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            b.forEach(c -> handedOut.add(c.key()));
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.SUCCEEDED);
        d.run.close();
        assertThat(handedOut.stream().filter(moved::equals)).as("read twice").hasSize(2);
        assertThat(handedOut).doesNotContain(notYetRead);
        assertThat(db.queryLong("select count(*) from " + snapshot(table) + " where k = " + moved + " and d"))
            .as("in doubt, once").isEqualTo(1);

        List<Change> second = SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(keys(second)).contains(moved);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
        assertThat(SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held)).isEmpty();
    }

    /**
     * A first sync that dies with batches out: the next run sends again exactly the rows of the batches not settled
     * (and those never read), nothing of the batches acknowledged or put in doubt by their own run; but when the table
     * was rewritten meanwhile (its rows moved, keeping their versions), every row.
     */
    @ParameterizedTest(name = "table rewritten: {0}")
    @ValueSource(booleans = {false, true})
    void aFirstSyncThatDiedIsCompletedFromTheRangesItSettled(boolean rewritten, TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_died_" + rewritten;
        scrambled(db, table, 100);
        PostgresSource source = source(db, table, true, false);
        Held held = new Held();

        Driven d = new Driven(source, table, MIRROR);
        List<List<Change>> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(d.next());
        }
        out.forEach(b -> held.apply(b, Set.of()));
        d.ack(out.get(0));
        d.ack(out.get(2));
        d.run.markInDoubt(out.get(3));
        d.run.close();
        Object changed = out.get(0).get(0).key();
        db.execute("update " + table + " set v = 'changed' where id = " + changed);
        if (rewritten) {
            db.execute("vacuum full " + table);
        }

        List<Change> next = SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        Set<Object> expected = new TreeSet<>(SeveralBatchesOutTest.sourceRows(db, table).keySet());
        if (!rewritten) {
            Set<Object> settled = new HashSet<>(keys(out.get(0)));
            settled.addAll(keys(out.get(2)));
            expected.removeAll(settled);
            expected.add(changed);
        }
        assertThat(keys(next)).isEqualTo(expected);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
        assertThat(snapshotIndexes(db, table)).as("the key, and not the index the failed batch built").isEqualTo(1);
        // The batches out when the run died are under a lease; the one put in doubt by its own run is not.
        Set<Object> leased = SeveralBatchesOutTest.leased(db, table);
        assertThat(leased).containsAll(keys(out.get(1))).containsAll(keys(out.get(4)));
        if (!rewritten) {
            assertThat(leased).doesNotContainAnyElementsOf(keys(out.get(3)));
        }
        assertThat(SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held)).as("the lease has not passed")
            .isNotEmpty();
    }

    /**
     * Reads until the first key handed out, moved ahead of the reading by an update, has been read a second time by a
     * batch read ahead (its snapshot row written), handing out and acknowledging the batches before; the key.
     */
    private static Object readUntilReadAgainAhead(TestDatabase db, String table, Driven d, Held held)
        throws InterruptedException {
        Object moved = handOutOneBatchThenMoveItsFirstRow(db, table, d, held);
        for (int i = 0; i < 200; i++) {
            Thread.sleep(50);
            if (db.queryLong("select count(*) from " + snapshot(table) + " where k = " + moved) == 2) {
                return moved;
            }
            List<Change> b = d.next();
            assertThat(b).isNotEmpty();
            assertThat(keys(b)).as("read ahead, not handed out yet").doesNotContain(moved);
            held.apply(b, Set.of());
            d.ack(b);
        }
        throw new AssertionError("key " + moved + " was not read again");
    }

    /**
     * A key handed out and acknowledged, then read again by a batch read ahead and never handed out (the run ends
     * first): the end of the first sync deletes the rows of such batches, but not this key's, which the destination
     * holds; when its row is deleted, the next runs remove it.
     */
    @Test
    void aKeyReadAgainAheadAndNeverHandedOutStaysInTheSnapshot(TestDatabase db) throws Exception {
        requireTidRangeScans(db);
        String table = "phys_read_again";
        scrambledWithFreeSpace(db, table, 1);
        PostgresSource source = source(db, table, true, false);
        Held held = new Held();
        Driven d = new Driven(source, table, MIRROR);
        Object moved = readUntilReadAgainAhead(db, table, d, held);
        d.finish(RunStatus.CANCELLED);
        d.run.close();
        assertThat(held.values).containsKey(moved);
        assertThat(db.queryLong("select count(*) from " + snapshot(table) + " where k = " + moved + " and d"))
            .as("the destination holds it: kept, in doubt").isEqualTo(1);

        db.execute("delete from " + table + " where id = " + moved);
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
    }

    /**
     * A key handed out and acknowledged, moved ahead and handed out again in a batch never answered (its write
     * abandoned: it may land later); the run dies. The next run keeps the key in doubt under the lease, so that the
     * late write cannot leave the destination behind the snapshot.
     */
    @Test
    void aKeyReadTwiceByABatchLeftOutIsLeased(TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_twice_leased";
        scrambledWithFreeSpace(db, table, 1);
        PostgresSource source = source(db, table, false, false);
        Held held = new Held();
        Driven d = new Driven(source, table, MIRROR);
        Object moved = handOutOneBatchThenMoveItsFirstRow(db, table, d, held);
        List<Change> unanswered = untilHandedOutAgain(d, held, moved);
        d.run.close();

        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(SeveralBatchesOutTest.leased(db, table)).as("the key of the batch left out").contains(moved);
        db.execute("update " + table + " set v = 'later' where id = " + moved);
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        // The abandoned write lands now.
        held.apply(unanswered, Set.of());
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
    }

    private static long snapshotIndexes(TestDatabase db, String jobId) {
        return db.queryLong("select count(*) from pg_catalog.pg_index where indrelid = to_regclass('"
            + snapshot(jobId).replace("'", "''") + "')");
    }

    /**
     * A failed batch puts its rows in doubt by their keys. The snapshot has no key before the end (a row read twice has
     * two rows), so the first failed batch gives it an index on the keys, not unique, for this and later lookups; the
     * end of the first sync replaces it by the key.
     */
    @Test
    void aFailedBatchIndexesTheSnapshotByKeyUntilTheEnd(TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_failed";
        scrambled(db, table, 60);
        PostgresSource source = source(db, table, true, false);
        Held held = new Held();
        Driven d = new Driven(source, table, MIRROR);
        List<Change> first = d.next();
        assertThat(snapshotIndexes(db, table)).as("no index while the table is read").isZero();
        held.apply(first, Set.of());
        d.run.markInDoubt(first);
        assertThat(snapshotIndexes(db, table)).as("an index on the keys").isEqualTo(1);
        List<Change> second = d.next();
        held.apply(second, Set.of());
        d.run.markInDoubt(second);
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.FAILED);
        d.run.close();
        assertThat(db.queryLong("select count(*) from " + snapshot(table) + " where d")).isEqualTo(6);
        assertThat(db.query("select indisprimary from pg_catalog.pg_index where indrelid = to_regclass('"
            + snapshot(table).replace("'", "''") + "')")).as("only the key").containsExactly(List.of(true));

        Set<Object> expected = new TreeSet<>(keys(first));
        expected.addAll(keys(second));
        assertThat(keys(SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held))).isEqualTo(expected);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
    }

    /**
     * As {@link #aKeyReadTwiceByABatchLeftOutIsLeased}, with the key's type changed (without a rewrite) before the next
     * run: the conversion keys the snapshot first, and the key read twice must get the lease there.
     */
    @Test
    void aKeyReadTwiceIsLeasedAlsoWhenTheKeyTypeChanged(TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_twice_type";
        db.execute("create table " + table + " (id varchar(20) primary key, v text, filler char(300) default 'x')",
            "insert into " + table + " (id, v) select 'k' || lpad(((g * 37) % 300 + 1)::text, 3, '0'), 'v' || g"
                + " from generate_series(0, 299) g",
            "delete from " + table + " where (ctid::text::point)[0] = 1", "vacuum " + table);
        PostgresSource source = source(db, table, false, false);
        Held held = new Held();
        Driven d = new Driven(source, table, MIRROR);
        Object moved = handOutOneBatchThenMoveItsFirstRow(db, table, d, held);
        List<Change> unanswered = untilHandedOutAgain(d, held, moved);
        d.run.close();
        long fileNode = db.queryLong("select pg_relation_filenode('" + table + "')");
        db.execute("alter table " + table + " alter column id type text");
        assertThat(db.queryLong("select pg_relation_filenode('" + table + "')")).as("not rewritten")
            .isEqualTo(fileNode);

        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(SeveralBatchesOutTest.leased(db, table)).as("the key of the batch left out").contains(moved);
        db.execute("update " + table + " set v = 'later' where id = '" + moved + "'");
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        // The abandoned write lands now.
        held.apply(unanswered, Set.of());
        SeveralBatchesOutTest.runToEnd(source, table, MIRROR, held);
        assertThat(held.values).isEqualTo(SeveralBatchesOutTest.sourceRows(db, table));
    }

    /**
     * Hands out batches, applied and acknowledged, until one holds {@code moved} again; that one, neither applied nor
     * answered.
     */
    private static List<Change> untilHandedOutAgain(Driven d, Held held, Object moved) {
        for (int i = 0; i < 200; i++) {
            List<Change> b = d.next();
            assertThat(b).isNotEmpty();
            if (keys(b).contains(moved)) {
                return b;
            }
            held.apply(b, Set.of());
            d.ack(b);
        }
        throw new AssertionError("key " + moved + " was not handed out again");
    }

    /**
     * Batches read as whole ranges of pages, sized by the density the batches before found (from the table's
     * statistics at first): through a dense stretch, a sparse one and an empty one, and back into a dense one (where a
     * range sized for the sparse stretch holds more than a batch, and the batch is read again by addresses), every row
     * comes once, in physical order, no batch larger than asked.
     */
    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void batchesOfWholeRangesFollowTheTablesDensity(boolean readAhead, TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_density_" + readAhead;
        scrambled(db, table, 2000);
        db.execute("delete from " + table + " where (ctid::text::point)[0] between 20 and 39 and id % 6 <> 0",
            "delete from " + table + " where (ctid::text::point)[0] between 50 and 59", "analyze " + table);
        Recording destination = new Recording();
        PostgresSource source = source(db, table, readAhead, false);
        SyncResult first = Syncs.run(table, source, destination, MIRROR, 50).orThrow();
        assertThat(first.path().name()).endsWith("/physical");
        assertThat(destination.received).as("every row once, as they lie").isEqualTo(physicalOrder(db, table));
        assertThat(destination.sizes).allSatisfy(n -> assertThat(n).isBetween(1, 50));
        assertThat(Syncs.run(table, source, destination, MIRROR, 50).orThrow().counts().delivered()).isZero();
    }

    /** A batch size of {@code Integer.MAX_VALUE} (allowed): a range read whole asks for one row more than a batch. */
    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void aBatchAsLargeAsAnIntReadsTheTableWhole(boolean readAhead, TestDatabase db) {
        requireTidRangeScans(db);
        String table = "phys_maxint_" + readAhead;
        scrambled(db, table, 500);
        db.execute("analyze " + table);
        Recording destination = new Recording();
        Syncs.run(table, source(db, table, readAhead, false), destination, MIRROR, Integer.MAX_VALUE).orThrow();
        assertThat(destination.received).isEqualTo(physicalOrder(db, table));
        assertThat(destination.sizes).containsExactly(500);
    }

    /** Keeps the size of every batch and every key, in the order they came. */
    private static final class Recording implements Destination {
        final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        final List<Object> received = Collections.synchronizedList(new ArrayList<>());

        @Override
        public io.valmi.DestinationCapabilities capabilities() {
            return io.valmi.DestinationCapabilities.all();
        }

        @Override
        public WriteResult write(List<Change> batch) {
            sizes.add(batch.size());
            batch.forEach(c -> received.add(c.key()));
            return WriteResult.ok();
        }
    }
}
