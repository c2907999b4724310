package io.valmi.destinations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.valmi.Change;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Row;
import io.valmi.SyncContext;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real {@code kill -9} in the middle of a batch, and the next run on the file it left. */
class JsonLinesDestinationKillTest {
    private static final long KILL_AFTER_BYTES = 2L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theRunAfterAKilledWriteStartsOnItsOwnLine(@TempDir Path dir) throws Exception {
        Path torn = null;
        for (int attempt = 1; attempt <= 10 && torn == null; attempt++) {
            Path file = dir.resolve("attempt-" + attempt + ".jsonl");
            killWriterOnceItHasWritten(file);
            if (Files.size(file) > 0 && lastByte(file) != '\n') {
                torn = file;
            }
        }
        assertThat(torn).as("in 10 attempts, the kill never landed inside a line").isNotNull();
        long complete = completeLinesLength(torn);

        SyncContext context = new SyncContext("kill-test", "next-run", "test",
            Mapping.builder().key("id").map("v").destinationMode(DestinationMode.UPSERT).build(), 100);
        JsonLinesDestination next = JsonLinesDestination.toFile(torn);
        next.open(context);
        next.write(List.of(Change.added(-1L, Row.of(List.of("v"), "first of the next run")),
            Change.added(-2L, Row.of(List.of("v"), "second"))));
        next.close();

        String first = "{\"kind\":\"ADDED\",\"key\":-1,\"fields\":{\"v\":\"first of the next run\"}}";
        String second = "{\"kind\":\"ADDED\",\"key\":-2,\"fields\":{\"v\":\"second\"}}";
        List<String> lines = Files.readAllLines(torn, StandardCharsets.UTF_8);
        assertThat(lines).allSatisfy(line -> assertThat(JSON.readTree(line).get("kind").asText()).isEqualTo("ADDED"));
        assertThat(lines).endsWith(first, second);
        assertThat(Files.size(torn)).as("the complete lines before the kill are kept, the torn one is gone")
            .isEqualTo(complete + first.length() + second.length() + 2);
    }

    /** Starts a JVM that writes large batches to the file, and kills it with SIGKILL once the file is large enough. */
    private static void killWriterOnceItHasWritten(Path file) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            JsonLinesWriterProcess.class.getName(), file.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(file) && Files.size(file) > KILL_AFTER_BYTES)) {
                assertThat(child.isAlive()).as("the writer process ended by itself, exit code %s",
                    child.isAlive() ? null : child.exitValue()).isTrue();
                assertThat(System.nanoTime()).as("the writer wrote nothing in 60 s").isLessThan(deadline);
                Thread.sleep(1);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The length of the file up to and including its last line break. */
    private static long completeLinesLength(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        return end;
    }

    private static int lastByte(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(f.length() - 1);
            return f.read();
        }
    }
}
