package io.valmi.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationException;
import io.valmi.RunStatus;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.testing.RecordingDestination;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Jobs from properties run on a real PostgreSQL: scheduled, triggered, seen by listeners, health and endpoint. */
@WithPostgres
class ValmiJobsPostgresTest {

    /** Each test with a bookkeeping schema of its own: the job's state starts empty. */
    private static ApplicationContextRunner runner(TestDatabase db, String bookkeepingSchema) {
        db.execute("create table if not exists customers (id int primary key, email text)",
            "insert into customers values (1, 'a@example.com'), (2, 'b@example.com') on conflict do nothing");
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValmiAutoConfiguration.class,
                ValmiActuatorAutoConfiguration.class))
            .withBean("dataSource", javax.sql.DataSource.class, db::dataSource)
            .withPropertyValues("management.endpoints.web.exposure.include=valmi",
                "valmi.bookkeeping-schema=" + bookkeepingSchema,
                "valmi.jobs.customers.source=public.customers",
                "valmi.jobs.customers.key=id",
                "valmi.jobs.customers.mapping.email=email",
                "valmi.jobs.customers.source-mode=incremental",
                "valmi.jobs.customers.destination=crm");
    }

    @Test
    void aScheduledJobRunsAndTheHealthAndEndpointShowIt(TestDatabase db) throws Exception {
        RecordingDestination crm = new RecordingDestination();
        List<SyncResult> heard = new CopyOnWriteArrayList<>();
        SyncListener listener = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                heard.add(result);
            }
        };
        runner(db, "scheduled").withBean("crm", RecordingDestination.class, () -> crm)
            .withBean("listener", SyncListener.class, () -> listener)
            .withPropertyValues("valmi.jobs.customers.schedule.every=1h")
            .run(context -> {
                assertThat(context).hasNotFailed();
                ValmiJobs jobs = context.getBean(ValmiJobs.class);
                await(() -> jobs.lastRun("customers").isPresent());
                assertThat(jobs.lastRun("customers").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(crm.rows()).containsOnlyKeys(1, 2);
                assertThat(heard).extracting(SyncResult::jobId).containsExactly("customers");

                Health health = context.getBean(ValmiHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> details = (Map<String, Map<String, Object>>) health.getDetails()
                    .get("jobs");
                assertThat(details.get("customers")).containsEntry("lastRun", "SUCCEEDED")
                    .containsEntry("status", "UP");

                ValmiEndpoint endpoint = context.getBean(ValmiEndpoint.class);
                ValmiEndpoint.Job job = endpoint.jobs().jobs().get(0);
                assertThat(job.id()).isEqualTo("customers");
                assertThat(job.schedule()).contains("PT1H");
                assertThat(job.nextRunAt()).isNotNull();
                assertThat(job.lastRun()).isNotNull();
                assertThat(job.lastRun().status()).isEqualTo("SUCCEEDED");
                assertThat(job.lastRun().counts().delivered()).isEqualTo(2);

                db.execute("insert into customers values (3, 'c@example.com')");
                String firstRun = job.lastRun().runId();
                ValmiEndpoint.Trigger trigger = endpoint.trigger("customers");
                assertThat(trigger).isNotNull();
                assertThat(trigger.started()).isTrue();
                await(() -> !jobs.lastRun("customers").orElseThrow().runId().equals(firstRun));
                assertThat(crm.rows()).containsOnlyKeys(1, 2, 3);
                assertThat(endpoint.job("customers").lastRun().counts().delivered()).isEqualTo(1);
                assertThat(endpoint.job("nope")).isNull();
                assertThat(endpoint.trigger("nope")).isNull();
            });
    }

    @Test
    void aJobWithoutScheduleRunsWhenTriggered(TestDatabase db) throws Exception {
        RecordingDestination crm = new RecordingDestination();
        runner(db, "triggered").withBean("crm", RecordingDestination.class, () -> crm).run(context -> {
            ValmiJobs jobs = context.getBean(ValmiJobs.class);
            Thread.sleep(300);
            assertThat(jobs.lastRun("customers")).isEmpty();
            assertThat(jobs.triggerNow("customers")).isTrue();
            await(() -> jobs.lastRun("customers").isPresent());
            assertThat(crm.rows()).containsOnlyKeys(1, 2);
        });
    }

    @Test
    void aJobFromAQueryRunsAndDelivers(TestDatabase db) throws Exception {
        db.execute("create table if not exists customers (id int primary key, email text)",
            "insert into customers values (1, 'a@example.com'), (2, 'b@example.com') on conflict do nothing",
            "create table if not exists orders (id int primary key, customer_id int, amount numeric)",
            "insert into orders values (1, 1, 10.5), (2, 1, 4.5), (3, 2, 7) on conflict do nothing");
        RecordingDestination crm = new RecordingDestination();
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValmiAutoConfiguration.class))
            .withBean("dataSource", javax.sql.DataSource.class, db::dataSource)
            .withBean("crm", RecordingDestination.class, () -> crm)
            .withPropertyValues("valmi.bookkeeping-schema=query_job",
                "valmi.jobs.customer-totals.query=SELECT c.id, c.email, sum(o.amount) AS lifetime_value"
                    + " FROM public.customers c JOIN public.orders o ON o.customer_id = c.id GROUP BY c.id, c.email",
                "valmi.jobs.customer-totals.key=id",
                "valmi.jobs.customer-totals.mapping.email=",
                "valmi.jobs.customer-totals.mapping.lifetime_value=ltv",
                "valmi.jobs.customer-totals.destination=crm")
            .run(context -> {
                assertThat(context).hasNotFailed();
                ValmiJobs jobs = context.getBean(ValmiJobs.class);
                assertThat(jobs.triggerNow("customer-totals")).isTrue();
                await(() -> jobs.lastRun("customer-totals").isPresent());
                SyncResult result = jobs.lastRun("customer-totals").orElseThrow();
                assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(result.counts().delivered()).isEqualTo(2);
                assertThat(jobs.jobs().get(0).job().source().description())
                    .isEqualTo("postgres:datasource:query:customer-totals");
                assertThat(crm.state()).containsOnlyKeys(1, 2);
                assertThat(crm.state().get(1)).containsEntry("email", "a@example.com")
                    .containsEntry("ltv", new java.math.BigDecimal("15.0"));
                assertThat(crm.state().get(2)).containsEntry("ltv", new java.math.BigDecimal("7"));
            });
    }

    @Test
    void aFailingJobMakesTheHealthDown(TestDatabase db) throws Exception {
        Destination broken = new Destination() {
            @Override
            public WriteResult write(List<Change> batch) {
                throw new DestinationException("CRM refuses every write: invalid API key", null, false);
            }
        };
        runner(db, "failing").withBean("crm", Destination.class, () -> broken)
            .withPropertyValues("valmi.jobs.customers.schedule.every=1h")
            .run(context -> {
                ValmiJobs jobs = context.getBean(ValmiJobs.class);
                await(() -> jobs.lastRun("customers").isPresent());
                Health health = context.getBean(ValmiHealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(health.getDetails()).containsEntry("failing", 1);
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> details = (Map<String, Map<String, Object>>) health.getDetails()
                    .get("jobs");
                assertThat(details.get("customers")).containsEntry("status", "DOWN")
                    .containsEntry("lastRun", "FAILED");
                assertThat((String) details.get("customers").get("error")).contains("invalid API key");
                assertThat(context.getBean(ValmiEndpoint.class).job("customers").failing()).isTrue();
            });
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            Thread.sleep(50);
        }
    }
}
