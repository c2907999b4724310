package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Rejection;
import io.valmi.RunRequest;
import io.valmi.RunStatus;
import io.valmi.SourceException;
import io.valmi.SourceMode;
import io.valmi.SourceRun;
import io.valmi.SyncCounts;
import io.valmi.SyncResult;
import io.valmi.postgres.internal.JobTables;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several batches out at once, answered in any order, driven straight through {@link PostgresSource#startRun} (no
 * runner): the keys of every batch stay in doubt until that batch's own answer, whatever happens to the batches around
 * it; a first sync's acknowledged key moves only over a prefix of settled batches; a run that dies (closed without
 * finishing, or its connection killed) with batches out loses nothing, and the next run sends again exactly what was
 * not acknowledged; batches never answered stay in doubt under a lease.
 */
@WithPostgres
class SeveralBatchesOutTest {
    private static final int BATCH = 3;
    /** Long, so that the lease of a key is still on when the test looks. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);

    /** A keyed destination: what it holds, key by key. */
    static final class Held {
        final Map<Object, Object> values = new TreeMap<>();

        void apply(List<Change> batch, Set<Object> rejected) {
            for (Change c : batch) {
                if (rejected.contains(c.key())) {
                    continue;
                }
                if (c.kind() == ChangeKind.REMOVED) {
                    values.remove(c.key());
                } else {
                    values.put(c.key(), c.requireRow().get("v"));
                }
            }
        }
    }

    /** A run driven by the test, as a runner would, one call at a time. */
    static final class Driven {
        final RunRequest request;
        final SourceRun run;

        Driven(PostgresSource source, String jobId, Mapping mapping) {
            this.request = new RunRequest(jobId, UUID.randomUUID().toString(), mapping,
                mapping.destinationMode().kinds(), 10, BATCH, WRITE_TIMEOUT);
            this.run = source.startRun(request);
        }

        List<Change> next() {
            return run.nextBatch(BATCH);
        }

        void ack(List<Change> batch, Object... rejectedKeys) {
            List<Rejection> rejections = new ArrayList<>();
            for (Object key : rejectedKeys) {
                rejections.add(new Rejection(key, "refused"));
            }
            run.acknowledge(new Acknowledgement(batch, rejections));
        }

        void finish(RunStatus status) {
            SyncCounts counts = new SyncCounts(0, 0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
            run.finish(new SyncResult(request.jobId(), request.runId(), status, Instant.now(), Instant.now(), counts,
                List.of(), List.of(), null));
        }
    }

    private static Mapping mapping(SourceMode source, DestinationMode destination) {
        return Mapping.builder().key("id").map("v").sourceMode(source).destinationMode(destination).build();
    }

    private static PostgresSource source(TestDatabase db, String table, boolean readAhead) {
        return PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", table)
            .readAhead(readAhead).build();
    }

    /** A table of rows 1 to {@code rows}, {@code v} = 'v' || id. */
    private static void table(TestDatabase db, String table, int rows) {
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, " + rows + ") g");
    }

    /** One whole run, each batch applied and acknowledged as soon as it is handed out; the changes handed out. */
    static List<Change> runToEnd(PostgresSource source, String jobId, Mapping mapping, Held held) {
        Driven d = new Driven(source, jobId, mapping);
        List<Change> all = new ArrayList<>();
        try {
            for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
                held.apply(b, Set.of());
                d.ack(b);
                all.addAll(b);
            }
            d.finish(RunStatus.SUCCEEDED);
        } finally {
            d.run.close();
        }
        return all;
    }

    private static Set<Object> keys(List<Change> changes) {
        Set<Object> keys = new TreeSet<>();
        changes.forEach(c -> keys.add(c.key()));
        return keys;
    }

    /** The keys sent as something else than UNCHANGED. */
    private static Set<Object> sentAsChanges(List<Change> changes) {
        Set<Object> keys = new TreeSet<>();
        changes.stream().filter(c -> c.kind() != ChangeKind.UNCHANGED).forEach(c -> keys.add(c.key()));
        return keys;
    }

    @SafeVarargs
    private static Set<Object> union(List<Change>... batches) {
        Set<Object> keys = new TreeSet<>();
        for (List<Change> b : batches) {
            keys.addAll(keys(b));
        }
        return keys;
    }

    /** What the source holds: id to v. */
    static Map<Object, Object> sourceRows(TestDatabase db, String table) {
        Map<Object, Object> rows = new TreeMap<>();
        for (List<Object> row : db.query("select id, v from " + table)) {
            rows.put(row.get(0), row.get(1));
        }
        return rows;
    }

    /** Keys whose snapshot row is under a lease that has not passed. */
    static Set<Object> leased(TestDatabase db, String jobId) {
        Set<Object> keys = new TreeSet<>();
        JobTables t = new JobTables(PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA, jobId);
        for (List<Object> row : db.query("select k from " + t.snapshotName() + " where du > now()")) {
            keys.add(row.get(0));
        }
        return keys;
    }

    private static void killTheRunsLockConnection(TestDatabase db) {
        assertThat(db.queryLong("select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory'"
            + " and granted and database = (select oid from pg_database where datname = current_database())"))
            .isEqualTo(1);
    }

    /**
     * After a first sync of 12 rows: 9 rows added, the 12 changed, two removed (as far as the mode sends them), so
     * that every mode has at least three batches.
     */
    private static void changeEverything(TestDatabase db, String table) {
        db.execute("insert into " + table + " select g, 'v' || g from generate_series(13, 21) g",
            "update " + table + " set v = 'u' || id where id <= 12",
            "delete from " + table + " where id in (5, 11)");
    }

    static List<Arguments> everyMode() {
        List<Arguments> modes = new ArrayList<>();
        for (SourceMode s : SourceMode.values()) {
            for (DestinationMode d : DestinationMode.values()) {
                modes.add(Arguments.of(s, d));
            }
        }
        return modes;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyMode")
    void answersInAnyOrderEachSettleTheirOwnBatch(SourceMode sourceMode, DestinationMode destinationMode,
                                                   TestDatabase db) {
        String table = ("any_" + sourceMode + "_" + destinationMode).toLowerCase();
        table(db, table, 12);
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(sourceMode, destinationMode);
        Held held = new Held();
        runToEnd(source, table, mapping, held);
        changeEverything(db, table);

        Driven d = new Driven(source, table, mapping);
        List<Change> b1 = d.next();
        List<Change> b2 = d.next();
        List<Change> b3 = d.next();
        assertThat(b3).hasSize(BATCH);
        held.apply(b3, Set.of());
        d.ack(b3);
        // The first batch is applied, then its write "times out": its keys are in doubt.
        held.apply(b1, Set.of());
        d.run.markInDoubt(b1);
        Object rejected = b2.get(1).key();
        held.apply(b2, Set.of(rejected));
        d.ack(b2, rejected);
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.FAILED);
        d.run.close();

        // The next run sends again the failed batch and the rejected key, and nothing else that changed.
        List<Change> next = runToEnd(source, table, mapping, held);
        Set<Object> expected = union(b1);
        expected.add(rejected);
        assertThat(sentAsChanges(next)).as("sent again").isEqualTo(expected);
        if (destinationMode == DestinationMode.MIRROR) {
            assertThat(held.values).isEqualTo(sourceRows(db, table));
        }
        if (sourceMode == SourceMode.INCREMENTAL) {
            assertThat(runToEnd(source, table, mapping, held)).isEmpty();
        }
    }

    @ParameterizedTest(name = "read ahead: {0}")
    @ValueSource(booleans = {true, false})
    void aFirstSyncMovesItsAcknowledgedKeyOnlyOverSettledBatches(boolean readAhead, TestDatabase db) {
        String table = "first_any_" + readAhead;
        table(db, table, 12);
        // (In key order, whose acknowledged key the job record shows.)
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource(), "test").table("public", table)
            .readAhead(readAhead).firstSyncInKeyOrder(true).build();
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        Held held = new Held();

        Driven d = new Driven(source, table, mapping);
        List<Change> b1 = d.next();
        List<Change> b2 = d.next();
        List<Change> b3 = d.next();
        List<Change> b4 = d.next();
        assertThat(keys(b4)).containsExactly(10, 11, 12);
        held.apply(b3, Set.of());
        d.ack(b3);
        assertThat(firstSyncAcked(db, table)).as("nothing acknowledged before batch 3").isNull();
        held.apply(b1, Set.of());
        d.run.markInDoubt(b1);
        assertThat(firstSyncAcked(db, table)).isEqualTo("3");
        Object rejected = b2.get(1).key();
        held.apply(b2, Set.of(rejected));
        d.ack(b2, rejected);
        assertThat(firstSyncAcked(db, table)).isEqualTo("9");
        held.apply(b4, Set.of());
        d.ack(b4);
        assertThat(d.next()).isEmpty();
        d.finish(RunStatus.FAILED);
        d.run.close();

        List<Change> next = runToEnd(source, table, mapping, held);
        Set<Object> expected = union(b1);
        expected.add(rejected);
        assertThat(keys(next)).as("sent again").isEqualTo(expected);
        assertThat(held.values).isEqualTo(sourceRows(db, table));
        assertThat(runToEnd(source, table, mapping, held)).isEmpty();
    }

    private static Object firstSyncAcked(TestDatabase db, String jobId) {
        return db.query("select first_sync_acked from " + PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA
            + ".valmi_jobs where job_id = '" + jobId + "'").get(0).get(0);
    }

    static List<Arguments> crashModes() {
        List<Arguments> modes = new ArrayList<>();
        for (SourceMode s : SourceMode.values()) {
            for (DestinationMode d : List.of(DestinationMode.MIRROR, DestinationMode.UPSERT, DestinationMode.UPDATE)) {
                for (boolean kill : new boolean[] {false, true}) {
                    modes.add(Arguments.of(s, d, kill));
                }
            }
        }
        return modes;
    }

    /**
     * Four batches out, all applied by the destination; the second and the fourth (with a rejection) acknowledged;
     * then the run dies: closed without finishing, or its connection killed first. Afterwards a key the first batch
     * added is deleted and a key the third changed goes back to its old value: only the marks of those batches make the
     * next run send them.
     */
    @ParameterizedTest(name = "{0} {1}, connection killed: {2}")
    @MethodSource("crashModes")
    void aRunThatDiesWithBatchesOutLosesNothing(SourceMode sourceMode, DestinationMode destinationMode, boolean kill,
                                                TestDatabase db) {
        String table = ("dies_" + sourceMode + "_" + destinationMode + "_" + kill).toLowerCase();
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select 2 * g, 'v' || 2 * g from generate_series(1, 12) g");
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(sourceMode, destinationMode);
        Held held = new Held();
        runToEnd(source, table, mapping, held);
        // Odd rows 1 to 17 added, even rows changed: each batch of three adds and changes.
        db.execute("insert into " + table + " select 2 * g - 1, 'v' || 2 * g - 1 from generate_series(1, 9) g",
            "update " + table + " set v = 'u' || id where id % 2 = 0");

        Driven d = new Driven(source, table, mapping);
        List<List<Change>> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(d.next());
        }
        Object rejected = out.get(3).get(0).key();
        for (List<Change> b : out) {
            held.apply(b, Set.of(rejected));
        }
        d.ack(out.get(1));
        if (kill) {
            killTheRunsLockConnection(db);
            assertThatThrownBy(() -> d.ack(out.get(3), rejected)).isInstanceOf(SourceException.class);
            d.run.markInDoubt(out.get(0));
            assertThatThrownBy(() -> d.finish(RunStatus.FAILED)).isInstanceOf(SourceException.class);
        } else {
            d.ack(out.get(3), rejected);
        }
        d.run.close();
        Set<Object> acknowledged = kill ? union(out.get(1)) : union(out.get(1), out.get(3));
        if (!kill) {
            acknowledged.remove(rejected);
        }

        // A key the destination added (not acknowledged) goes; a key it changed (not acknowledged) changes back.
        Object added = out.get(0).stream().filter(c -> c.kind() == ChangeKind.ADDED).findFirst()
            .map(Change::key).orElseThrow();
        Object changed = out.get(2).stream().filter(c -> c.kind() == ChangeKind.CHANGED).findFirst()
            .map(Change::key).orElseThrow();
        db.execute("delete from " + table + " where id = " + added);
        db.execute("update " + table + " set v = 'v' || id where id = " + changed);

        List<Change> next = runToEnd(source, table, mapping, held);
        Set<Object> expected = new TreeSet<>();
        for (Object key : sourceRows(db, table).keySet()) {
            if (!acknowledged.contains(key)) {
                expected.add(key);
            }
        }
        if (destinationMode == DestinationMode.MIRROR) {
            expected.add(added);
        }
        // (Every row changed or was added, so every key not acknowledged is sent again, and only those.)
        assertThat(sentAsChanges(next)).as("sent again").isEqualTo(expected);
        if (destinationMode == DestinationMode.MIRROR) {
            assertThat(held.values).isEqualTo(sourceRows(db, table));
        } else {
            Map<Object, Object> held2 = new HashMap<>(held.values);
            held2.keySet().retainAll(sourceRows(db, table).keySet());
            assertThat(held2).isEqualTo(sourceRows(db, table));
        }
    }

    /**
     * A first sync with four batches out: the second and fourth acknowledged (the fourth with a rejection) and the
     * third put in doubt while the first is still out; then the run dies. The next run sends again the first batch (a
     * row of it deleted meanwhile: removed), the third and the rejected key, and nothing acknowledged.
     */
    @ParameterizedTest(name = "connection killed: {0}")
    @ValueSource(booleans = {false, true})
    void aFirstSyncThatDiesWithBatchesOutLosesNothing(boolean kill, TestDatabase db) {
        String table = "first_dies_" + kill;
        table(db, table, 12);
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        Held held = new Held();

        Driven d = new Driven(source, table, mapping);
        List<List<Change>> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(d.next());
        }
        Object rejected = out.get(3).get(2).key();
        for (List<Change> b : out) {
            held.apply(b, Set.of(rejected));
        }
        d.ack(out.get(1));
        d.run.markInDoubt(out.get(2));
        Set<Object> acknowledged = union(out.get(1));
        if (kill) {
            killTheRunsLockConnection(db);
            assertThatThrownBy(() -> d.ack(out.get(3), rejected)).isInstanceOf(SourceException.class);
        } else {
            d.ack(out.get(3), rejected);
            acknowledged.addAll(keys(out.get(3)));
            acknowledged.remove(rejected);
            assertThat(firstSyncAcked(db, table)).isNull();
        }
        d.run.close();
        Object gone = out.get(0).get(1).key();
        db.execute("delete from " + table + " where id = " + gone);

        List<Change> next = runToEnd(source, table, mapping, held);
        Set<Object> expected = new TreeSet<>(union(out.get(0), out.get(2), out.get(3)));
        expected.removeAll(acknowledged);
        assertThat(keys(next)).as("sent again").isEqualTo(expected);
        assertThat(next.stream().filter(c -> c.kind() == ChangeKind.REMOVED).map(Change::key))
            .containsExactly(gone);
        assertThat(held.values).isEqualTo(sourceRows(db, table));
        // The batches that were out when the run died are under a lease (a write of them may still land); the third,
        // put in doubt by its own run, is not.
        // (The removal of a leased key keeps it, in doubt.)
        Set<Object> unanswered = new TreeSet<>(union(out.get(0)));
        if (kill) {
            unanswered.addAll(keys(out.get(3)));
        }
        assertThat(leased(db, table)).isEqualTo(unanswered);
    }

    /**
     * A batch neither acknowledged nor put in doubt (its write was abandoned and may still land) stays in doubt under
     * the lease of the write timeout, though the run finishes: the next run sends it, and so does the one after.
     */
    @ParameterizedTest(name = "first sync: {0}")
    @ValueSource(booleans = {false, true})
    void aBatchNeverAnsweredStaysInDoubtUnderALease(boolean firstSync, TestDatabase db) {
        String table = "abandoned_" + firstSync;
        table(db, table, 12);
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        Held held = new Held();
        if (!firstSync) {
            runToEnd(source, table, mapping, held);
            db.execute("update " + table + " set v = 'u' || id");
        }

        Driven d = new Driven(source, table, mapping);
        List<Change> b1 = d.next();
        List<Change> b2 = d.next();
        List<Change> b3 = d.next();
        held.apply(b1, Set.of());
        d.ack(b1);
        held.apply(b3, Set.of());
        d.ack(b3);
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.FAILED);
        d.run.close();
        // The abandoned write lands now.
        held.apply(b2, Set.of());
        assertThat(leased(db, table)).as("leased when the run ended").isEqualTo(firstSync ? keys(b2) : Set.of());

        assertThat(keys(runToEnd(source, table, mapping, held))).isEqualTo(keys(b2));
        assertThat(leased(db, table)).isEqualTo(keys(b2));
        assertThat(keys(runToEnd(source, table, mapping, held))).as("until the lease has passed").isEqualTo(keys(b2));
        assertThat(held.values).isEqualTo(sourceRows(db, table));
    }

    /**
     * A batch that waited after its hand-out (behind a rate limit, say) checks the lock before its first write: the
     * run's connection may have died meanwhile.
     */
    @ParameterizedTest(name = "first sync: {0}")
    @ValueSource(booleans = {false, true})
    void aBatchThatWaitedChecksTheLockBeforeItsFirstWrite(boolean firstSync, TestDatabase db)
        throws InterruptedException {
        String table = "waited_" + firstSync;
        table(db, table, 12);
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        if (!firstSync) {
            runToEnd(source, table, mapping, new Held());
            db.execute("update " + table + " set v = 'u' || id");
        }
        Driven d = new Driven(source, table, mapping);
        try {
            List<Change> b1 = d.next();
            List<Change> b2 = d.next();
            d.run.beforeWrite(b2, 1);
            killTheRunsLockConnection(db);
            Thread.sleep(500);
            assertThatThrownBy(() -> d.run.beforeWrite(b1, 1)).isInstanceOf(SourceException.class)
                .hasMessageContaining("lost its lock");
        } finally {
            d.run.close();
        }
        Held held = new Held();
        runToEnd(source, table, mapping, held);
        assertThat(held.values.keySet()).containsAll(new HashSet<>(sourceRows(db, table).keySet()));
    }

    /**
     * A batch whose first write failed after the destination applied it (a timeout after the remote commit) is written
     * again, here split by the runner, and a part of it fails: the answer rejects a key the destination holds. The key
     * stays in doubt, so that when its row goes, the next run removes it.
     */
    @ParameterizedTest(name = "first sync: {0}")
    @ValueSource(booleans = {false, true})
    void aRejectionOfABatchWrittenAgainKeepsItsKeyInDoubt(boolean firstSync, TestDatabase db) {
        String table = "again_" + firstSync;
        table(db, table, 6);
        PostgresSource source = source(db, table, true);
        Mapping mapping = mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR);
        Held held = new Held();
        if (!firstSync) {
            runToEnd(source, table, mapping, held);
            db.execute("insert into " + table + " select g, 'v' || g from generate_series(7, 9) g");
        }
        Driven d = new Driven(source, table, mapping);
        List<Change> b1 = d.next();
        d.run.beforeWrite(b1, 1);
        held.apply(b1, Set.of());
        d.run.beforeWrite(b1, 2);
        d.run.beforeWrite(b1, 3);
        Object rejected = b1.get(1).key();
        d.ack(b1, rejected);
        for (List<Change> b = d.next(); !b.isEmpty(); b = d.next()) {
            held.apply(b, Set.of());
            d.ack(b);
        }
        d.finish(RunStatus.SUCCEEDED);
        d.run.close();
        db.execute("delete from " + table + " where id = " + rejected);

        List<Change> next = runToEnd(source, table, mapping, held);
        assertThat(next).extracting(c -> c.key() + " " + c.kind()).containsExactly(rejected + " REMOVED");
        assertThat(held.values).isEqualTo(sourceRows(db, table));
    }

    /** The answer of a batch that is not out (answered before, or never handed out) is refused. */
    @Test
    void aBatchIsAnsweredOnce(TestDatabase db) {
        String table = "once";
        table(db, table, 6);
        PostgresSource source = source(db, table, true);
        Driven d = new Driven(source, table, mapping(SourceMode.INCREMENTAL, DestinationMode.MIRROR));
        try {
            List<Change> b1 = d.next();
            d.ack(b1);
            assertThatThrownBy(() -> d.ack(b1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not out");
            assertThatThrownBy(() -> d.ack(List.of(Change.added(1, b1.get(0).requireRow()))))
                .isInstanceOf(IllegalStateException.class);
        } finally {
            d.run.close();
        }
    }
}
