package io.valmi.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.valmi.Mapping;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import org.junit.jupiter.api.Test;

/** The README's "Metrics (Micrometer)" block (ReadmeTest in valmi-examples checks that README shows it as it is). */
class ReadmeExampleTest {

    @Test
    void wiring() {
        MeterRegistry meterRegistry = new SimpleMeterRegistry();
        ObservationRegistry observationRegistry = ObservationRegistry.create();
        observationRegistry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meterRegistry));

        // tag::metrics[]
        MicrometerSyncListener metrics = MicrometerSyncListener.builder(meterRegistry)   // in Spring Boot, inject both
            .observationRegistry(observationRegistry)   // optional: each run an observation (a span with tracing)
            .build();
        SyncRunner runner = SyncRunner.builder().listener(metrics).build();
        // end::metrics[]
        // tag::metrics-cap[]
        meterRegistry.config().meterFilter(   // before the first run: no valmi meters for job ids after the 500th
            MeterFilter.maximumAllowableTags("valmi.sync", "job.id", 500, MeterFilter.deny()));
        // end::metrics-cap[]

        try (runner) {
            runner.run(SyncJob.builder("customers").source(new MemorySource().rows(3))
                .destination(new ScriptedDestination())
                .mapping(Mapping.builder().key("id").map("email").build()).build());
        }
        assertThat(meterRegistry.get("valmi.sync.run").tags("job.id", "customers", "outcome", "succeeded").timer()
            .count()).isEqualTo(1);
        assertThat(meterRegistry.get("valmi.sync.rows.delivered").tags("kind", "added").counter().count())
            .isEqualTo(3);
    }
}
