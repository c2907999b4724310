package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingDestinationTest {
    private static final List<String> FIELDS = List.of("name");

    private static Row row(String name) {
        return Row.of(FIELDS, name);
    }

    private static SyncContext context(DestinationMode mode) {
        return new SyncContext("job", "run", "test", ContractScenario.mapping(mode), 100);
    }

    @Test
    void keepsBatchesAndTheStateOfTheMode() throws Exception {
        RecordingDestination d = new RecordingDestination();
        d.open(context(DestinationMode.MIRROR));
        d.write(List.of(Change.added(1L, row("a")), Change.added(2L, row("b"))));
        d.write(List.of(Change.changed(1L, row("a2")), Change.removed(2L)));
        d.close();

        assertThat(d.state()).containsOnlyKeys(1L);
        assertThat(d.state().get(1L)).containsEntry("name", "a2");
        assertThat(d.batches()).extracting(RecordingDestination.Batch::number).containsExactly(1, 2);
        assertThat(d.receivedChanges()).hasSize(4);
        assertThat(d.contexts()).singleElement().extracting(SyncContext::destinationMode)
            .isEqualTo(DestinationMode.MIRROR);
        assertThat(d.closeCount()).isEqualTo(1);
    }

    @Test
    void insertModeKeepsExistingRecordsAndUpdateModeRejectsUnknownKeys() throws Exception {
        RecordingDestination insert = new RecordingDestination().mode(DestinationMode.INSERT);
        insert.write(List.of(Change.added(1L, row("first"))));
        insert.write(List.of(Change.added(1L, row("second"))));
        assertThat(insert.state().get(1L)).containsEntry("name", "first");

        RecordingDestination update = new RecordingDestination().mode(DestinationMode.UPDATE).seed(1L, row("old"));
        WriteResult result = update.write(List.of(Change.changed(1L, row("new")), Change.added(2L, row("x"))));
        assertThat(result.rejections()).extracting(Rejection::key).containsExactly(2L);
        assertThat(update.state()).containsOnlyKeys(1L);
        assertThat(update.state().get(1L)).containsEntry("name", "new");
    }

    @Test
    void failsAChosenBatchNTimesThenSucceeds() throws Exception {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT).failBatch(2, 2);
        List<Change> first = List.of(Change.added(1L, row("a")));
        List<Change> second = List.of(Change.added(2L, row("b")));
        d.write(first);
        assertThatThrownBy(() -> d.write(second)).isInstanceOf(IOException.class).hasMessageContaining("batch 2, attempt 1");
        assertThatThrownBy(() -> d.write(second)).isInstanceOf(IOException.class).hasMessageContaining("batch 2, attempt 2");
        assertThat(d.state()).containsOnlyKeys(1L);
        assertThat(d.write(second).allApplied()).isTrue();

        assertThat(d.state()).containsOnlyKeys(1L, 2L);
        assertThat(d.batches()).extracting(b -> b.number() + "/" + b.attempt() + (b.threw() ? " threw" : " ok"))
            .containsExactly("1/1 ok", "2/1 threw", "2/2 threw", "2/3 ok");
    }

    @Test
    void canApplyABatchAndThrowAnywayLikeATimeoutAfterCommit() throws Exception {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT).failBatchAfterApplying(1, 1);
        assertThatThrownBy(() -> d.write(List.of(Change.added(1L, row("a"))))).hasMessageContaining("after applying");
        assertThat(d.state()).containsOnlyKeys(1L);
    }

    @Test
    void rejectsChosenKeysWithoutApplyingThem() throws Exception {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT)
            .rejectKey(2L, "blocked")
            .rejectWhen(c -> "bad".equals(c.requireRow().get("name")) ? "bad name" : null);
        WriteResult result = d.write(List.of(Change.added(1L, row("ok")), Change.added(2L, row("ok")),
            Change.added(3L, row("bad"))));

        assertThat(result.rejections()).containsExactly(new Rejection(2L, "blocked"), new Rejection(3L, "bad name"));
        assertThat(d.state()).containsOnlyKeys(1L);
    }

    @Test
    void slowsWritesDown() throws Exception {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT).slowWrites(Duration.ofMillis(60));
        long start = System.nanoTime();
        d.write(List.of(Change.added(1L, row("a"))));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(60));
    }

    @Test
    void reportsBrokenPromisesOfTheLibrary() {
        RecordingDestination d = new RecordingDestination().mode(DestinationMode.UPSERT)
            .capabilities(DestinationCapabilities.all().withMaxBatchSize(2));
        assertThatThrownBy(() -> d.write(List.of(Change.added(1L, row("a")), Change.changed(1L, row("b")))))
            .isInstanceOf(DestinationException.class)
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
        assertThatThrownBy(() -> d.write(List.of(Change.removed(1L))))
            .isInstanceOf(DestinationException.class);

        assertThat(d.violations()).containsExactly("batch 1 holds key 1 twice",
            "batch 2 holds a REMOVED change of key 1, which mode UPSERT never sends");
        assertThat(d.batches()).extracting(RecordingDestination.Batch::outcome)
            .containsOnly(RecordingDestination.Outcome.BROKEN_PROMISE);
    }

    @Test
    void refusesToGuessTheModeWithoutOpen() {
        assertThatThrownBy(() -> new RecordingDestination().write(List.of(Change.added(1L, row("a")))))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("open it first");
    }
}
