package io.valmi.destinations;

import com.fasterxml.jackson.core.JsonGenerator;
import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Appends every change as one JSON object on its own line (<a href="https://jsonlines.org">JSON Lines</a>), to a
 * file or to a stream:
 *
 * <pre>
 * {"kind":"ADDED","key":1,"fields":{"email":"ada@example.com","balance":12.50,"seen_at":"2024-05-01T10:15:30.123456Z"}}
 * {"kind":"REMOVED","key":2}
 * </pre>
 *
 * <p>{@code kind} is the {@link io.valmi.ChangeKind}; {@code fields} (absent for {@code REMOVED}) holds the mapped
 * fields in mapping order, {@code null} for SQL NULL. Values are rendered without loss:
 * <table>
 *   <caption>JSON rendering of values</caption>
 *   <tr><th>Java value</th><th>JSON</th></tr>
 *   <tr><td>{@code Integer}, {@code Long}, {@code BigDecimal}</td><td>number, all digits, never in exponent
 *       notation ({@code 12.50} keeps its scale); read it back as a decimal, not a double</td></tr>
 *   <tr><td>{@code Float}, {@code Double}</td><td>number, the shortest text that reads back as the same value;
 *       {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} as strings (JSON has no such numbers)</td></tr>
 *   <tr><td>{@code Boolean}, {@code String}</td><td>boolean, string (JSON text such as a {@code jsonb} column stays a
 *       string)</td></tr>
 *   <tr><td>{@code OffsetDateTime}, {@code LocalDateTime}, {@code LocalDate}, {@code LocalTime},
 *       {@code OffsetTime}</td><td>ISO-8601 string, e.g. {@code "2024-05-01T10:15:30.123456Z"},
 *       {@code "2024-05-01T10:15:30"}, {@code "2024-05-01"}</td></tr>
 *   <tr><td>{@code UUID}</td><td>string</td></tr>
 *   <tr><td>{@code byte[]}</td><td>Base64 string</td></tr>
 *   <tr><td>{@code List}</td><td>array, elements rendered by the same rules</td></tr>
 * </table>
 *
 * <p>Each batch is written and flushed before {@link #write(List)} returns, and for a file also forced to disk
 * (unless {@link #withoutFsync()}); a batch that fails half way is cut off the file again, so that the file never
 * holds half a line. A stream is flushed but never closed: it belongs to the caller.
 *
 * <p>The file is a log of changes: a change delivered twice (at-least-once) appears twice. A reader applies the lines
 * in order by key (set the fields, or delete for {@code REMOVED}) and so ends with the state of the source. It
 * supports {@code UPSERT}, {@code INSERT} and {@code MIRROR}; not {@code UPDATE}, since a log cannot know which
 * records its reader holds.
 */
public final class JsonLinesDestination implements Destination {
    private static final DestinationCapabilities CAPABILITIES =
        DestinationCapabilities.of(DestinationMode.UPSERT, DestinationMode.INSERT, DestinationMode.MIRROR);

    private final @Nullable Path file;
    private final @Nullable OutputStream stream;
    private final boolean fsync;

    private @Nullable FileChannel channel;
    private @Nullable OutputStream out;

    private JsonLinesDestination(@Nullable Path file, @Nullable OutputStream stream, boolean fsync) {
        this.file = file;
        this.stream = stream;
        this.fsync = fsync;
    }

    /**
     * Appends to a file, creating it (not its directory) when missing; each batch is forced to disk.
     *
     * @param file the file
     * @return the destination
     */
    public static JsonLinesDestination toFile(Path file) {
        return new JsonLinesDestination(Objects.requireNonNull(file, "file"), null, true);
    }

    /**
     * Writes to a stream, flushing after each batch; the stream is never closed.
     *
     * @param stream the stream, for example {@code System.out}
     * @return the destination
     */
    public static JsonLinesDestination toStream(OutputStream stream) {
        return new JsonLinesDestination(null, Objects.requireNonNull(stream, "stream"), false);
    }

    /**
     * A copy that does not force each batch to disk: faster, but a batch acknowledged just before the machine
     * loses power may be missing from the file.
     *
     * @return a new destination
     */
    public JsonLinesDestination withoutFsync() {
        return new JsonLinesDestination(file, stream, false);
    }

    @Override
    public DestinationCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void open(SyncContext context) throws IOException {
        if (file == null) {
            out = stream;
            return;
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DestinationException("JSON Lines destination cannot open " + file + " for writing: " + e
                + ". Check that the directory exists and is writable", e, false);
        }
        out = null;
    }

    @Override
    public WriteResult write(List<Change> batch) throws IOException {
        FileChannel ch = channel;
        if (file == null) {
            OutputStream target = out;
            if (target == null) {
                throw new IllegalStateException("JsonLinesDestination.write was called before open(SyncContext)");
            }
            writeLines(target, batch);
            return WriteResult.ok();
        }
        if (ch == null) {
            throw new IllegalStateException("JsonLinesDestination.write was called before open(SyncContext)");
        }
        long start = ch.size();
        try {
            ch.position(start);
            OutputStream target = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
            writeLines(target, batch);
            if (fsync) {
                ch.force(false);
            }
        } catch (IOException | RuntimeException e) {
            try {
                ch.truncate(start);
            } catch (IOException truncateFailure) {
                e.addSuppressed(truncateFailure);
            }
            throw e;
        }
        return WriteResult.ok();
    }

    private static void writeLines(OutputStream target, List<Change> batch) throws IOException {
        try (JsonGenerator g = ChangeJson.FACTORY.createGenerator(target)) {
            for (Change change : batch) {
                ChangeJson.writeChange(g, change);
                g.writeRaw('\n');
            }
        }
        target.flush();
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        channel = null;
        out = null;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "JsonLinesDestination[" + (file != null ? file + (fsync ? "" : ", no fsync") : "stream") + "]";
    }
}
