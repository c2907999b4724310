package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No embedded server outlives the JVM that started it with {@link PostgresServer#shared()}: not when the JVM exits
 * normally, not when it ran the server under a class loader closed before the exit (as {@code mvn exec:java} does),
 * not when it is killed with SIGKILL (no shutdown hook runs then; the watchdog stops the server).
 */
class ServerLifetimeTest {

    private static Process start(String mode, Path out) throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"),
            "-Dvalmi.test.postgres.provider=embedded",
            "-Dvalmi.test.postgres.version=" + FixtureSettings.fromEnvironment().version()));
        for (String passed : new String[] {"maven.repo.local", "valmi.test.maven-repository"}) {
            if (System.getProperty(passed) != null) {
                command.add("-D" + passed + "=" + System.getProperty(passed));
            }
        }
        command.addAll(List.of(SharedServerChild.class.getName(), mode, out.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(out.resolveSibling("child.log").toFile()).start();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exit", "exec-java", "killed"})
    void noServerOutlivesItsJvm(String how, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("started");
        Path log = dir.resolve("child.log");
        Process child = start(how, out);
        List<ProcessHandle> server = new ArrayList<>();
        Path data;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(out)) {
                assertThat(child.isAlive() || Files.exists(out)).as("the child runs: %s", log).isTrue();
                assertThat(System.nanoTime()).as("the child's server starts: %s", log).isLessThan(deadline);
                Thread.sleep(20);
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            data = Path.of(lines.get(0));
            ProcessHandle.of(Long.parseLong(lines.get(1))).ifPresent(postmaster -> {
                server.add(postmaster);
                server.addAll(postmaster.descendants().toList());
            });
            assertThat(server).as("the postmaster runs while its JVM does").isNotEmpty();
            assertThat(server.get(0).isAlive()).as("the postmaster runs while its JVM does").isTrue();
            if (how.equals("killed")) {
                child.destroyForcibly();
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ends: %s", log).isTrue();
            if (how.equals("killed")) {
                assertThat(child.exitValue()).as("killed, not ended").isNotZero();
            } else {
                assertThat(child.exitValue()).as("a normal exit: %s", log).isZero();
            }
        } finally {
            child.destroyForcibly();
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.stream().anyMatch(ProcessHandle::isAlive) || Files.exists(data)) {
            if (System.nanoTime() > deadline) {
                List<ProcessHandle> survivors = server.stream().filter(ProcessHandle::isAlive).toList();
                // Leave nothing behind for the next test, then fail.
                survivors.forEach(ProcessHandle::destroyForcibly);
                assertThat(survivors).as("no server process outlives its JVM (%s): %s", how, log).isEmpty();
                assertThat(data).as("its data directory is deleted (%s): %s", how, log).doesNotExist();
            }
            Thread.sleep(50);
        }
        assertThat(server).noneMatch(ProcessHandle::isAlive);
        assertThat(data).doesNotExist();
    }
}
