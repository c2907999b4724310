package io.valmi.spring.boot;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot's Actuator: the health indicator {@code valmi} ({@code management.health.valmi.enabled}) and the
 * endpoint {@code valmi} ({@code management.endpoint.valmi.access}, exposed like any other endpoint).
 */
@AutoConfiguration(after = ValmiAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthIndicator",
    "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
@ConditionalOnBean(ValmiJobs.class)
public class ValmiActuatorAutoConfiguration {

    /** The auto-configuration; Spring Boot creates it. */
    public ValmiActuatorAutoConfiguration() {
    }

    /**
     * The health of the sync jobs.
     *
     * @param jobs the jobs
     * @param properties the settings
     * @return the indicator
     */
    @Bean
    @ConditionalOnEnabledHealthIndicator("valmi")
    @ConditionalOnMissingBean(name = "valmiHealthIndicator")
    public ValmiHealthIndicator valmiHealthIndicator(ValmiJobs jobs, ValmiProperties properties) {
        ValmiProperties.Health health = properties.getHealth();
        return new ValmiHealthIndicator(jobs, new Status(health.getFailedStatus().toUpperCase(java.util.Locale.ROOT)),
            new Status(health.getLateStatus().toUpperCase(java.util.Locale.ROOT)));
    }

    /**
     * The endpoint {@code valmi}.
     *
     * @param jobs the jobs
     * @return the endpoint
     */
    @Bean
    @ConditionalOnAvailableEndpoint
    @ConditionalOnMissingBean
    public ValmiEndpoint valmiEndpoint(ValmiJobs jobs) {
        return new ValmiEndpoint(jobs);
    }
}
