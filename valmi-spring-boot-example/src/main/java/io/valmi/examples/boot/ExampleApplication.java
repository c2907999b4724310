package io.valmi.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application that syncs its {@code customers} table into a CRM, and each customer's number of orders
 * (a SQL query): the jobs are in {@code application.yml}, the destinations are the beans {@code crm} and
 * {@code orderCounts}.
 */
@SpringBootApplication
public class ExampleApplication {

    /**
     * Starts the application.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }

    /**
     * The destination of {@code valmi.jobs.customers}: named by its bean name.
     *
     * @return the CRM
     */
    @Bean
    InMemoryCrm crm() {
        return new InMemoryCrm();
    }

    /**
     * The destination of {@code valmi.jobs.order-counts}, a job that reads a SQL query.
     *
     * @return the CRM's order counts
     */
    @Bean
    InMemoryCrm orderCounts() {
        return new InMemoryCrm();
    }
}
