package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runner hands the job's {@link SyncOptions#syncLog()} to the source in its {@link RunRequest}; keeping the log is
 * the source's (see valmi-postgres).
 */
class SyncLogOptionTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").build();

    @Test
    void theSettingReachesTheSource() {
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        SyncJob job = SyncJob.builder("logged").source(source).destination(new ScriptedDestination())
            .mapping(MAPPING).syncLog(true).build();
        assertThat(job.options().syncLog()).isTrue();

        SyncRunner.create().run(job).orThrow();
        assertThat(source.lastRequest.syncLog()).isTrue();

        SyncRunner.create().run(SyncJob.builder("logged").source(source).destination(new ScriptedDestination())
            .mapping(MAPPING).build()).orThrow();
        assertThat(source.lastRequest.syncLog()).as("default: no log").isFalse();
    }

    @Test
    void otherSettingsKeepIt() {
        SyncOptions options = SyncOptions.defaults().withSyncLog(true);
        assertThat(options.withBatchSize(7).withQuarantineAfter(2).withConcurrency(3).withMaxSamples(1)
            .withWriteTimeout(Duration.ofSeconds(9)).withIsolateFailures(false).withRetryPolicy(RetryPolicy.none())
            .withMaxRemovedFraction(0.5).withMaxInvalidFraction(0.1).withAllowEmptySource(true)
            .withOnMappingChange(MappingChangePolicy.FAIL).syncLog()).isTrue();
        assertThat(options.withSyncLog(false).syncLog()).isFalse();
        // A builder's setting applies over options given before or after it.
        SyncJob job = SyncJob.builder("j").source(new InMemorySource("id", "name"))
            .destination(new ScriptedDestination()).mapping(MAPPING).syncLog(true)
            .options(SyncOptions.defaults().withBatchSize(5)).build();
        assertThat(job.options().syncLog()).isTrue();
        assertThat(job.options().batchSize()).isEqualTo(5);
    }

    @Test
    void earlierSignaturesKeepNoLog() {
        assertThat(SyncOptions.defaults().syncLog()).isFalse();
        assertThat(new SyncOptions(10, RetryPolicy.none(), 1, 1.0, false).syncLog()).isFalse();
        assertThat(new SyncOptions(10, RetryPolicy.none(), 1, 1.0, false, 0.5, Duration.ofMinutes(1), 1, true, 0,
            MappingChangePolicy.FAIL).syncLog()).isFalse();
        assertThat(new RunRequest("job", "run", MAPPING, Set.of(ChangeKind.ADDED), 10, 100, Duration.ofMinutes(1), 2)
            .syncLog()).isFalse();
        assertThat(new RunRequest("job", "run", MAPPING, Set.of(), 10).syncLog()).isFalse();
        assertThat(new RunRequest("job", "run", MAPPING, Set.of(), 10, 0, Duration.ofMinutes(1), 0,
            MappingChangePolicy.CONTINUE).syncLog()).isFalse();
    }
}
