package io.valmi.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application that syncs its {@code customers} table into a CRM: the job is in
 * {@code application.yml}, the destination is the bean {@code crm}.
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
}
