package io.valmi.testing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Stops the postmaster of an embedded server's data directory, and keeps it from outliving the JVM that started it.
 *
 * <p>Shutdown hooks use {@link #stop(Path, Duration)} and {@link #deleteTree(Path)}: they need nothing but the JDK and
 * this class, so they work after {@code mvn exec:java} has closed the class loader of the application's classes
 * (classes not loaded by then cannot be loaded in a shutdown hook).
 */
public final class Postmaster {

    private Postmaster() {
    }

    /**
     * The postmaster of a data directory, from the first line of its {@code postmaster.pid}.
     *
     * @param dataDirectory the data directory
     * @return the process, empty when no postmaster runs there
     */
    public static Optional<ProcessHandle> of(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops the postmaster of a data directory, if one runs: a fast shutdown (SIGINT; on Windows, where there is no
     * {@code kill} command, the process is ended), then, when it has not ended within {@code patience}, SIGKILL to
     * it and every process it started.
     *
     * @param dataDirectory the data directory
     * @param patience how long a fast shutdown may take
     * @return whether no postmaster runs there any more
     */
    public static boolean stop(Path dataDirectory, Duration patience) {
        Optional<ProcessHandle> found = of(dataDirectory);
        if (found.isEmpty()) {
            return true;
        }
        ProcessHandle postmaster = found.get();
        List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
        processes.add(postmaster);
        if (!signalInt(postmaster.pid())) {
            postmaster.destroy();
        }
        if (waitForEnd(processes, patience)) {
            return true;
        }
        for (ProcessHandle p : processes) {
            p.destroyForcibly();
        }
        return waitForEnd(processes, Duration.ofSeconds(10));
    }

    private static boolean signalInt(long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean waitForEnd(List<ProcessHandle> processes, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            boolean alive = false;
            for (ProcessHandle p : processes) {
                alive |= p.isAlive();
            }
            if (!alive) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Deletes a directory and everything in it; one that does not exist is passed over.
     *
     * @param root the directory
     * @throws IOException when something cannot be deleted
     */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            Iterator<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).iterator();
            while (deepestFirst.hasNext()) {
                Files.deleteIfExists(deepestFirst.next());
            }
        }
    }

    /**
     * Starts a watchdog that stops the postmaster when this JVM ends in any way, even by SIGKILL (which runs no
     * shutdown hook): a {@code /bin/sh} that reads its standard input, a pipe from this JVM, until the pipe closes
     * with the JVM; then, if the data directory's {@code postmaster.pid} still names that postmaster, it asks for a
     * fast shutdown, kills what has not ended after 10 seconds, and deletes the data directory. It ignores the
     * terminal's SIGINT and SIGHUP (this JVM's shutdown hooks handle those); {@link Process#destroy()} ends it
     * without doing anything.
     *
     * @param dataDirectory the data directory
     * @param postmasterPid the postmaster now running there
     * @return the watchdog (keep a reference: its pipe closes when it is garbage collected), or {@code null} where
     *     there is no {@code /bin/sh} (Windows)
     */
    public static @Nullable Process watchdog(Path dataDirectory, long postmasterPid) {
        Path sh = Path.of("/bin/sh");
        if (!Files.isExecutable(sh)) {
            return null;
        }
        String script = String.join("\n",
            "trap '' INT HUP",
            "while read -r line; do :; done",
            "first=''",
            "[ -f \"$2/postmaster.pid\" ] && read -r first < \"$2/postmaster.pid\"",
            "if [ \"$first\" = \"$1\" ]; then",
            "  kill -INT \"$1\" 2>/dev/null",
            "  i=0",
            "  while kill -0 \"$1\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done",
            "  kill -KILL \"$1\" 2>/dev/null",
            "fi",
            "rm -rf \"$2\"",
            "");
        try {
            return new ProcessBuilder(sh.toString(), "-c", script, "valmi-postgres-watchdog",
                Long.toString(postmasterPid), dataDirectory.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        } catch (IOException e) {
            return null;
        }
    }
}
