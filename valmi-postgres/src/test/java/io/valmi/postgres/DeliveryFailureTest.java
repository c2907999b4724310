package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

@WithPostgres
class DeliveryFailureTest {
    private static final Mapping MIRROR = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    @Test
    void rejectedRowsAreSentAgainOthersAreNot(TestDatabase db) {
        db.execute("create table rej (id int primary key, v text)",
            "insert into rej select g, 'v' || g from generate_series(1, 10) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "rej");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> ((Integer) c.key()) % 4 == 0 ? "multiples of four are refused" : null;

        SyncResult first = Syncs.runOk("rej", source, dest, MIRROR);
        assertThat(first.counts().rejected()).isEqualTo(2);
        assertThat(first.rejectionSamples()).extracting(r -> r.key()).containsExactly(4, 8);
        String issues = (String) db.query("select tablename from pg_tables where schemaname = 'valmi_scratch_computed_'"
            + " and tablename like 'issues\\_rej\\_%'").get(0).get(0);
        assertThat(db.query("select reason, key_text, detail from valmi_scratch_computed_.\"" + issues
            + "\" order by key_text")).containsExactly(java.util.List.of("REJECTED", "4", "multiples of four are refused"),
            java.util.List.of("REJECTED", "8", "multiples of four are refused"));
        dest.takeReceived();

        dest.rejector = c -> null;
        SyncResult second = Syncs.runOk("rej", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.ADDED, 4), tuple(ChangeKind.ADDED, 8));
        assertThat(second.counts().delivered()).isEqualTo(2);

        assertThat(Syncs.runOk("rej", source, dest, MIRROR).counts().planned()).isZero();
    }

    @Test
    void rejectedChangeKeepsTheOldAcknowledgedState(TestDatabase db) {
        db.execute("create table rej2 (id int primary key, v text)", "insert into rej2 values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "rej2");
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("rej2", source, dest, MIRROR);
        db.execute("update rej2 set v = 'a2' where id = 1", "delete from rej2 where id = 2");
        dest.takeReceived();
        dest.rejector = c -> "not now";

        SyncResult r = Syncs.runOk("rej2", source, dest, MIRROR);
        assertThat(r.counts().rejected()).isEqualTo(2);

        // Going back to the acknowledged value means nothing to send for key 1; the removal is still pending.
        db.execute("update rej2 set v = 'a' where id = 1");
        dest.rejector = c -> null;
        dest.takeReceived();
        Syncs.runOk("rej2", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.REMOVED, 2));
    }

    @Test
    void batchAppliedThenThrowingLeavesNoPhantomRows(TestDatabase db) {
        db.execute("create table phantom (id int primary key, v text)",
            "insert into phantom select g, 'v' || g from generate_series(1, 9) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "phantom");
        CollectingDestination dest = new CollectingDestination();
        dest.applyThenThrow.add(2); // the second batch (keys 4..6) is applied, then the write times out

        SyncResult failed = Syncs.run("phantom", source, dest, MIRROR, 3);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.counts().delivered()).isEqualTo(3);
        assertThat(failed.counts().inDoubt()).isEqualTo(3);
        assertThat(dest.state).containsOnlyKeys(1, 2, 3, 4, 5, 6);
        dest.applyThenThrow.clear();
        dest.takeReceived();

        // Rows 4 and 5 are deleted from the source before the next run: MIRROR must remove them.
        db.execute("delete from phantom where id in (4, 5)");
        Syncs.runOk("phantom", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.REMOVED, 4), tuple(ChangeKind.REMOVED, 5), tuple(ChangeKind.ADDED, 6),
            tuple(ChangeKind.ADDED, 7), tuple(ChangeKind.ADDED, 8), tuple(ChangeKind.ADDED, 9));
        assertThat(dest.state).containsOnlyKeys(1, 2, 3, 6, 7, 8, 9);
        assertThat(Syncs.runOk("phantom", source, dest, MIRROR).counts().planned()).isZero();
    }

    @Test
    void changeAppliedThenThrowingIsSentAgainEvenIfTheSourceReverts(TestDatabase db) {
        db.execute("create table revert (id int primary key, v text)", "insert into revert values (1, 'old')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "revert");
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("revert", source, dest, MIRROR);
        db.execute("update revert set v = 'new' where id = 1");
        dest.applyThenThrow.add(1);
        assertThat(Syncs.run("revert", source, dest, MIRROR, 10).status()).isEqualTo(RunStatus.FAILED);
        assertThat(dest.state.get(1).get("v")).isEqualTo("new");

        // The source goes back to the value the snapshot had acknowledged: the destination holds 'new', so the
        // in-doubt mark must make the next run send 'old' again.
        db.execute("update revert set v = 'old' where id = 1");
        dest.applyThenThrow.clear();
        dest.takeReceived();
        Syncs.runOk("revert", source, dest, MIRROR);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, 1));
        assertThat(dest.state.get(1).get("v")).isEqualTo("old");
    }
}
