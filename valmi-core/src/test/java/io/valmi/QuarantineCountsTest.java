package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runner hands the job's {@link SyncOptions#quarantineAfter()} to the source and reports the rows the source left
 * out as quarantined; quarantining itself is the source's (see valmi-postgres).
 */
class QuarantineCountsTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").build();

    @Test
    void theSettingReachesTheSourceAndItsCountTheResult() {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        source.quarantined = 2;
        SyncJob job = SyncJob.builder("quarantine").source(source).destination(new ScriptedDestination())
            .mapping(MAPPING).quarantineAfter(4).build();

        SyncResult result = SyncRunner.create().run(job).orThrow();

        assertThat(source.lastRequest.quarantineAfter()).isEqualTo(4);
        assertThat(result.counts().quarantined()).isEqualTo(2);
        assertThat(result.counts().planned()).as("quarantined rows are not planned changes").isEqualTo(3);
        assertThat(result.counts().delivered()).isEqualTo(3);

        Plan plan = SyncRunner.create().plan(job);
        assertThat(source.lastRequest.quarantineAfter()).as("a dry run passes it too").isEqualTo(4);
        assertThat(plan.quarantined()).isEqualTo(2);

        SyncRunner.create().run(SyncJob.builder("quarantine").source(source).destination(new ScriptedDestination())
            .mapping(MAPPING).build()).orThrow();
        assertThat(source.lastRequest.quarantineAfter()).as("default: never").isZero();
    }

    @Test
    void quarantinedRowsAreValidRowsOfThePlan() {
        Plan plan = new Plan(Map.of(ChangeKind.ADDED, 1L, ChangeKind.REMOVED, 4L), Map.of(), List.of(), 5, 3);
        assertThat(plan.validRows()).isEqualTo(4);
        assertThat(plan.total()).isEqualTo(5);
        assertThat(new Plan(Map.of(), Map.of(), List.of(), 0).quarantined()).isZero();
        assertThatThrownBy(() -> new Plan(Map.of(), Map.of(), List.of(), 0, -1))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quarantinedRowsCountAsValidRowsForTheInvalidRowGuard() {
        // Two rows with a NULL key and three quarantined ones: 40 % invalid, below the default limit of half.
        InMemorySource source = new InMemorySource("id", "name");
        source.invalid.put(InvalidReason.NULL_KEY, 2L);
        source.quarantined = 3;
        SyncResult result = SyncRunner.create().run(SyncJob.builder("mostly-quarantined").source(source)
            .destination(new ScriptedDestination()).mapping(MAPPING).build());
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(result.counts().quarantined()).isEqualTo(3);

        source.quarantined = 1;
        assertThat(SyncRunner.create().run(SyncJob.builder("mostly-invalid").source(source)
            .destination(new ScriptedDestination()).mapping(MAPPING).build()).error())
            .isInstanceOf(GuardException.class);
    }

    @Test
    void requestsOfEarlierSignaturesQuarantineNothing() {
        RunRequest request = new RunRequest("job", "run", MAPPING, Set.of(ChangeKind.ADDED), 10, 100,
            Duration.ofMinutes(1));
        assertThat(request.quarantineAfter()).isZero();
        assertThat(new RunRequest("job", "run", MAPPING, Set.of(), 10).quarantineAfter()).isZero();
        assertThatThrownBy(() -> new RunRequest("job", "run", MAPPING, Set.of(), 10, 0, Duration.ofMinutes(1), -1))
            .isInstanceOf(IllegalArgumentException.class);
        SyncCounts counts = new SyncCounts(1, 1, 0, 0, 0, Map.of(), 1, 0, 0, 0, 1, 0, 0, 0, Map.of());
        assertThat(counts.quarantined()).isZero();
    }
}
