package io.valmi.destinations;

import io.valmi.Change;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Row;
import io.valmi.SyncContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link JsonLinesDestinationKillTest}: appends large batches to a JSON Lines file until it is
 * killed (or, should nobody kill it, for at most a minute).
 */
final class JsonLinesWriterProcess {
    private JsonLinesWriterProcess() {
    }

    /**
     * Writes batches of eight changes, each with a value of about half a megabyte, so that most of the time is spent
     * inside a line.
     *
     * @param args the file
     * @throws Exception when writing fails
     */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        SyncContext context = new SyncContext("kill-test", "child", "test",
            Mapping.builder().key("id").map("v").destinationMode(DestinationMode.UPSERT).build(), 100);
        String big = "x".repeat(512 * 1024);
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonLinesDestination destination = JsonLinesDestination.toFile(file).withoutFsync();
        destination.open(context);
        long key = 0;
        while (System.nanoTime() < deadline) {
            List<Change> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                key++;
                batch.add(Change.added(key, Row.of(List.of("v"), big + key)));
            }
            destination.write(batch);
        }
        destination.close();
    }
}
