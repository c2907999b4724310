package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.MappingChangePolicy;
import io.valmi.RetryPolicy;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

/**
 * A job whose mapped columns, destination mode or key column changed since its last run does what its
 * {@link MappingChangePolicy} says: resend everything, continue, or fail before anything is sent.
 */
@WithPostgres
class MappingChangeTest {

    private static SyncResult run(String job, PostgresSource source, CollectingDestination dest, Mapping mapping,
                                  MappingChangePolicy policy) {
        return SyncRunner.create().run(SyncJob.builder(job).source(source).destination(dest).mapping(mapping)
            .retryPolicy(RetryPolicy.none()).onMappingChange(policy).build());
    }

    private static Mapping mapping(String key, DestinationMode mode, String... columns) {
        Mapping.Builder b = Mapping.builder().key(key).sourceMode(SourceMode.INCREMENTAL).destinationMode(mode);
        for (String c : columns) {
            b.map(c);
        }
        return b.build();
    }

    private static PostgresSource table(TestDatabase db, String name) {
        db.execute("create table " + name + " (id int primary key, code text unique, v text, w text)",
            "insert into " + name + " select g, 'c' || g, 'v' || g, 'w' || g from generate_series(1, 5) g");
        return Syncs.source(db.dataSource(), "public", name);
    }

    @Test
    void aNewMappedColumnResendsEverythingContinuesOrFailsByPolicy(TestDatabase db) {
        PostgresSource source = table(db, "cols");
        for (MappingChangePolicy policy : MappingChangePolicy.values()) {
            String job = "cols-" + policy.name().toLowerCase(java.util.Locale.ROOT);
            CollectingDestination dest = new CollectingDestination();
            run(job, source, dest, mapping("id", DestinationMode.UPSERT, "v"), policy).orThrow();
            dest.takeReceived();
            db.execute("update cols set v = v || '!' where id = 2");

            SyncResult r = run(job, source, dest, mapping("id", DestinationMode.UPSERT, "v", "w"), policy);

            switch (policy) {
                case RESEND_ALL -> {
                    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                    assertThat(dest.takeReceived()).hasSize(5).allSatisfy(c -> {
                        assertThat(c.kind()).isEqualTo(ChangeKind.CHANGED);
                        assertThat(c.requireRow().toMap()).containsKey("w");
                    });
                }
                case CONTINUE -> {
                    // Only the row that changed since the last run; the others keep their recorded state.
                    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                    assertThat(dest.takeReceived()).extracting(Change::kind, Change::key)
                        .containsExactly(tuple(ChangeKind.CHANGED, 2));
                    db.execute("update cols set w = 'new' where id = 4");
                    run(job, source, dest, mapping("id", DestinationMode.UPSERT, "v", "w"), policy).orThrow();
                    assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(4);
                    db.execute("update cols set v = replace(v, '!', '') where id = 2");
                }
                case FAIL -> {
                    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
                    assertThat(r.error()).hasMessageContaining("mapped columns or their types changed")
                        .hasMessageContaining("RESEND_ALL").hasMessageContaining("CONTINUE");
                    assertThat(dest.takeReceived()).isEmpty();
                    // Nothing was recorded: the decision can still be made.
                    SyncResult resent = run(job, source, dest, mapping("id", DestinationMode.UPSERT, "v", "w"),
                        MappingChangePolicy.RESEND_ALL);
                    assertThat(resent.counts().delivered()).isEqualTo(5);
                    db.execute("update cols set v = replace(v, '!', '') where id = 2");
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    @Test
    void aNewDestinationModeResendsEverythingContinuesOrFailsByPolicy(TestDatabase db) {
        PostgresSource source = table(db, "modes");
        for (MappingChangePolicy policy : MappingChangePolicy.values()) {
            String job = "modes-" + policy.name().toLowerCase(java.util.Locale.ROOT);
            CollectingDestination dest = new CollectingDestination();
            run(job, source, dest, mapping("id", DestinationMode.UPSERT, "v"), policy).orThrow();
            dest.takeReceived();

            SyncResult r = run(job, source, dest, mapping("id", DestinationMode.MIRROR, "v"), policy);

            switch (policy) {
                case RESEND_ALL -> assertThat(dest.takeReceived()).hasSize(5);
                case CONTINUE -> {
                    assertThat(r.succeeded()).isTrue();
                    assertThat(dest.takeReceived()).isEmpty();
                }
                case FAIL -> {
                    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
                    assertThat(r.error()).hasMessageContaining("destination mode changed from UPSERT to MIRROR");
                    assertThat(dest.takeReceived()).isEmpty();
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    @Test
    void aNewKeyColumnStartsOverOutsideMirrorAndIsRefusedOtherwise(TestDatabase db) {
        PostgresSource source = table(db, "rekeyed");
        CollectingDestination dest = new CollectingDestination();
        run("rekeyed", source, dest, mapping("id", DestinationMode.UPSERT, "v"), MappingChangePolicy.RESEND_ALL)
            .orThrow();
        dest.takeReceived();

        SyncResult refused = run("rekeyed", source, dest, mapping("code", DestinationMode.UPSERT, "v"),
            MappingChangePolicy.CONTINUE);
        assertThat(refused.status()).isEqualTo(RunStatus.FAILED);
        assertThat(refused.error()).hasMessageContaining("was keyed by column \"id\", now by \"code\"")
            .hasMessageContaining("cannot continue");

        SyncResult startedOver = run("rekeyed", source, dest, mapping("code", DestinationMode.UPSERT, "v"),
            MappingChangePolicy.RESEND_ALL);
        assertThat(startedOver.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.ADDED, "c1"), tuple(ChangeKind.ADDED, "c2"), tuple(ChangeKind.ADDED, "c3"),
            tuple(ChangeKind.ADDED, "c4"), tuple(ChangeKind.ADDED, "c5"));
        assertThat(run("rekeyed", source, dest, mapping("code", DestinationMode.UPSERT, "v"),
            MappingChangePolicy.RESEND_ALL).counts().planned()).isZero();

        SyncResult mirror = run("rekeyed", source, dest, mapping("id", DestinationMode.MIRROR, "v"),
            MappingChangePolicy.RESEND_ALL);
        assertThat(mirror.status()).isEqualTo(RunStatus.FAILED);
        assertThat(mirror.error()).hasMessageContaining("in MIRROR mode the records under the old keys could never be"
            + " removed");
    }
}
