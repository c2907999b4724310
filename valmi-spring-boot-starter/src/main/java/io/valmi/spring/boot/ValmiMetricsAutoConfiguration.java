package io.valmi.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.valmi.micrometer.MicrometerSyncListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * With valmi-micrometer on the class path and a {@link MeterRegistry} bean (Spring Boot's Actuator makes one): a
 * {@link MicrometerSyncListener}, which {@link ValmiAutoConfiguration} adds to the runner like every listener bean;
 * with an {@link ObservationRegistry} bean, each run is an observation.
 */
@AutoConfiguration(before = ValmiAutoConfiguration.class, afterName = {
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration"})
@ConditionalOnClass({MicrometerSyncListener.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "valmi", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ValmiMetricsAutoConfiguration {

    /** The auto-configuration; Spring Boot creates it. */
    public ValmiMetricsAutoConfiguration() {
    }

    /**
     * The metrics listener.
     *
     * @param registry the application's registry
     * @param observations the application's observation registry, if any
     * @return the listener
     */
    @Bean
    @ConditionalOnMissingBean
    public MicrometerSyncListener valmiMetrics(MeterRegistry registry, ObjectProvider<ObservationRegistry> observations) {
        MicrometerSyncListener.Builder builder = MicrometerSyncListener.builder(registry);
        ObservationRegistry observationRegistry = observations.getIfUnique();
        if (observationRegistry != null && !observationRegistry.isNoop()) {
            builder.observationRegistry(observationRegistry);
        }
        return builder.build();
    }
}
