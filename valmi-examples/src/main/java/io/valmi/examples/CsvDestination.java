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
import java.util.Base64;
import java.util.List;

/**
 * A custom destination in a few lines: appends each change as a CSV record (kind, key, fields) as RFC 4180 writes it,
 * with null (an empty field) told apart from the empty string ({@code ""}).
 */
// tag::destination[]
public record CsvDestination(Path file) implements Destination {
    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all(); // MIRROR too: REMOVED changes become lines as well
    }

    @Override
    public void open(SyncContext context) throws IOException {
        if (!Files.exists(file)) {
            StringBuilder header = new StringBuilder("kind,key");
            context.fields().forEach(name -> header.append(',').append(csv(name)));
            Files.writeString(file, header.append("\r\n"), StandardCharsets.UTF_8);
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
                w.write(line.append("\r\n").toString()); // RFC 4180 ends each record with CRLF
            }
        }
        return WriteResult.ok();
    }

    // RFC 4180: quote a field holding a comma, a quote, CR or LF, and double its quotes. null is an empty field,
    // the empty string is quoted (""), so a reader can tell them apart. Bytes as Base64, the rest as toString().
    private static String csv(Object value) {
        String s = value instanceof byte[] ? Base64.getEncoder().encodeToString((byte[]) value) : String.valueOf(value);
        boolean quote = s.isEmpty() || s.chars().anyMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n');
        return value == null ? "" : quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
// end::destination[]
