package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GuardTest {
    private static final Mapping MIRROR = Mapping.builder().key("id").map("name").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private static InMemorySource acknowledged(int rows) {
        InMemorySource source = new InMemorySource("id", "name").rows(rows);
        for (long k = 1; k <= rows; k++) {
            source.snapshot.put(k, new InMemorySource.State(List.of("name-" + k), false, true));
        }
        return source;
    }

    @Test
    void emptySourceDoesNotEmptyTheDestination() {
        InMemorySource source = acknowledged(5);
        source.table.clear();
        ScriptedDestination destination = new ScriptedDestination();
        SyncJob job = SyncJob.builder("guarded").source(source).destination(destination).mapping(MIRROR).build();

        SyncResult result = SyncRunner.create().run(job);

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).isInstanceOf(GuardException.class).hasMessageContaining("has no valid row")
            .hasMessageContaining("remove all 5 keys").hasMessageContaining("withAllowEmptySource(true)");
        assertThat(destination.attempts).isEmpty();
        assertThat(destination.events).isEmpty();
        assertThat(source.snapshot).hasSize(5);

        SyncResult allowed = SyncRunner.create().run(SyncJob.builder("guarded").source(source).destination(destination)
            .mapping(MIRROR).options(SyncOptions.defaults().withAllowEmptySource(true)).build()).orThrow();
        assertThat(allowed.counts().removed()).isEqualTo(5);
        assertThat(source.snapshot).isEmpty();
    }

    @Test
    void removalLimitStopsAMassDelete() {
        InMemorySource source = acknowledged(10);
        source.table.headMap(4L).clear();
        ScriptedDestination destination = new ScriptedDestination();
        SyncResult stopped = SyncRunner.create().run(SyncJob.builder("limited").source(source).destination(destination)
            .mapping(MIRROR).maxRemovedFraction(0.2).build());
        assertThat(stopped.error()).isInstanceOf(GuardException.class)
            .hasMessageContaining("remove 3 of 10 keys (30 %)").hasMessageContaining("20 %");
        assertThat(destination.attempts).isEmpty();

        SyncResult ok = SyncRunner.create().run(SyncJob.builder("limited").source(source).destination(destination)
            .mapping(MIRROR).maxRemovedFraction(0.3).build()).orThrow();
        assertThat(ok.counts().removed()).isEqualTo(3);
    }

    @Test
    void aRunWhereMostRowsAreInvalidIsStoppedByDefault() {
        InMemorySource source = new InMemorySource("id", "name").rows(4);
        source.invalid.put(InvalidReason.DUPLICATE_KEY, 5L);
        source.invalid.put(InvalidReason.NULL_KEY, 1L);
        ScriptedDestination destination = new ScriptedDestination();
        Mapping upsert = MIRROR.withDestinationMode(DestinationMode.UPSERT).withSourceMode(SourceMode.FULL_TABLE);

        SyncResult stopped = SyncRunner.create().run(SyncJob.builder("invalid").source(source)
            .destination(destination).mapping(upsert).build());

        assertThat(stopped.status()).isEqualTo(RunStatus.FAILED);
        assertThat(stopped.error()).isInstanceOf(GuardException.class)
            .hasMessageContaining("6 of 10 rows (60 %) are invalid (5 share their key with another row, 1 have a NULL"
                + " key), more than the 50 % that SyncOptions.maxInvalidFraction allows")
            .hasMessageContaining("key column \"id\"").hasMessageContaining("withMaxInvalidFraction");
        assertThat(stopped.counts().invalidTotal()).isEqualTo(6);
        assertThat(destination.attempts).isEmpty();
        assertThat(source.snapshot).isEmpty();

        SyncResult allowed = SyncRunner.create().run(SyncJob.builder("invalid").source(source)
            .destination(destination).mapping(upsert).maxInvalidFraction(0.6).build()).orThrow();
        assertThat(allowed.counts().delivered()).isEqualTo(4);
        assertThat(SyncRunner.create().run(SyncJob.builder("invalid").source(source).destination(destination)
            .mapping(upsert).maxInvalidFraction(0.0).build()).error()).isInstanceOf(GuardException.class);
    }

    @Test
    void anIncrementalRunCountsTheUnchangedRowsItLeavesOut() {
        InMemorySource source = acknowledged(10);
        source.invalid.put(InvalidReason.NULL_KEY, 5L);
        Mapping incremental = MIRROR.withDestinationMode(DestinationMode.UPSERT);

        SyncResult result = SyncRunner.create().run(SyncJob.builder("incremental").source(source)
            .destination(new ScriptedDestination()).mapping(incremental).build()).orThrow();
        assertThat(result.counts().planned()).isZero();

        SyncResult stricter = SyncRunner.create().run(SyncJob.builder("incremental").source(source)
            .destination(new ScriptedDestination()).mapping(incremental).maxInvalidFraction(0.3).build());
        assertThat(stricter.error()).isInstanceOf(GuardException.class)
            .hasMessageContaining("5 of 15 rows (33 %) are invalid").hasMessageContaining("30 %");
    }

    @Test
    void theInvalidLimitIsAShare() {
        assertThat(SyncOptions.defaults().maxInvalidFraction()).isEqualTo(0.5);
        assertThat(new SyncOptions(10, RetryPolicy.none(), 1, 1.0, false).maxInvalidFraction()).isEqualTo(0.5);
        assertThat(SyncOptions.defaults().withMaxInvalidFraction(0.2).withBatchSize(7).maxInvalidFraction())
            .isEqualTo(0.2);
        assertThatThrownBy(() -> SyncOptions.defaults().withMaxInvalidFraction(1.5))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxInvalidFraction must be from 0.0 to 1.0");
        assertThatThrownBy(() -> SyncOptions.defaults().withMaxInvalidFraction(Double.NaN))
            .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void guardsDoNotApplyWhenTheModeSendsNoRemovals() {
        InMemorySource source = acknowledged(5);
        source.table.clear();
        SyncResult result = SyncRunner.create().run(SyncJob.builder("upsert").source(source)
            .destination(new ScriptedDestination()).mapping(MIRROR.withDestinationMode(DestinationMode.UPSERT))
            .maxRemovedFraction(0.0).build()).orThrow();
        assertThat(result.counts().skipped()).isEqualTo(5);
    }

    @Test
    void dryRunPlansWithoutSending() {
        InMemorySource source = acknowledged(3);
        source.put(4, "new");
        ScriptedDestination destination = new ScriptedDestination();
        Plan plan = SyncRunner.create().plan(SyncJob.builder("dry").source(source).destination(destination)
            .mapping(MIRROR).build());
        assertThat(plan.count(ChangeKind.ADDED)).isEqualTo(1);
        assertThat(plan.knownKeys()).isEqualTo(3);
        assertThat(destination.events).isEmpty();
        assertThat(source.snapshot).hasSize(3);
    }
}
