package io.valmi.postgres;

import static io.valmi.postgres.Syncs.runOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A sequence of source changes, with the exact changes each incremental run must send. */
@WithPostgres
class IncrementalSequenceTest {

    private static final Mapping MIRROR = Mapping.builder().key("code").map("name").map("price")
        .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();

    @Test
    void eachRunSendsExactlyWhatChanged(TestDatabase db) {
        // No constraint at all on the key: NULLs and duplicates are possible.
        db.execute("create table items (code text, name text, price numeric, stock int)",
            "insert into items values ('a', 'Apple', 1.5, 10), ('b', 'Bread', 2, 5), ('c', 'Cheese', 7.25, 1)");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "items");
        CollectingDestination dest = new CollectingDestination();

        SyncResult first = runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.ADDED, "a"), tuple(ChangeKind.ADDED, "b"), tuple(ChangeKind.ADDED, "c"));
        assertThat(first.counts().added()).isEqualTo(3);

        // Nothing changed; a change to an unmapped column sends nothing.
        db.execute("update items set stock = 0 where code = 'a'");
        assertThat(runOk("seq", source, dest, MIRROR).counts().planned()).isZero();
        assertThat(dest.takeReceived()).isEmpty();

        // Insert, update, delete; numeric text form counts ("what would be sent differs").
        db.execute("insert into items values ('d', 'Dates', 3, 1)", "update items set price = 2.00 where code = 'b'",
            "delete from items where code = 'c'");
        runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.CHANGED, "b"), tuple(ChangeKind.REMOVED, "c"), tuple(ChangeKind.ADDED, "d"));
        assertThat(dest.state.get("b").get("price")).isEqualTo(new java.math.BigDecimal("2.00"));

        // A NULL key and a duplicate appear: invalid, never sent; the duplicated key already at the destination
        // is held (neither updated nor removed).
        db.execute("insert into items values (null, 'Nameless', 1, 1)", "insert into items values ('a', 'Apricot', 9, 9)",
            "update items set name = 'Apple 2' where code = 'a' and name = 'Apple'");
        SyncResult withInvalid = runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).isEmpty();
        assertThat(withInvalid.counts().invalid(InvalidReason.NULL_KEY)).isEqualTo(1);
        assertThat(withInvalid.counts().invalid(InvalidReason.DUPLICATE_KEY)).isEqualTo(2);
        assertThat(withInvalid.invalidSamples()).extracting(r -> r.reason(), r -> r.key()).contains(
            tuple(InvalidReason.DUPLICATE_KEY, "a"), tuple(InvalidReason.NULL_KEY, null));
        assertThat(dest.state).containsKey("a");
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = 'seq'")).isEqualTo(1);

        // Checked again on every run: still invalid, still reported.
        SyncResult again = runOk("seq", source, dest, MIRROR);
        assertThat(again.counts().invalidTotal()).isEqualTo(3);
        assertThat(dest.takeReceived()).isEmpty();

        // The duplicate disappears: the surviving row is valid again and sent as a change.
        db.execute("delete from items where code = 'a' and name = 'Apricot'");
        SyncResult resolved = runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, "a"));
        assertThat(dest.state.get("a").get("name")).isEqualTo("Apple 2");
        assertThat(resolved.counts().invalid(InvalidReason.NULL_KEY)).isEqualTo(1);

        // A row whose key becomes NULL no longer carries its old key: that key is removed.
        db.execute("update items set code = null where code = 'd'");
        runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.REMOVED, "d"));

        // The NULL keys get keys again: added.
        db.execute("update items set code = 'n' where name = 'Nameless'", "update items set code = 'd' where name = 'Dates'");
        runOk("seq", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.ADDED, "d"), tuple(ChangeKind.ADDED, "n"));

        assertThat(dest.state.keySet()).containsExactlyInAnyOrder("a", "b", "d", "n");
        assertThat(db.queryLong("select count(*) from items where code is not null")).isEqualTo(4);
    }

    @Test
    void fullTableSendsEveryValidRowEachRun(TestDatabase db) {
        db.execute("create table full_items (id int primary key, name text)",
            "insert into full_items select g, 'n' || g from generate_series(1, 10) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "full_items");
        Mapping mapping = Mapping.builder().key("id").map("name").destinationMode(DestinationMode.UPSERT).build();
        CollectingDestination dest = new CollectingDestination();

        runOk("full", source, dest, mapping);
        assertThat(dest.takeReceived()).hasSize(10).extracting(Change::kind).containsOnly(ChangeKind.ADDED);

        db.execute("update full_items set name = 'x' where id = 2", "delete from full_items where id = 3");
        SyncResult second = runOk("full", source, dest, mapping);
        assertThat(second.counts().unchanged()).isEqualTo(8);
        assertThat(second.counts().changed()).isEqualTo(1);
        assertThat(second.counts().removed()).isEqualTo(1);
        assertThat(second.counts().skipped()).isEqualTo(1); // REMOVED is not sent in UPSERT mode
        assertThat(dest.takeReceived()).hasSize(9).filteredOn(c -> c.kind() == ChangeKind.CHANGED)
            .extracting(Change::key).containsExactly(2);

        // The removal was skipped, not acknowledged: a MIRROR run still sends it.
        SyncResult mirror = runOk("full", source, dest, mapping.withDestinationMode(DestinationMode.MIRROR));
        assertThat(mirror.counts().removed()).isEqualTo(1);
        assertThat(dest.state).doesNotContainKey(3);
    }

    @Test
    void insertModeNeverUpdatesAndKeepsChangesPending(TestDatabase db) {
        db.execute("create table ins (id int primary key, v text)", "insert into ins values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "ins");
        Mapping insert = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
            .destinationMode(DestinationMode.INSERT).build();
        CollectingDestination dest = new CollectingDestination();
        runOk("ins", source, dest, insert);
        db.execute("update ins set v = 'changed' where id = 1", "insert into ins values (3, 'c')");

        SyncResult r = runOk("ins", source, dest, insert);
        assertThat(dest.takeReceived()).hasSize(3);
        assertThat(r.counts().skipped()).isEqualTo(1);
        assertThat(r.counts().delivered()).isEqualTo(1);

        // The skipped change is still pending for an UPSERT run (that continues: MappingChangePolicy.RESEND_ALL, the
        // default, would send every row again after the change of mode).
        SyncResult upsert = io.valmi.SyncRunner.create().run(io.valmi.SyncJob.builder("ins").source(source)
            .destination(dest).mapping(insert.withDestinationMode(DestinationMode.UPSERT)).batchSize(3)
            .retryPolicy(io.valmi.RetryPolicy.none()).onMappingChange(io.valmi.MappingChangePolicy.CONTINUE).build())
            .orThrow();
        assertThat(upsert.counts().changed()).isEqualTo(1);
        assertThat(dest.state.get(1).get("v")).isEqualTo("changed");
    }

    /**
     * A mode without removals plans a key's removal once (skipped), not on every later run; MIRROR still sends it. (Before
     * the snapshot's {@code g}, each run planned and skipped every key removed since the first: 498, 968, 1,503 ...)
     */
    @ParameterizedTest
    @EnumSource(SourceMode.class)
    void removedKeysArePlannedOnceInAModeWithoutRemovals(SourceMode sourceMode, TestDatabase db) {
        String table = "gone_" + sourceMode.name().toLowerCase(java.util.Locale.ROOT);
        db.execute("create table " + table + " (id int primary key, name text)",
            "insert into " + table + " select g, 'n' || g from generate_series(1, 20) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        Mapping upsert = Mapping.builder().key("id").map("name").sourceMode(sourceMode)
            .destinationMode(DestinationMode.UPSERT).build();
        CollectingDestination dest = new CollectingDestination();
        runOk(table, source, dest, upsert);

        db.execute("delete from " + table + " where id in (3, 4)");
        assertThat(runOk(table, source, dest, upsert).counts().skipped()).isEqualTo(2);
        assertThat(runOk(table, source, dest, upsert).counts().skipped()).isZero();
        db.execute("delete from " + table + " where id = 5");
        SyncResult third = runOk(table, source, dest, upsert);
        assertThat(third.counts().skipped()).isEqualTo(1);
        assertThat(third.counts().removed()).isEqualTo(1);
        assertThat(runOk(table, source, dest, upsert).counts().removed()).isZero();

        // A key that comes back with other values is sent; the destination still held the old ones.
        db.execute("insert into " + table + " values (3, 'back')");
        dest.takeReceived();
        runOk(table, source, dest, upsert);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .contains(tuple(ChangeKind.CHANGED, 3));
        assertThat(dest.state.get(3).get("name")).isEqualTo("back");

        // A key that comes back with the values it had is in the source again: its next removal is planned, once.
        db.execute("insert into " + table + " values (4, 'n4')");
        runOk(table, source, dest, upsert);
        db.execute("delete from " + table + " where id = 4");
        assertThat(runOk(table, source, dest, upsert).counts().removed()).isEqualTo(1);
        assertThat(runOk(table, source, dest, upsert).counts().removed()).isZero();
        // The state's known keys leave the gone ones out: 20 less 4 and 5 (and a dry run counts them).
        assertThat(io.valmi.SyncRunner.create().plan(table, source, upsert, io.valmi.SyncOptions.defaults())
            .knownKeys()).isEqualTo(18);

        // MIRROR (continuing over the change of mode) sends the removals the UPSERT runs left out.
        SyncResult mirror = io.valmi.SyncRunner.create().run(io.valmi.SyncJob.builder(table).source(source)
            .destination(dest).mapping(upsert.withDestinationMode(DestinationMode.MIRROR))
            .onMappingChange(io.valmi.MappingChangePolicy.CONTINUE).build()).orThrow();
        assertThat(mirror.counts().removed()).isEqualTo(2);
        assertThat(dest.state).doesNotContainKeys(4, 5).containsKey(3);
    }
}
