package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class ListenerAndMdcTest {

    @Test
    void eventsArriveInOrderWithCorrectCounts() {
        List<String> events = new ArrayList<>();
        SyncListener listener = new SyncListener() {
            @Override
            public void runStarted(SyncContext context) {
                events.add("started " + context.jobId());
            }

            @Override
            public void planned(SyncContext context, Plan plan) {
                events.add("planned " + plan.count(ChangeKind.ADDED));
            }

            @Override
            public void batchDelivered(SyncContext context, Progress progress) {
                events.add("batch " + progress.batches() + " " + progress.delivered() + "/" + progress.toSend());
            }

            @Override
            public void runFinished(SyncResult result) {
                events.add("finished " + result.status() + " " + result.counts().delivered());
            }
        };
        SyncListener throwing = new SyncListener() {
            @Override
            public void planned(SyncContext context, Plan plan) {
                throw new IllegalStateException("listener bug");
            }
        };
        InMemorySource source = new InMemorySource("id", "name").rows(5);
        SyncJob job = SyncJob.builder("listened").source(source).destination(new ScriptedDestination())
            .mapping(Mapping.builder().key("id").map("name").sourceMode(SourceMode.INCREMENTAL).build())
            .batchSize(2).build();

        SyncResult result = SyncRunner.builder().listener(throwing).listener(listener).build().run(job).orThrow();

        assertThat(events).containsExactly("started listened", "planned 5", "batch 1 2/5", "batch 2 4/5",
            "batch 3 5/5", "finished SUCCEEDED 5");
        assertThat(result.jobId()).isEqualTo("listened");
    }

    @Test
    void mdcHoldsJobAndRunIdDuringTheRunAndIsRestoredAfter() {
        MDC.put("valmi.job", "outer");
        ScriptedDestination destination = new ScriptedDestination();
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        SyncJob job = SyncJob.builder("mdc-job").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("name").build()).batchSize(1).build();

        SyncResult result = SyncRunner.create().run(job).orThrow();

        assertThat(destination.mdcSeen).hasSize(3)
            .allSatisfy(m -> {
                assertThat(m.get("job")).isEqualTo("mdc-job");
                assertThat(m.get("run")).isEqualTo(result.runId());
            });
        assertThat(MDC.get("valmi.job")).isEqualTo("outer");
        assertThat(MDC.get("valmi.run")).isNull();
        MDC.clear();
    }

    @Test
    void runFinishedGetsTheRunsContextAndTheOldMethodStillHearsIt() {
        List<String> events = new ArrayList<>();
        SyncListener withContext = new SyncListener() {
            @Override
            public void runFinished(SyncContext context, SyncResult result) {
                events.add(context.jobId() + " " + context.runId().equals(result.runId()) + " " + context.batchSize());
            }
        };
        SyncListener old = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                events.add("old " + result.status());
            }
        };
        SyncJob job = SyncJob.builder("ctx").source(new InMemorySource("id", "name").rows(3))
            .destination(batch -> WriteResult.ok()).mapping(Mapping.builder().key("id").map("name").build())
            .batchSize(2).build();

        SyncRunner.builder().listener(withContext).listener(old).build().run(job);

        assertThat(events).containsExactly("ctx true 2", "old SUCCEEDED");
    }
}
