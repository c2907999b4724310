package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The versions of valmi's dependencies this application runs with: the ones valmi was built with (Maven's own
 * resolution), or the ones Spring Boot manages. The expected versions come from pom.xml's profiles; the versions in
 * use are read from the jars the classes were loaded from.
 */
class VersionsTest {
    private static String jarOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
    }

    @Test
    void jooqJacksonAndPgjdbcAreTheVersionsTheBuildChose() throws Exception {
        String jooq = jarOf(org.jooq.DSLContext.class);
        String jackson = jarOf(com.fasterxml.jackson.databind.ObjectMapper.class);
        String pgjdbc = jarOf(org.postgresql.Driver.class);
        System.out.printf("Running with %s, %s, %s%n", jooq, jackson, pgjdbc);

        assertEquals("jooq-" + System.getProperty("expected.jooq.version") + ".jar", jooq);
        assertEquals("jackson-databind-" + System.getProperty("expected.jackson.version") + ".jar", jackson);
        assertEquals("postgresql-" + System.getProperty("expected.pgjdbc.version") + ".jar", pgjdbc);
    }
}
