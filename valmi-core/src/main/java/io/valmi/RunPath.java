package io.valmi;

import java.util.Objects;

/**
 * Which way a source's run went about its work, as the source reports it ({@link SourceRun#path()}), so that users
 * and benchmarks can tell runs apart whose figures differ for that reason: for {@code PostgresSource}, a first sync
 * whose rows were hashed on the client or by the server, or a comparison with the snapshot that trusted row versions
 * or hashed every row.
 *
 * @param name a short, stable name of the path, e.g. {@code first-sync/client-hashes}: fit for a log line, a metric
 *     tag or a benchmark's table
 * @param description a sentence for people, saying why the run took it when the source knows
 */
public record RunPath(String name, String description) {
    /** A source that does not say ({@link SourceRun#path()}'s default), or a run that failed before planning. */
    public static final RunPath UNKNOWN = new RunPath("unknown", "the source did not say which path its run took");

    /**
     * Checks the name.
     *
     * @param name a short, stable name of the path
     * @param description a sentence for people
     * @throws IllegalArgumentException when the name is blank
     */
    public RunPath {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (name.isBlank()) {
            throw new IllegalArgumentException("A RunPath needs a name, such as first-sync/client-hashes");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
