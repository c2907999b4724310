package io.valmi.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.spring.boot.ValmiJobs;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Boots the example application against the test fixtures' PostgreSQL: the jobs of application.yml (a table's and a
 * query's) run at start (their schedule's first time), the rows arrive in the CRM beans, and /actuator/health and
 * /actuator/valmi show it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ExampleApplicationTest {
    private static final TestDatabase DB = PostgresServer.shared().createDatabase("boot_example");

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DB.execute("create table customers (id int primary key, email text, full_name text)",
            "insert into customers values (1, 'ann@example.com', 'Ann'), (2, 'bob@example.com', 'Bob')",
            "create table orders (id int primary key, customer_id int)",
            "insert into orders values (10, 1), (11, 1)");
        registry.add("spring.datasource.url", DB::jdbcUrl);
        registry.add("spring.datasource.username", DB::user);
        registry.add("spring.datasource.password", () -> DB.password() == null ? "" : DB.password());
    }

    @AfterAll
    static void dropDatabase() {
        DB.close();
    }

    @Autowired
    InMemoryCrm crm;

    @Autowired
    InMemoryCrm orderCounts;

    @Autowired
    ValmiJobs jobs;

    @Autowired
    TestRestTemplate http;

    @Test
    void theScheduledJobDeliversAndTheActuatorShowsIt() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (jobs.lastRun("customers").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(jobs.lastRun("customers")).hasValueSatisfying(r -> assertThat(r.succeeded()).isTrue());
        assertThat(crm.contacts()).containsOnlyKeys(1, 2);
        assertThat(crm.contacts().get(1).get("name")).isEqualTo("Ann");

        ResponseEntity<String> health = http.getForEntity("/actuator/health/valmi", String.class);
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody()).startsWith("{\"status\":\"UP\"").contains("\"customers\":{")
            .contains("\"lastRun\":\"SUCCEEDED\"");

        ResponseEntity<String> valmi = http.getForEntity("/actuator/valmi", String.class);
        assertThat(valmi.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(valmi.getBody()).contains("\"id\":\"customers\"").contains("\"status\":\"SUCCEEDED\"")
            .contains("\"delivered\":2").contains("public.customers");

        DB.execute("update customers set full_name = 'Ann B.' where id = 1");
        ResponseEntity<String> trigger = http.postForEntity("/actuator/valmi/customers", null, String.class);
        assertThat(trigger.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(trigger.getBody()).contains("\"started\":true");
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"Ann B.".equals(crm.contacts().get(1).get("name")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(crm.contacts().get(1).get("name")).isEqualTo("Ann B.");

        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (jobs.lastRun("order-counts").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(jobs.lastRun("order-counts")).hasValueSatisfying(r -> assertThat(r.succeeded()).isTrue());
        assertThat(orderCounts.contacts()).containsOnlyKeys(1, 2);
        assertThat(orderCounts.contacts().get(1).get("order_count")).isEqualTo(2L);
        assertThat(orderCounts.contacts().get(2).get("order_count")).isEqualTo(0L);

        ResponseEntity<String> metrics = http.getForEntity("/actuator/metrics/valmi.sync.rows.delivered", String.class);
        assertThat(metrics.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(metrics.getBody()).contains("job.id");
    }
}
