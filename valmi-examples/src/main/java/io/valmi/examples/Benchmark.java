package io.valmi.examples;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Plan;
import io.valmi.Row;
import io.valmi.SourceMode;
import io.valmi.SyncContext;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.FixtureSettings;
import io.valmi.testing.PostgresServer;
import io.valmi.testing.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Measures sync runs against the floor of reading the same table out of PostgreSQL, in one process, one after
 * another: {@code floor} (COPY TO STDOUT), {@code full} (first FULL_TABLE sync), {@code incr0} (INCREMENTAL, nothing
 * changed), {@code incr2} (INCREMENTAL after 1% updated, 0.5% deleted, 0.5% inserted), {@code naive} and
 * {@code naive_text} (a hand-written sync: stream every row with {@code getObject} / {@code getString}, diff against
 * an in-memory key-to-hash map, on the same change set). Each figure is the median of {@code --reps} repetitions,
 * after {@code --warmup} repetitions that are printed but not counted (the JIT compiles the code paths of every
 * figure, the floor's included, before anything is measured); the table is restored between them. Writes
 * {@code target/benchmark.json}.
 *
 * <p>Usage: see {@code docs/benchmark.md}. Options: {@code --rows N} (1000000), {@code --reps R} (3),
 * {@code --warmup W} (2; 0 with {@code --only full}),
 * {@code --batch-size B} (10000), {@code --mode MIRROR|UPSERT} (MIRROR), {@code --only full} (memory run: the full
 * sync alone, once), {@code --out FILE} (target/benchmark.json), {@code --jdbc-url URL --user U --password P} (an
 * existing server; default: the test fixtures' server, embedded PostgreSQL {@code valmi.test.postgres.version}),
 * {@code --pool N} (8: a HikariCP pool of N connections for every figure; 0: a new connection for each use),
 * {@code --sync-log on} (adds {@code incr2_log}: {@code incr2} with the job's sync log on, on the same change set, in
 * the same repetition; see {@link #measureSyncLog}).
 */
public final class Benchmark {
    private static final String TABLE = "bench_items";
    private static final String COLUMNS = "id, name, email, amount, qty, updated_at, attrs, active";
    private static final String JOB = "bench";

    private final Options options;
    private final DataSource dataSource;
    private final String serverVersion;
    private final Map<String, List<Long>> samples = new LinkedHashMap<>();
    private final Map<String, List<Long>> planSamples = new LinkedHashMap<>();
    private final Map<String, List<Long>> warmupSamples = new LinkedHashMap<>();
    private boolean warmingUp;
    private long peakHeapBytes;
    private long naivePeakHeapBytes;

    private Benchmark(Options options, DataSource dataSource, String serverVersion) {
        this.options = options;
        this.dataSource = dataSource;
        this.serverVersion = serverVersion;
    }

    /**
     * Runs the benchmark.
     *
     * @param args see the class comment
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path out = run(options);
        System.out.println("Wrote " + out.toAbsolutePath());
    }

    /**
     * Runs the benchmark and writes its JSON file.
     *
     * @param options the options
     * @return the JSON file written
     * @throws Exception when a step fails
     */
    static Path run(Options options) throws Exception {
        if (options.jdbcUrl != null) {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setUrl(options.jdbcUrl);
            if (options.user != null) {
                ds.setUser(options.user);
            }
            if (options.password != null) {
                ds.setPassword(options.password);
            }
            try (Pooled pooled = pooled(ds, options.pool)) {
                return new Benchmark(options, pooled.dataSource(), version(ds)).execute();
            }
        }
        PostgresServer server = PostgresServer.start(FixtureSettings.fromEnvironment());
        try (TestDatabase db = server.createDatabase("bench"); Pooled pooled = pooled(db.dataSource(), options.pool)) {
            return new Benchmark(options, pooled.dataSource(), server.version()).execute();
        } finally {
            server.close();
        }
    }

    /** The data source every figure uses: a HikariCP pool over the server's, or that one itself. */
    record Pooled(DataSource dataSource, com.zaxxer.hikari.@org.jspecify.annotations.Nullable HikariDataSource pool)
        implements AutoCloseable {
        @Override
        public void close() {
            if (pool != null) {
                pool.close();
            }
        }
    }

    static Pooled pooled(DataSource ds, int size) {
        if (size == 0) {
            return new Pooled(ds, null);
        }
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setDataSource(ds);
        config.setPoolName("benchmark");
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config);
        return new Pooled(pool, pool);
    }

    private Path execute() throws Exception {
        long n = options.rows;
        System.out.printf(Locale.ROOT, "valmi benchmark: %,d rows, batch size %,d, destination mode %s, %d repetitions%n",
            n, options.batchSize, options.mode, options.reps);
        System.out.println("PostgreSQL: " + serverVersion);
        System.out.println("Java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
            + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB, heap committed at start "
            + Runtime.getRuntime().totalMemory() / (1024 * 1024) + " MB");
        boolean heapKept = keepHeap();
        System.out.println("Heap after collections: " + (heapKept ? "kept (MaxHeapFreeRatio=100)"
            : "the JVM's default (may shrink)"));
        System.out.println("Connections: " + (options.pool == 0 ? "a new one for each use (no pool)"
            : "a HikariCP pool of " + options.pool));
        long t0 = System.nanoTime();
        createTable(n);
        System.out.printf(Locale.ROOT, "Created table %s in %,d ms%n", TABLE, ms(t0));

        PostgresSource source = PostgresSource.builder().dataSource(dataSource, "bench").table("public", TABLE).build();
        Mapping full = Mapping.builder().key("id").map("name").map("email").map("amount").map("qty").map("updated_at")
            .map("attrs").map("active").sourceMode(SourceMode.FULL_TABLE).destinationMode(options.mode).build();
        Mapping incremental = full.withSourceMode(SourceMode.INCREMENTAL);
        CountingDestination dest = new CountingDestination();
        PlanTimer planTimer = new PlanTimer();
        SyncRunner runner = SyncRunner.builder().listener(planTimer).build();

        for (int rep = 1 - options.warmup; rep <= options.reps; rep++) {
            warmingUp = rep <= 0;
            if (warmingUp) {
                System.out.printf(Locale.ROOT, "-- warm-up %d of %d (not counted)%n", rep + options.warmup,
                    options.warmup);
            } else {
                System.out.printf(Locale.ROOT, "-- repetition %d of %d%n", rep, options.reps);
            }
            if (!options.onlyFull) {
                long floorRows = floor();
                check(floorRows == n, "floor read " + floorRows + " rows, expected " + n);
            }
            source.dropJob(JOB);
            SyncResult r = sync(runner, planTimer, source, dest, full, "full");
            check(r.counts().delivered() == n && dest.received == n, "full sync delivered " + r.counts().delivered());
            if (options.onlyFull) {
                continue;
            }
            r = sync(runner, planTimer, source, dest, incremental, "incr0");
            check(r.counts().planned() == 0 && dest.received == 0, "incr0 planned " + r.counts().planned());

            // The hand-written syncs' state of the previous run (not measured), then the same change set for all.
            NaiveSync naive = new NaiveSync(dataSource, options.batchSize, true);
            naive.run(new CountingDestination());
            NaiveSync naiveText = new NaiveSync(dataSource, options.batchSize, false);
            naiveText.run(new CountingDestination());
            long changed = applyChanges(n);
            measureNaive("naive", naive, changed);
            naive = null;
            measureNaive("naive_text", naiveText, changed);
            naiveText = null;

            long expected = options.mode == DestinationMode.MIRROR ? changed : changed - n / 200;
            if (options.syncLog) {
                measureSyncLog(runner, planTimer, source, dest, incremental, n, expected, rep);
            } else {
                incr2(runner, planTimer, source, dest, incremental, false, expected);
            }
            restoreTable(n);
        }
        Path out = writeJson();
        printTable();
        return out;
    }

    /** {@code incr2}, or {@code incr2_log} with the job's sync log on; checks what it delivered and logged. */
    private void incr2(SyncRunner runner, PlanTimer planTimer, PostgresSource source, CountingDestination dest,
                       Mapping incremental, boolean syncLog, long expected) throws SQLException {
        long logged = syncLog ? logRows() : 0;
        SyncResult r = sync(runner, planTimer, source, dest, incremental, syncLog ? "incr2_log" : "incr2", syncLog);
        check(r.counts().delivered() == expected, "incr2 delivered " + r.counts().delivered() + ", expected "
            + expected);
        if (syncLog) {
            check(logRows() - logged == expected, "incr2_log logged " + (logRows() - logged) + " keys, expected "
                + expected);
        }
    }

    /**
     * {@code incr2} and {@code incr2_log} on the same change set, in the same repetition: after the first of them the
     * table is restored and an incremental sync (not measured, no log) brings the job back to the table as it was,
     * then the same changes are made again for the second. Which goes first alternates from one repetition to the
     * next, so that neither always meets the snapshot and the server as the other left them.
     */
    private void measureSyncLog(SyncRunner runner, PlanTimer planTimer, PostgresSource source,
                                CountingDestination dest, Mapping incremental, long n, long expected, int rep)
        throws SQLException {
        boolean logFirst = Math.floorMod(rep, 2) == 0;
        incr2(runner, planTimer, source, dest, incremental, logFirst, expected);
        restoreTable(n);
        SyncJob undo = SyncJob.builder(JOB).source(source).destination(dest).mapping(incremental)
            .batchSize(options.batchSize).build();
        SyncResult back = runner.run(undo).orThrow();
        check(back.counts().delivered() == expected, "the sync back to the table delivered "
            + back.counts().delivered() + ", expected " + expected);
        long again = applyChanges(n);
        check(again == (options.mode == DestinationMode.MIRROR ? expected : expected + n / 200),
            "the changes made again: " + again);
        incr2(runner, planTimer, source, dest, incremental, !logFirst, expected);
    }

    /** The rows of the sync log, all jobs. */
    private long logRows() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA
                 + ".valmi_sync_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void measureNaive(String figure, NaiveSync naive, long changed) throws Exception {
        settleBeforeFigure();
        resetPeaks();
        long t = System.nanoTime();
        CountingDestination naiveDest = new CountingDestination();
        naive.run(naiveDest);
        record(figure, ms(t), null);
        naivePeakHeapBytes = Math.max(naivePeakHeapBytes, peakHeap());
        check(naiveDest.received == changed, figure + " sent " + naiveDest.received + ", expected " + changed);
    }

    private SyncResult sync(SyncRunner runner, PlanTimer planTimer, PostgresSource source, CountingDestination dest,
                            Mapping mapping, String figure) {
        return sync(runner, planTimer, source, dest, mapping, figure, false);
    }

    private SyncResult sync(SyncRunner runner, PlanTimer planTimer, PostgresSource source, CountingDestination dest,
                            Mapping mapping, String figure, boolean syncLog) {
        SyncJob job = SyncJob.builder(JOB).source(source).destination(dest).mapping(mapping)
            .batchSize(options.batchSize).syncLog(syncLog).build();
        dest.received = 0;
        settleBeforeFigure();
        resetPeaks();
        long t = System.nanoTime();
        planTimer.start = t;
        SyncResult r = runner.run(job).orThrow();
        long elapsed = ms(t);
        peakHeapBytes = Math.max(peakHeapBytes, peakHeap());
        record(figure, elapsed, (planTimer.planned - t) / 1_000_000);
        System.out.printf(Locale.ROOT, "   %-10s path %s (%s)%n", "", r.path(), r.timings());
        return r;
    }

    private void record(String figure, long millis, Long planMillis) {
        if (warmingUp) {
            warmupSamples.computeIfAbsent(figure, k -> new ArrayList<>()).add(millis);
        } else {
            samples.computeIfAbsent(figure, k -> new ArrayList<>()).add(millis);
        }
        if (planMillis != null && !warmingUp) {
            planSamples.computeIfAbsent(figure, k -> new ArrayList<>()).add(planMillis);
        }
        System.out.printf(Locale.ROOT, "   %-10s %,8d ms%s%n", figure, millis,
            planMillis == null ? "" : String.format(Locale.ROOT, "  (plan %,d ms)", planMillis));
    }

    /**
     * After every change of the table: index entries of removed rows are cleaned up too (VACUUM skips that when few
     * pages have them, leaving those pages not all-visible), so that each repetition reads a table in the same state
     * as the first, freshly loaded one.
     */
    private static final String VACUUM = "VACUUM (INDEX_CLEANUP ON, ANALYZE) public." + TABLE;

    private static final String GENERATE = "SELECT g, 'name ' || g, 'user' || g || '@example.com',"
        + " ((g * 7919) % 1000000) / 100.0, (g % 1000)::int, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',"
        + " jsonb_build_object('g', g, 'tag', 't' || (g % 10), 'ok', g % 2 = 0), g % 3 = 0"
        + " FROM generate_series(?::bigint, ?::bigint) g";

    private void createTable(long n) throws SQLException {
        execute("DROP TABLE IF EXISTS public." + TABLE,
            "CREATE TABLE public." + TABLE + " (id bigint PRIMARY KEY, name text, email text, amount numeric(12,2),"
                + " qty int, updated_at timestamptz, attrs jsonb, active boolean)");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (" + COLUMNS + ") " + GENERATE)) {
            ps.setLong(1, 1);
            ps.setLong(2, n);
            ps.executeUpdate();
        }
        execute(VACUUM);
    }

    /** Updates 1%, deletes 0.5%, inserts 0.5% of the rows; returns the number of changes. */
    private long applyChanges(long n) throws SQLException {
        long changes = 0;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            changes += s.executeUpdate("UPDATE public." + TABLE + " SET name = name || ' (updated)' WHERE id % 100 = 1");
            changes += s.executeUpdate("DELETE FROM public." + TABLE + " WHERE id % 200 = 2");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (" + COLUMNS + ") "
                + GENERATE)) {
                ps.setLong(1, n + 1);
                ps.setLong(2, n + n / 200);
                changes += ps.executeUpdate();
            }
            s.execute(VACUUM);
        }
        return changes;
    }

    private void restoreTable(long n) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM public." + TABLE + " WHERE id > " + n);
            s.executeUpdate("UPDATE public." + TABLE + " SET name = 'name ' || id WHERE id % 100 = 1");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (" + COLUMNS + ") "
                + GENERATE + " WHERE g % 200 = 2")) {
                ps.setLong(1, 1);
                ps.setLong(2, n);
                ps.executeUpdate();
            }
            s.execute(VACUUM);
        }
    }

    /** The floor: COPY of the mapped columns through pgjdbc's CopyManager, discarded. */
    private long floor() throws SQLException, IOException {
        settleBeforeFigure();
        long t = System.nanoTime();
        long rows;
        try (Connection c = dataSource.getConnection()) {
            rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + COLUMNS + " FROM public."
                + TABLE + ") TO STDOUT", OutputStream.nullOutputStream());
        }
        record("floor", ms(t), null);
        return rows;
    }

    private void execute(String... statements) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    static String version(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select version()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Before each figure, so that no figure pays for the work of the one before: a full collection (e.g. of the
     * hand-written syncs' maps of a million keys; the heap is kept as it is, {@link #keepHeap()}), and a checkpoint,
     * so that the server does not write out the pages the figure before dirtied while this one runs (best effort:
     * it needs a superuser or, from PostgreSQL 15, the {@code pg_checkpoint} role).
     */
    private void settleBeforeFigure() {
        System.gc();
        if (checkpoints) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("CHECKPOINT");
            } catch (SQLException e) {
                checkpoints = false;
                System.out.println("(No checkpoints between figures: " + e.getMessage() + ")");
            }
        }
    }

    private boolean checkpoints = true;

    /**
     * Tells the JVM not to give heap back after a collection ({@code MaxHeapFreeRatio} 100, a manageable flag): a
     * long-running application keeps the heap it grew, and growing it again inside every figure would measure the
     * cost of fresh memory (on some virtual machines ~3 ms per MB) instead of the work.
     *
     * @return whether the flag could be set
     */
    static boolean keepHeap() {
        try {
            ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .setVMOption("MaxHeapFreeRatio", "100");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peaks since the last reset (an upper bound of the peak heap in use). */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("Benchmark check failed: " + message);
        }
    }

    static long median(List<Long> values) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static void appendLists(StringBuilder json, Map<String, List<Long>> lists) {
        json.append('{');
        boolean first = true;
        for (Map.Entry<String, List<Long>> e : lists.entrySet()) {
            json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue().toString()
                .replace(" ", ""));
            first = false;
        }
        json.append('}');
    }

    private Path writeJson() throws IOException {
        StringBuilder json = new StringBuilder("{");
        json.append("\"rows\":").append(options.rows);
        json.append(",\"batch_size\":").append(options.batchSize);
        json.append(",\"destination_mode\":\"").append(options.mode).append('"');
        json.append(",\"repetitions\":").append(options.reps);
        for (Map.Entry<String, List<Long>> e : samples.entrySet()) {
            json.append(",\"").append(e.getKey()).append("_ms\":").append(median(e.getValue()));
        }
        for (Map.Entry<String, List<Long>> e : planSamples.entrySet()) {
            json.append(",\"").append(e.getKey()).append("_plan_ms\":").append(median(e.getValue()));
        }
        json.append(",\"peak_heap_mb\":").append(peakHeapBytes / (1024 * 1024));
        json.append(",\"naive_peak_heap_mb\":").append(naivePeakHeapBytes / (1024 * 1024));
        json.append(",\"max_heap_mb\":").append(Runtime.getRuntime().maxMemory() / (1024 * 1024));
        json.append(",\"postgres\":\"").append(jsonEscape(serverVersion)).append('"');
        json.append(",\"java\":\"").append(jsonEscape(System.getProperty("java.version"))).append('"');
        json.append(",\"samples_ms\":");
        appendLists(json, samples);
        json.append(",\"pool\":").append(options.pool);
        json.append(",\"sync_log\":").append(options.syncLog);
        json.append(",\"warmup\":").append(options.warmup);
        json.append(",\"warmup_samples_ms\":");
        appendLists(json, warmupSamples);
        json.append("}\n");
        Path out = options.out;
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, json, StandardCharsets.UTF_8);
        return out;
    }

    private void printTable() {
        List<Long> floor = samples.get("floor");
        long floorMedian = floor == null ? 0 : median(floor);
        System.out.println();
        System.out.printf(Locale.ROOT, "%,d rows, batch size %,d, %s, PostgreSQL %s%n", options.rows, options.batchSize,
            options.mode, serverVersion.split(" ")[1]);
        System.out.printf(Locale.ROOT, "%-10s %10s %10s %10s %9s  %s%n", "figure", "median ms", "min ms", "max ms",
            "x floor", "target");
        for (Map.Entry<String, List<Long>> e : samples.entrySet()) {
            long med = median(e.getValue());
            long min = e.getValue().stream().mapToLong(Long::longValue).min().orElse(0);
            long max = e.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
            String ratio = floorMedian == 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double) med / floorMedian);
            System.out.printf(Locale.ROOT, "%-10s %,10d %,10d %,10d %9s  %s%n", e.getKey(), med, min, max, ratio,
                target(e.getKey()));
        }
        if (samples.containsKey("incr2_log") && samples.containsKey("incr2")) {
            System.out.printf(Locale.ROOT, "incr2_log / incr2 = %.2f (target <= 1.3)%n",
                (double) median(samples.get("incr2_log")) / median(samples.get("incr2")));
        }
        if (samples.containsKey("naive") && samples.containsKey("incr2")) {
            System.out.printf(Locale.ROOT, "naive / incr2 = %.2f (target >= 1.5); naive_text / incr2 = %.2f%n",
                (double) median(samples.get("naive")) / median(samples.get("incr2")),
                (double) median(samples.get("naive_text")) / median(samples.get("incr2")));
        }
        System.out.printf(Locale.ROOT, "peak heap of the sync runs: %,d MB (naive sync: %,d MB; max heap %,d MB)%n",
            peakHeapBytes / (1024 * 1024), naivePeakHeapBytes / (1024 * 1024),
            Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    private static String target(String figure) {
        switch (figure) {
            case "naive":
                return ">= 1.5 x incr2";
            case "full":
                return "<= 3.0";
            case "incr0":
                return "<= 1.8";
            case "incr2":
                return "<= 2.0";
            case "incr2_log":
                return "<= 1.3 x incr2";
            default:
                return "";
        }
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** Times the plan phase of a run. */
    private static final class PlanTimer implements SyncListener {
        volatile long start;
        volatile long planned;

        @Override
        public void planned(SyncContext context, Plan plan) {
            planned = System.nanoTime();
        }
    }

    /** Accepts everything and counts it; touches every value so that nothing is optimized away. */
    static final class CountingDestination implements Destination {
        long received;
        final EnumMap<ChangeKind, Long> byKind = new EnumMap<>(ChangeKind.class);
        long checksum;

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all().withMaxBatchSize(Integer.MAX_VALUE);
        }

        @Override
        public WriteResult write(List<Change> batch) {
            for (Change c : batch) {
                received++;
                byKind.merge(c.kind(), 1L, Long::sum);
                Row row = c.row();
                if (row != null) {
                    for (int i = 0; i < row.size(); i++) {
                        Object v = row.get(i);
                        checksum += v == null ? 0 : 1;
                    }
                }
            }
            return WriteResult.ok();
        }
    }

    /**
     * What a hand-written sync does: stream every row ({@code SELECT}, fetch size 10,000, autocommit off), hash its
     * values, compare with the key-to-hash map of the previous run, send the differences in batches, keep the new
     * map. {@code typed}: values read with {@code getObject} (what generic JDBC code does, and what a destination
     * needs); otherwise as strings ({@code getString}, the cheapest read pgjdbc offers).
     */
    static final class NaiveSync {
        private final DataSource dataSource;
        private final int batchSize;
        private final boolean typed;
        private Map<Long, Long> previous = new HashMap<>();
        private static final List<String> FIELDS = List.of("name", "email", "amount", "qty", "updated_at", "attrs",
            "active");

        NaiveSync(DataSource dataSource, int batchSize, boolean typed) {
            this.dataSource = dataSource;
            this.batchSize = batchSize;
            this.typed = typed;
        }

        void run(Destination destination) throws Exception {
            Map<Long, Long> current = new HashMap<>(Math.max(16, previous.size() * 4 / 3 + 1024));
            List<Change> batch = new ArrayList<>(batchSize);
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM public." + TABLE)) {
                    ps.setFetchSize(10_000);
                    try (ResultSet rs = ps.executeQuery()) {
                        int n = FIELDS.size();
                        while (rs.next()) {
                            long key = rs.getLong(1);
                            Object[] values = new Object[n];
                            long h = 1125899906842597L;
                            for (int i = 0; i < n; i++) {
                                Object v = typed ? rs.getObject(i + 2) : rs.getString(i + 2);
                                values[i] = v;
                                h = 31 * h + (v == null ? 0x9E3779B97F4A7C15L : v.hashCode());
                            }
                            current.put(key, h);
                            Long old = previous.get(key);
                            if (old == null || old != h) {
                                batch.add(new Change(old == null ? ChangeKind.ADDED : ChangeKind.CHANGED, key,
                                    Row.of(FIELDS, values)));
                                if (batch.size() == batchSize) {
                                    destination.write(batch);
                                    batch = new ArrayList<>(batchSize);
                                }
                            }
                        }
                    }
                }
                c.commit();
            }
            for (Long key : previous.keySet()) {
                if (!current.containsKey(key)) {
                    batch.add(Change.removed(key));
                    if (batch.size() == batchSize) {
                        destination.write(batch);
                        batch = new ArrayList<>(batchSize);
                    }
                }
            }
            if (!batch.isEmpty()) {
                destination.write(batch);
            }
            previous = current;
        }
    }

    /** Command-line options. */
    static final class Options {
        long rows = 1_000_000;
        int reps = 3;
        int warmup = 2;
        int batchSize = 10_000;
        DestinationMode mode = DestinationMode.MIRROR;
        boolean onlyFull;
        Path out = Path.of(System.getProperty("valmi.benchmark.out", "target/benchmark.json"));
        String jdbcUrl;
        String user;
        String password;
        int pool = 8;
        boolean syncLog;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.isBlank()) {
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Option " + a + " needs a value; options: " + usage());
                }
                String v = args[++i];
                switch (a) {
                    case "--rows":
                        o.rows = Long.parseLong(v.replace("_", "").replace(",", ""));
                        break;
                    case "--reps":
                        o.reps = Integer.parseInt(v);
                        break;
                    case "--warmup":
                        o.warmup = Integer.parseInt(v);
                        break;
                    case "--batch-size":
                        o.batchSize = Integer.parseInt(v);
                        break;
                    case "--mode":
                        o.mode = DestinationMode.valueOf(v.toUpperCase(Locale.ROOT));
                        break;
                    case "--only":
                        if (!v.equals("full")) {
                            throw new IllegalArgumentException("--only takes 'full'");
                        }
                        o.onlyFull = true;
                        break;
                    case "--out":
                        o.out = Path.of(v);
                        break;
                    case "--jdbc-url":
                        o.jdbcUrl = v;
                        break;
                    case "--user":
                        o.user = v;
                        break;
                    case "--password":
                        o.password = v;
                        break;
                    case "--pool":
                        o.pool = Integer.parseInt(v);
                        break;
                    case "--sync-log":
                        if (!v.equals("on") && !v.equals("off")) {
                            throw new IllegalArgumentException("--sync-log takes 'on' or 'off'");
                        }
                        o.syncLog = v.equals("on");
                        break;
                    default:
                        throw new IllegalArgumentException("Unknown option " + a + "; options: " + usage());
                }
            }
            if (o.onlyFull) {
                // The memory run: one cold first sync, whatever came before it on the command line.
                o.reps = 1;
                o.warmup = 0;
            }
            if (o.rows < 200 || o.reps < 1 || o.batchSize < 1 || o.warmup < 0 || o.pool < 0) {
                throw new IllegalArgumentException("--rows must be at least 200, --reps and --batch-size at least 1,"
                    + " --warmup and --pool at least 0");
            }
            if (o.mode != DestinationMode.MIRROR && o.mode != DestinationMode.UPSERT) {
                throw new IllegalArgumentException("--mode must be MIRROR or UPSERT");
            }
            if (o.syncLog && (o.mode != DestinationMode.MIRROR || o.onlyFull)) {
                throw new IllegalArgumentException("--sync-log on measures incr2 in MIRROR mode (the sync that brings"
                    + " the job back to the restored table sends the removals): not with --mode UPSERT or --only full");
            }
            return o;
        }

        static String usage() {
            return Arrays.toString(new String[] {"--rows N", "--reps R", "--warmup W", "--batch-size B", "--mode MIRROR|UPSERT",
                "--only full", "--out FILE", "--jdbc-url URL", "--user U", "--password P", "--pool N (0: no pool)",
                "--sync-log on|off"});
        }
    }
}
