package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jOOQ logs its ASCII logo and a "tip of the day" at INFO (logger {@code org.jooq.Constants}) the first time anything
 * renders SQL in a JVM. The library's own use of jOOQ must not put them into its users' logs, nor change what the
 * application's own jOOQ does. Each case is a sync in a JVM of its own ({@link JooqBannerRun}), logging at INFO to its
 * output, which is read back here.
 */
@WithPostgres
class JooqBannerTest {
    private static final String LOGO = "@@@@@@@@@@@@@@@@@@@@";
    private static final String THANKS = "Thank you for using jOOQ";
    private static final String TIP = "jOOQ tip of the day";

    @BeforeAll
    static void table(TestDatabase db) {
        db.execute("create table banner (id int primary key, v text)",
            "insert into banner select g, 'v' || g from generate_series(1, 5) g");
    }

    private static String run(TestDatabase db, Path dir, String mode) throws IOException, InterruptedException {
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, "<configuration><appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">"
            + "<encoder><pattern>%level %logger - %msg%n</pattern></encoder></appender>"
            + "<root level=\"INFO\"><appender-ref ref=\"OUT\"/></root></configuration>");
        Path log = dir.resolve(mode + ".log");
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process process = new ProcessBuilder(java, "-Dlogback.configurationFile=" + logback,
            "-cp", System.getProperty("java.class.path"), JooqBannerRun.class.getName(), mode,
            db.jdbcUrl(), db.user(), db.password() == null ? "-" : db.password(), "banner")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void aRunLogsNeitherJooqsLogoNorItsTipAndLeavesJooqsPropertiesUnset(TestDatabase db, @TempDir Path dir)
        throws Exception {
        String output = run(db, dir, "valmi-only");

        assertThat(output).contains("STATUS SUCCEEDED 5").contains("INFO io.valmi")
            .doesNotContain(LOGO).doesNotContain(THANKS).doesNotContain(TIP).doesNotContain("org.jooq.Constants")
            .contains("PROPERTIES null null");
    }

    @Test
    void anApplicationWhoseOwnJooqRendersFirstStillGetsJooqsBanner(TestDatabase db, @TempDir Path dir)
        throws Exception {
        // Also shows that the other case would see the banner if it were logged.
        String output = run(db, dir, "application-first");

        assertThat(output).contains("STATUS SUCCEEDED 5").contains(LOGO).contains(THANKS).contains(TIP)
            .contains("PROPERTIES null null");
    }
}
