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
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * (unless {@link #withoutFsync()}; a file the destination creates has its directory entry forced too). A batch that
 * fails half way is cut off the file again. A process killed inside {@code write} (kill -9, power loss) cannot clean
 * up and may leave half a line at the end: {@link #open(SyncContext)} cuts the file back to its last complete line
 * (after its last {@code '\n'}) and logs at WARN how many bytes it cut, so the next run's first change starts on a
 * line of its own; the cut batch was never acknowledged and is sent again. The file is therefore valmi's to write:
 * a last line without a line break is taken as torn. A reader that follows the file while it is written should read
 * complete lines only. A stream is flushed but never closed: it belongs to the caller.
 *
 * <p>The file is a log of changes: a change delivered twice (at-least-once) appears twice. A reader applies the lines
 * in order by key (set the fields, or delete for {@code REMOVED}) and so ends with the state of the source. It
 * supports {@code UPSERT}, {@code INSERT} and {@code MIRROR}; not {@code UPDATE}, since a log cannot know which
 * records its reader holds.
 */
public final class JsonLinesDestination implements Destination {
    private static final Logger log = LoggerFactory.getLogger(JsonLinesDestination.class);
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
     * Appends to a file, creating it (not its directory) when missing; each batch is forced to disk. An incomplete
     * last line, left by a process killed while writing, is cut off when a run opens the file.
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
        boolean created = !Files.exists(file);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DestinationException("JSON Lines destination cannot open " + file + " for reading and writing: "
                + e + ". Check that the directory exists and the file is readable and writable", e, false);
        }
        try {
            cutTornLastLine(ch);
            if (fsync && created) {
                forceDirectory(file);
            }
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        channel = ch;
        out = null;
    }

    /**
     * Cuts the file back to its last complete line. A process killed inside {@link #write(List)} (power loss, kill
     * -9), where the cleanup of a failed batch cannot run, leaves half a line at the end: appending to it would glue
     * the next run's first change onto it, and a reader would lose that change. The torn batch was never
     * acknowledged, so the next run sends it again.
     */
    private void cutTornLastLine(FileChannel ch) throws IOException {
        long size = ch.size();
        long complete = lengthOfCompleteLines(ch, size);
        if (complete == size) {
            return;
        }
        ch.truncate(complete);
        if (fsync) {
            ch.force(true);
        }
        log.warn("JSON Lines file {} ended in an incomplete line, left by a write that was cut short (a crash or a "
            + "killed process); cut {} bytes back to its last complete line. The changes of that write were not "
            + "acknowledged and are sent again", file, size - complete);
    }

    /** The length of the file up to and including its last line break: 0 when it has none. */
    private static long lengthOfCompleteLines(FileChannel ch, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8 * 1024);
        long end = size;
        while (end > 0) {
            int length = (int) Math.min(buffer.capacity(), end);
            long start = end - length;
            buffer.clear().limit(length);
            while (buffer.hasRemaining()) {
                if (ch.read(buffer, start + buffer.position()) < 0) {
                    throw new IOException("file " + ch + " shrank while it was read");
                }
            }
            for (int i = length - 1; i >= 0; i--) {
                if (buffer.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    /** Makes a new file's directory entry durable, so that a file whose batches were forced cannot vanish. */
    private static void forceDirectory(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            return;
        }
        FileChannel directory;
        try {
            directory = FileChannel.open(parent, StandardOpenOption.READ);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open a directory; there, the file system's own journal has to do.
            log.debug("JSON Lines destination cannot open directory {} to force it to disk: {}", parent, e.toString());
            return;
        }
        try (directory) {
            directory.force(true);
        }
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
        try (JsonGenerator g = ChangeJson.factory().createGenerator(target)) {
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
