package io.valmi.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.GlobalObservationConvention;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Runs observed through an {@link ObservationRegistry}: the observation, its key values, and the meters it makes. */
class ObservationTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry observations = ObservationRegistry.create();
    private final List<SyncRunObservationContext> stopped = new CopyOnWriteArrayList<>();

    ObservationTest() {
        observations.observationConfig()
            .observationHandler(new DefaultMeterObservationHandler(meters))
            .observationHandler(new ObservationHandler<SyncRunObservationContext>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return context instanceof SyncRunObservationContext;
                }

                @Override
                public void onStop(SyncRunObservationContext context) {
                    stopped.add(context);
                }
            });
    }

    private static SyncJob job(MemorySource source, ScriptedDestination destination, boolean isolateFailures) {
        return SyncJob.builder("customers").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("email").sourceMode(SourceMode.INCREMENTAL)
                .destinationMode(DestinationMode.UPSERT).build())
            .isolateFailures(isolateFailures)
            .build();
    }

    /** A run with a rejection, then a failed one, of a new job. */
    private static List<SyncResult> runs(MicrometerSyncListener listener) {
        MemorySource source = new MemorySource().rows(5);
        ScriptedDestination destination = new ScriptedDestination();
        try (SyncRunner runner = SyncRunner.builder().listener(listener).build()) {
            destination.rejectKeys.add(2L);
            SyncResult first = runner.run(job(source, destination, true));
            source.table.put(1L, "changed@example.com");
            destination.failures.add(new DestinationException("401 for customer1@example.com", null, false));
            SyncResult second = runner.run(job(source, destination, false));
            return List.of(first, second);
        }
    }

    private static Set<String> ids(MeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId)
            .map(id -> id.getType() + " " + id.getName() + " " + id.getTags())
            .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theObservationMakesTheMetersTheListenerMakesWithoutIt() {
        List<SyncResult> observed = runs(MicrometerSyncListener.builder(meters).observationRegistry(observations)
            .build());
        SimpleMeterRegistry direct = new SimpleMeterRegistry();
        List<SyncResult> timed = runs(MicrometerSyncListener.create(direct));

        assertThat(observed).extracting(SyncResult::status).containsExactly(RunStatus.SUCCEEDED, RunStatus.FAILED);
        assertThat(timed).extracting(SyncResult::status).containsExactly(RunStatus.SUCCEEDED, RunStatus.FAILED);
        assertThat(ids(meters)).isEqualTo(ids(direct))
            .contains("TIMER valmi.sync.run [tag(destination.mode=upsert), tag(error=DestinationException),"
                + " tag(job.id=customers), tag(outcome=failed), tag(source.mode=incremental)]")
            .contains("LONG_TASK_TIMER valmi.sync.run.active [tag(destination.mode=upsert), tag(job.id=customers),"
                + " tag(source.mode=incremental)]");
        assertThat(meters.get("valmi.sync.run").tags("outcome", "succeeded", "error", "none").timer().count())
            .isEqualTo(1);
        assertThat(meters.get("valmi.sync.rows.rejected").counter().count()).isEqualTo(1);
    }

    @Test
    void theObservationCarriesTheRunIdOnlyAsAHighCardinalityKeyValue() {
        List<SyncResult> results = runs(MicrometerSyncListener.builder(meters).observationRegistry(observations)
            .tag("application", "crm-sync").build());

        assertThat(stopped).hasSize(2);
        SyncRunObservationContext first = stopped.get(0);
        assertThat(first.getName()).isEqualTo("valmi.sync.run");
        assertThat(first.getContextualName()).isEqualTo("sync customers");
        assertThat(first.getLowCardinalityKeyValues()).containsExactlyInAnyOrder(
            KeyValue.of("job.id", "customers"), KeyValue.of("source.mode", "incremental"),
            KeyValue.of("destination.mode", "upsert"), KeyValue.of("outcome", "succeeded"),
            KeyValue.of("application", "crm-sync"));
        assertThat(first.getHighCardinalityKeyValues()).containsExactly(KeyValue.of("run.id", results.get(0).runId()));
        assertThat(first.getResult()).isEqualTo(results.get(0));
        assertThat(first.getError()).isNull();
        SyncRunObservationContext second = stopped.get(1);
        assertThat(second.getLowCardinalityKeyValue("outcome")).isEqualTo(KeyValue.of("outcome", "failed"));
        assertThat(second.getError()).isSameAs(results.get(1).error());
        assertThat(meters.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags())
            .contains(Tag.of("application", "crm-sync"))
            .noneMatch(t -> t.getKey().equals("run.id") || results.stream().anyMatch(r -> r.runId().equals(t.getValue()))));
    }

    @Test
    void aRunInsideAnObservationIsItsChild() {
        MicrometerSyncListener listener = MicrometerSyncListener.builder(meters).observationRegistry(observations)
            .build();
        Observation parent = Observation.start("nightly.batch", observations);
        try (SyncRunner runner = SyncRunner.builder().listener(listener).build();
             Observation.Scope scope = parent.openScope()) {
            runner.run(job(new MemorySource().rows(5), new ScriptedDestination(), true));
        } finally {
            parent.stop();
        }

        assertThat(stopped).singleElement()
            .satisfies(c -> assertThat(c.getParentObservation()).isSameAs(parent));
    }

    @Test
    void aConventionOfTheApplicationNamesTheKeyValues() {
        SyncRunObservationConvention withTeam = new DefaultSyncRunObservationConvention() {
            @Override
            public KeyValues getLowCardinalityKeyValues(SyncRunObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("team", "growth");
            }
        };
        runs(MicrometerSyncListener.builder(meters).observationRegistry(observations)
            .observationConvention(withTeam).build());

        assertThat(meters.get("valmi.sync.run").tags("team", "growth", "outcome", "succeeded").timer().count())
            .isEqualTo(1);
    }

    @Test
    void aGlobalConventionOfTheRegistryApplies() {
        class Renamed extends DefaultSyncRunObservationConvention
            implements GlobalObservationConvention<SyncRunObservationContext> {
            @Override
            public String getName() {
                return "reverse.etl.run";
            }
        }
        observations.observationConfig().observationConvention(new Renamed());

        runs(MicrometerSyncListener.builder(meters).observationRegistry(observations).build());

        assertThat(meters.get("reverse.etl.run").tags("job.id", "customers").timers()).hasSize(2);
        assertThat(meters.find("valmi.sync.run").meters()).isEmpty();
    }
}
