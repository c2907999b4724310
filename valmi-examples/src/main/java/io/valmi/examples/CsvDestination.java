package io.valmi.examples;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** A custom destination in a few lines: appends each change as a CSV line (kind, key, fields). */
// tag::destination[]
public final class CsvDestination implements Destination {
    private final Path file;

    public CsvDestination(Path file) {
        this.file = file;
    }

    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all(); // MIRROR too: REMOVED changes become lines as well
    }

    @Override
    public void open(SyncContext context) throws IOException {
        if (!Files.exists(file)) {
            Files.writeString(file, "kind,key," + String.join(",", context.fields()) + "\n", StandardCharsets.UTF_8);
        }
    }

    @Override
    public WriteResult write(List<Change> batch) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (Change change : batch) {
                StringBuilder line = new StringBuilder(change.kind() + "," + csv(change.key()));
                for (int i = 0; change.row() != null && i < change.row().size(); i++) {
                    line.append(',').append(csv(change.row().get(i)));
                }
                w.write(line.append('\n').toString());
            }
        }
        return WriteResult.ok();
    }

    private static String csv(Object value) {
        String s = value == null ? "" : value.toString();
        return s.matches(".*[,\"\n].*") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
// end::destination[]
