package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Rejection;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A destination that parses a remote answer names rejected keys as another Java type than the source's (a Long or a
 * String for an {@code int} key): they are matched to the batch by value, and a key that is not in the batch fails
 * the batch.
 */
@WithPostgres
class RejectionKeysTest {
    private static final Mapping UPSERT = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.UPSERT).build();

    private static Function<Object, Object> form(String name) {
        return switch (name) {
            case "Long" -> key -> ((Integer) key).longValue();
            case "Short" -> key -> ((Integer) key).shortValue();
            case "BigDecimal" -> key -> new BigDecimal(key + ".00");
            case "String" -> String::valueOf;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"Long", "Short", "BigDecimal", "String"})
    void aRejectionWhoseKeyIsAnotherJavaTypeIsCountedRejectedAndOfferedAgain(String type, TestDatabase db) {
        String table = "t_" + type.toLowerCase(java.util.Locale.ROOT);
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " values (1, 'a'), (2, 'b'), (3, 'c')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        CollectingDestination dest = new CollectingDestination();
        dest.rejectedKeyAs = form(type);
        dest.rejector = c -> c.key().equals(2) ? "refused" : null;

        // The first run (a first sync, read straight from the table).
        SyncResult first = Syncs.runOk(table, source, dest, UPSERT);
        assertThat(first.counts().rejected()).isEqualTo(1);
        assertThat(first.counts().delivered()).isEqualTo(2);
        assertThat(first.rejectionSamples()).containsExactly(new Rejection(2, "refused"));
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2, 3);

        dest.rejector = c -> null;
        Syncs.runOk(table, source, dest, UPSERT);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(tuple(ChangeKind.ADDED, 2));

        // A later incremental run, planned against the snapshot.
        db.execute("update " + table + " set v = v || '2'");
        dest.rejector = c -> c.key().equals(2) ? "refused again" : null;
        SyncResult later = Syncs.runOk(table, source, dest, UPSERT);
        assertThat(later.counts().rejected()).isEqualTo(1);
        assertThat(later.counts().delivered()).isEqualTo(2);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2, 3);

        dest.rejector = c -> null;
        Syncs.runOk(table, source, dest, UPSERT);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, 2));
        assertThat(Syncs.runOk(table, source, dest, UPSERT).counts().planned()).isZero();
        assertThat(dest.state.get(2).get("v")).isEqualTo("b2");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRejectionOfAKeyNotInTheBatchFailsTheRunAndTheBatchIsOfferedAgain(boolean firstSync, TestDatabase db) {
        String table = "stray_" + firstSync;
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, 6) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        CollectingDestination dest = new CollectingDestination();
        if (!firstSync) {
            Syncs.runOk(table, source, dest, UPSERT);
            db.execute("update " + table + " set v = v || 'x'");
            dest.takeReceived();
        }
        dest.alsoRejected.add(99L);

        SyncResult failed = Syncs.run(table, source, dest, UPSERT, 3);
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).hasMessageContaining("rejected key 99 (java.lang.Long)")
            .hasMessageContaining("must reject only keys of the batch");
        assertThat(failed.counts().delivered()).isZero();
        assertThat(failed.counts().inDoubt()).isEqualTo(3);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2, 3);

        dest.alsoRejected.clear();
        SyncResult next = Syncs.runOk(table, source, dest, UPSERT);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(next.counts().delivered()).isEqualTo(6);
        assertThat(Syncs.runOk(table, source, dest, UPSERT).counts().planned()).isZero();
    }
}
