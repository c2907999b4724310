package io.valmi.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.valmi.DestinationMode;
import io.valmi.FieldMapping;
import io.valmi.Mapping;
import io.valmi.Schedule;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.SyncScheduler;
import io.valmi.dbscheduler.ClusterSyncScheduler;
import io.valmi.micrometer.MicrometerSyncListener;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.RecordingDestination;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which beans the auto-configuration makes, by class path and properties; jobs from properties. No database. */
class ValmiAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ValmiMetricsAutoConfiguration.class, ValmiAutoConfiguration.class,
            ValmiActuatorAutoConfiguration.class))
        .withUserConfiguration(Application.class);

    @Configuration(proxyBeanMethods = false)
    static class Application {
        @Bean
        DataSource dataSource() {
            // Never connected here: building a source does not connect.
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setServerNames(new String[] {"localhost"});
            return ds;
        }

        @Bean
        RecordingDestination crm() {
            return new RecordingDestination();
        }
    }

    @Test
    void aRunnerALocalSchedulerAndTheJobsByDefault() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(SyncRunner.class).hasSingleBean(SyncScheduler.class)
                .hasSingleBean(ValmiJobs.class).doesNotHaveBean(ClusterSyncScheduler.class);
            assertThat(context.getBean(ValmiJobs.class).jobs()).isEmpty();
            assertThat(context.getBean(ValmiJobs.class).isRunning()).isTrue();
        });
    }

    @Test
    void nothingWhenDisabled() {
        runner.withPropertyValues("valmi.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(SyncRunner.class).doesNotHaveBean(ValmiJobs.class)
                .doesNotHaveBean(ValmiHealthIndicator.class).doesNotHaveBean(ValmiEndpoint.class);
        });
    }

    @Test
    void theApplicationsOwnRunnerIsUsed() {
        SyncRunner own = SyncRunner.create();
        runner.withBean("ownRunner", SyncRunner.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(SyncRunner.class);
            assertThat(context.getBean(SyncRunner.class)).isSameAs(own);
        });
    }

    @Test
    void aJobFromProperties() {
        runner.withPropertyValues(
                "valmi.bookkeeping-schema=valmi_state",
                "valmi.jobs.customers.source=sales.customers",
                "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email",
                "valmi.jobs.customers.mapping.full_name=name",
                "valmi.jobs.customers.source-mode=incremental",
                "valmi.jobs.customers.destination-mode=mirror",
                "valmi.jobs.customers.destination=crm",
                "valmi.jobs.customers.batch-size=250",
                "valmi.jobs.customers.concurrency=4",
                "valmi.jobs.customers.max-removed-fraction=0.2",
                "valmi.jobs.customers.allow-empty-source=true",
                "valmi.jobs.customers.schedule.cron=0 2 * * 1-5",
                "valmi.jobs.customers.schedule.zone=Europe/Berlin",
                "valmi.jobs.customers.schedule.jitter=30s",
                "valmi.jobs.orders.source=public.orders",
                "valmi.jobs.orders.key=order_id",
                "valmi.jobs.orders.mapping.total=",
                "valmi.jobs.orders.destination=crm",
                "valmi.jobs.orders.schedule.every=5m",
                "valmi.jobs.orders.schedule.initial-delay=1h")
            .run(context -> {
                assertThat(context).hasNotFailed();
                List<ScheduledSyncJob> jobs = context.getBean(ValmiJobs.class).jobs();
                assertThat(jobs).extracting(ScheduledSyncJob::id).containsExactly("customers", "orders");

                SyncJob customers = jobs.get(0).job();
                assertThat(customers.destination()).isSameAs(context.getBean("crm"));
                assertThat(customers.source()).isInstanceOf(PostgresSource.class);
                PostgresSource source = (PostgresSource) customers.source();
                assertThat(source.description()).contains("sales.customers");
                assertThat(source.bookkeepingSchema()).isEqualTo("valmi_state");
                Mapping mapping = customers.mapping();
                assertThat(mapping.keyColumn()).isEqualTo("id");
                assertThat(mapping.fields()).containsExactly(new FieldMapping("email", "email"),
                    new FieldMapping("full_name", "name"));
                assertThat(mapping.sourceMode()).isEqualTo(SourceMode.INCREMENTAL);
                assertThat(mapping.destinationMode()).isEqualTo(DestinationMode.MIRROR);
                assertThat(customers.options().batchSize()).isEqualTo(250);
                assertThat(customers.options().concurrency()).isEqualTo(4);
                assertThat(customers.options().maxRemovedFraction()).isEqualTo(0.2);
                assertThat(customers.options().allowEmptySource()).isTrue();
                assertThat(jobs.get(0).schedule()).isEqualTo(
                    Schedule.cron("0 2 * * 1-5", ZoneId.of("Europe/Berlin")).withJitter(Duration.ofSeconds(30)));

                SyncJob orders = jobs.get(1).job();
                assertThat(orders.mapping().fields()).containsExactly(new FieldMapping("total", "total"));
                assertThat(orders.mapping().sourceMode()).isEqualTo(SourceMode.FULL_TABLE);
                assertThat(orders.mapping().destinationMode()).isEqualTo(DestinationMode.UPSERT);
                assertThat(jobs.get(1).schedule()).isEqualTo(
                    Schedule.every(Duration.ofMinutes(5)).startingAfter(Duration.ofHours(1)));
            });
    }

    @Test
    void aJobBeanGetsItsScheduleFromProperties() {
        runner.withBean("customersJob", SyncJob.class, () -> SyncJob.builder("customers")
                .source(PostgresSource.builder().dataSource(new PGSimpleDataSource(), "db").table("public", "c").build())
                .destination(new RecordingDestination())
                .mapping(Mapping.builder().key("id").map("email").build())
                .build())
            .withBean("ordersJob", ScheduledSyncJob.class, () -> ScheduledSyncJob.of(SyncJob.builder("orders")
                .source(PostgresSource.builder().dataSource(new PGSimpleDataSource(), "db").table("public", "o").build())
                .destination(new RecordingDestination())
                .mapping(Mapping.builder().key("id").map("total").build())
                .build(), Schedule.every(Duration.ofHours(1))))
            .withPropertyValues("valmi.jobs.customers.schedule.every=10m")
            .run(context -> {
                assertThat(context).hasNotFailed();
                List<ScheduledSyncJob> jobs = context.getBean(ValmiJobs.class).jobs();
                assertThat(jobs).extracting(ScheduledSyncJob::id).containsExactly("orders", "customers");
                assertThat(jobs.get(1).schedule()).isEqualTo(Schedule.every(Duration.ofMinutes(10)));
            });
    }

    @Test
    void aMissingDestinationBeanIsNamed() {
        runner.withPropertyValues("valmi.jobs.customers.source=public.customers", "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email", "valmi.jobs.customers.destination=hubspot")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers.destination is 'hubspot'")
                .hasMessageContaining("[crm]"));
    }

    @Test
    void aSourceWithoutSchemaIsRefused() {
        runner.withPropertyValues("valmi.jobs.customers.source=customers", "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email", "valmi.jobs.customers.destination=crm")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers.source is 'customers': give it as schema.table"));
    }

    @Test
    void aJobFromAQuery() {
        runner.withPropertyValues("valmi.jobs.customer-totals.query=SELECT c.id, count(*) AS orders"
                    + " FROM public.customers c JOIN public.orders o ON o.customer_id = c.id GROUP BY c.id;",
                "valmi.jobs.customer-totals.key=id", "valmi.jobs.customer-totals.mapping.orders=",
                "valmi.jobs.customer-totals.destination=crm")
            .run(context -> {
                assertThat(context).hasNotFailed();
                SyncJob job = context.getBean(ValmiJobs.class).jobs().get(0).job();
                assertThat(job.source().description()).isEqualTo("postgres:datasource:query:customer-totals");
                assertThat(job.mapping().fields()).containsExactly(new FieldMapping("orders", "orders"));
            });
    }

    @Test
    void aSourceAndAQueryTogetherAreRefused() {
        runner.withPropertyValues("valmi.jobs.customers.source=public.customers",
                "valmi.jobs.customers.query=SELECT id, email FROM public.customers", "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email", "valmi.jobs.customers.destination=crm")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers has both a source (public.customers) and a query")
                .hasMessageContaining("keep valmi.jobs.customers.source for a table or view, or"
                    + " valmi.jobs.customers.query for a SELECT"));
    }

    @Test
    void neitherASourceNorAQueryIsRefused() {
        runner.withPropertyValues("valmi.jobs.customers.key=id", "valmi.jobs.customers.mapping.email=email",
                "valmi.jobs.customers.destination=crm")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers has neither a source nor a query")
                .hasMessageContaining("set valmi.jobs.customers.source to schema.table, or valmi.jobs.customers.query"
                    + " to a SELECT"));
    }

    @Test
    void aBlankQueryIsRefused() {
        runner.withPropertyValues("valmi.jobs.customers.query= ", "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email", "valmi.jobs.customers.destination=crm")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers.query is empty"));
    }

    @Test
    void aJobBeanAndAQueryOfTheSameIdAreRefused() {
        runner.withBean("customersJob", SyncJob.class, () -> SyncJob.builder("customers")
                .source(PostgresSource.builder().dataSource(new PGSimpleDataSource(), "db").table("public", "c").build())
                .destination(new RecordingDestination())
                .mapping(Mapping.builder().key("id").map("email").build())
                .build())
            .withPropertyValues("valmi.jobs.customers.query=SELECT id, email FROM public.customers")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("Sync job 'customers' is declared twice"));
    }

    @Test
    void cronAndEveryTogetherAreRefused() {
        runner.withPropertyValues("valmi.jobs.customers.source=public.customers", "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email", "valmi.jobs.customers.destination=crm",
                "valmi.jobs.customers.schedule.cron=0 2 * * *", "valmi.jobs.customers.schedule.every=1h")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("valmi.jobs.customers.schedule has both cron and every"));
    }

    @Test
    void healthIndicatorAndEndpointWithActuator() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=valmi").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(ValmiHealthIndicator.class).hasSingleBean(ValmiEndpoint.class);
            assertThat(context).hasBean("valmiHealthIndicator");
        });
    }

    @Test
    void noEndpointUnlessExposed() {
        runner.run(context -> assertThat(context).hasSingleBean(ValmiHealthIndicator.class)
            .doesNotHaveBean(ValmiEndpoint.class));
    }

    @Test
    void healthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.valmi.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(ValmiHealthIndicator.class));
    }

    @Test
    void noHealthIndicatorOrEndpointWithoutActuator() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
            .withPropertyValues("management.endpoints.web.exposure.include=valmi")
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).hasSingleBean(ValmiJobs.class).doesNotHaveBean(ValmiHealthIndicator.class)
                    .doesNotHaveBean(ValmiEndpoint.class);
            });
    }

    @Test
    void metricsWhenAMeterRegistryIsThere() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(MicrometerSyncListener.class);
        });
    }

    @Test
    void noMetricsWithoutAMeterRegistry() {
        runner.run(context -> assertThat(context).doesNotHaveBean(MicrometerSyncListener.class));
    }

    @Test
    void noMetricsWithoutValmiMicrometer() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withClassLoader(new FilteredClassLoader("io.valmi.micrometer"))
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(MicrometerSyncListener.class);
            });
    }

    @Test
    void theClusterSchedulerNeedsValmiDbScheduler() {
        runner.withClassLoader(new FilteredClassLoader("io.valmi.dbscheduler"))
            .withPropertyValues("valmi.scheduler.type=cluster")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("add io.valmi:valmi-db-scheduler"));
    }

    @Test
    void theClusterSchedulerNeedsAScheduledJob() {
        runner.withPropertyValues("valmi.scheduler.type=cluster")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("no job has a schedule"));
    }
}
