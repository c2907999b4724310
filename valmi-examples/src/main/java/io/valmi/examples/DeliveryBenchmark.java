package io.valmi.examples;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Plan;
import io.valmi.RateLimit;
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
import io.valmi.testing.RecordingDestination;
import io.valmi.testing.TestDatabase;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Measures delivery to a slow destination: a first sync of a table, and an incremental run in which every row changed,
 * into a {@link RecordingDestination} that takes {@code --latency-ms} per call, at each {@code --concurrency}, against
 * the ideal {@code concurrency × batch size / latency}; then the same with a {@link RateLimit} of {@code --rate}
 * batches per second, to show the rate it keeps. Before them, runs without latency give the library's own ceiling on
 * this machine: where reading the plan, not the destination, is the limit.
 *
 * <p>Usage: see {@code docs/delivery-benchmark.md}. Options: {@code --rows N} (100000), {@code --batch-size B} (100),
 * {@code --latency-ms L} (50), {@code --concurrency 1,4,16,64}, {@code --rate R} (100 batches/s; 0: no rate run),
 * {@code --rate-concurrency C} (16), {@code --incremental true|false} (true), {@code --baseline true|false} (true),
 * {@code --warmup W} (1 run without latency, not reported), {@code --jdbc-url URL --user U --password P} (an existing
 * server; default: the test fixtures' server), {@code --pool N} (8).
 */
public final class DeliveryBenchmark {
    private static final String TABLE = "delivery_items";
    private static final String JOB = "delivery-bench";
    private static final ThreadMXBean COORDINATOR = ManagementFactory.getThreadMXBean();

    private final Options options;
    private final DataSource dataSource;
    private final PrintStream out;
    private final Timings timings = new Timings();
    private final ProcCpu proc;
    private final List<Figure> figures = new ArrayList<>();

    private DeliveryBenchmark(Options options, DataSource dataSource, PrintStream out) {
        this.options = options;
        this.dataSource = dataSource;
        this.out = out;
        this.proc = ProcCpu.of(dataSource);
    }

    /**
     * Runs the benchmark.
     *
     * @param args see the class comment
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        run(Options.parse(args), System.out);
    }

    /**
     * Runs the benchmark and prints its table.
     *
     * @param options the options
     * @param out where to print
     * @return the figures, in the order measured
     * @throws Exception when a step fails
     */
    static List<Figure> run(Options options, PrintStream out) throws Exception {
        if (options.jdbcUrl != null) {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setUrl(options.jdbcUrl);
            if (options.user != null) {
                ds.setUser(options.user);
            }
            if (options.password != null) {
                ds.setPassword(options.password);
            }
            try (Benchmark.Pooled pooled = Benchmark.pooled(ds, options.pool)) {
                return new DeliveryBenchmark(options, pooled.dataSource(), out).execute(Benchmark.version(ds));
            }
        }
        try (PostgresServer server = PostgresServer.start(FixtureSettings.fromEnvironment());
             TestDatabase db = server.createDatabase("delivery_bench");
             Benchmark.Pooled pooled = Benchmark.pooled(db.dataSource(), options.pool)) {
            return new DeliveryBenchmark(options, pooled.dataSource(), out).execute(server.version());
        }
    }

    private List<Figure> execute(String serverVersion) throws Exception {
        out.printf(Locale.ROOT, "valmi delivery benchmark: %,d changes per run, batches of %,d, %d ms per call%n",
            options.rows, options.batchSize, options.latencyMs);
        out.println("PostgreSQL: " + serverVersion);
        out.println("Java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
            + Runtime.getRuntime().availableProcessors() + " processors");
        long t0 = System.nanoTime();
        createTable();
        out.printf(Locale.ROOT, "Created table %s in %,d ms%n", TABLE, (System.nanoTime() - t0) / 1_000_000);

        PostgresSource source = PostgresSource.builder().dataSource(dataSource, "bench").table("public", TABLE)
            .build();
        Mapping mapping = Mapping.builder().key("id").map("name").map("email").map("amount").map("updated_at")
            .sourceMode(SourceMode.FULL_TABLE).destinationMode(DestinationMode.UPSERT).build();
        List<Setting> settings = new ArrayList<>();
        for (int w = 0; w < options.warmup; w++) {
            settings.add(new Setting("warm-up", 1, Duration.ZERO, 0));
        }
        if (options.baseline) {
            settings.add(new Setting("no latency", 1, Duration.ZERO, 0));
            int most = options.concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
            if (most > 1) {
                settings.add(new Setting("no latency", most, Duration.ZERO, 0));
            }
        }
        for (int c : options.concurrency) {
            settings.add(new Setting("latency", c, Duration.ofMillis(options.latencyMs), 0));
        }
        if (options.rate > 0) {
            settings.add(new Setting("rate limit", options.rateConcurrency, Duration.ofMillis(options.latencyMs),
                options.rate));
        }
        try (SyncRunner runner = SyncRunner.builder().listener(timings).build()) {
            for (Setting setting : settings) {
                source.dropJob(JOB);
                record(setting, measure(runner, source, mapping, setting, SourceMode.FULL_TABLE));
                if (options.incremental) {
                    changeEveryRow();
                    record(setting, measure(runner, source, mapping, setting, SourceMode.INCREMENTAL));
                }
            }
        }
        printTable();
        return List.copyOf(figures);
    }

    private void record(Setting setting, Figure figure) {
        out.println("   " + figure.line());
        if (!setting.name.equals("warm-up")) {
            figures.add(figure);
        }
    }

    private Figure measure(SyncRunner runner, PostgresSource source, Mapping mapping, Setting setting,
                           SourceMode mode) {
        RecordingDestination recording = new RecordingDestination().slowWrites(setting.latency)
            .maxConcurrency(setting.concurrency);
        CpuMeteredDestination destination = new CpuMeteredDestination(recording);
        SyncJob.Builder job = SyncJob.builder(JOB).source(source).destination(destination)
            .mapping(mapping.withSourceMode(mode)).batchSize(options.batchSize).concurrency(setting.concurrency);
        if (setting.rate > 0) {
            job.rateLimit(RateLimit.perSecond(setting.rate));
        }
        System.gc();
        Cpu before = Cpu.now(proc);
        long coordinator = COORDINATOR.getCurrentThreadCpuTime();
        timings.start();
        SyncResult result = runner.run(job.build()).orThrow(); // this thread is the run's coordinator
        coordinator = COORDINATOR.getCurrentThreadCpuTime() - coordinator;
        Cpu used = Cpu.now(proc).minus(before);
        long delivered = result.counts().delivered();
        check(delivered == options.rows && recording.state().size() == options.rows,
            mode + " run delivered " + delivered + " changes (destination holds " + recording.state().size()
                + "), expected " + options.rows);
        check(recording.violations().isEmpty(), "the destination saw broken promises: " + recording.violations());
        SyncListener.Progress last = timings.last;
        List<RecordingDestination.Batch> calls = recording.batches();
        long libraryCpu = used.processNanos - used.jitNanos - destination.cpuNanos.get();
        return new Figure(setting, mode == SourceMode.FULL_TABLE ? "first sync" : "incremental", delivered,
            Duration.ofNanos(timings.planned - timings.start), used.wall(), delivered * 1e9 / delivery(calls).toNanos(),
            last == null ? 0 : last.rowsPerSecond(), ideal(setting), libraryCpu / 1000.0 / delivered,
            used.jitNanos / 1000.0 / delivered, destination.cpuNanos.get() / 1000.0 / delivered,
            used.serverNanos < 0 ? -1 : used.serverNanos / 1000.0 / delivered,
            used.serverNanos < 0 ? -1 : (double) (used.processNanos + used.serverNanos) / used.wallNanos,
            (double) coordinator / used.wallNanos, recording.maxConcurrentWrites(), batchesPerSecond(calls));
    }

    /** From the start of the first call to the end of the last: the time the destination was written to. */
    static Duration delivery(List<RecordingDestination.Batch> calls) {
        long first = calls.stream().mapToLong(RecordingDestination.Batch::startNanos).min().orElse(0);
        long last = calls.stream().mapToLong(RecordingDestination.Batch::endNanos).max().orElse(0);
        return Duration.ofNanos(Math.max(1, last - first));
    }

    /** The most rows per second the destination can take: every call of its latency full, within the rate limit. */
    private double ideal(Setting setting) {
        double ideal = setting.latency.isZero() ? Double.POSITIVE_INFINITY
            : setting.concurrency * (double) options.batchSize * 1e9 / setting.latency.toNanos();
        return setting.rate > 0 ? Math.min(ideal, setting.rate * options.batchSize) : ideal;
    }

    /** Calls started per second, from the first start to the last (a rate limit spaces the starts). */
    static double batchesPerSecond(List<RecordingDestination.Batch> calls) {
        long first = calls.stream().mapToLong(RecordingDestination.Batch::startNanos).min().orElse(0);
        long last = calls.stream().mapToLong(RecordingDestination.Batch::startNanos).max().orElse(0);
        return calls.size() < 2 || last == first ? 0 : (calls.size() - 1) * 1e9 / (last - first);
    }

    private void printTable() {
        out.println();
        out.printf(Locale.ROOT, "%,d changes per run, batches of %,d, %d ms per call.%n", options.rows,
            options.batchSize, options.latencyMs);
        out.println("rows/s: changes over the time the destination was written to; progress: the last"
            + " SyncListener.Progress.rowsPerSecond(); CPU lib, jit, dest (the destination's bookkeeping), pg (the"
            + " PostgreSQL server): CPU time in µs per change; cores: CPU of this process and the server over the"
            + " run's time; coord: the coordinator thread's CPU over the run's time; out: most writes under way at"
            + " once");
        out.println(Figure.HEADER);
        figures.forEach(f -> out.println(f.line()));
        for (Figure f : figures) {
            if (f.setting.rate > 0) {
                double off = (f.batchesPerSecond - f.setting.rate) / f.setting.rate;
                out.printf(Locale.ROOT, "rate limit %.0f batches/s, %s: calls started at %.1f batches/s (%+.1f %%): "
                    + "%s%n", f.setting.rate, f.run, f.batchesPerSecond, off * 100,
                    Math.abs(off) <= 0.10 ? "within 10 %" : "NOT within 10 %");
            }
        }
    }

    private void createTable() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS public." + TABLE);
            s.execute("CREATE TABLE public." + TABLE + " (id bigint PRIMARY KEY, name text, email text,"
                + " amount numeric(12,2), updated_at timestamptz)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE
                + " SELECT g, 'name ' || g, 'user' || g || '@example.com', ((g * 7919) % 1000000) / 100.0,"
                + " timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, ?) g")) {
                ps.setLong(1, options.rows);
                ps.executeUpdate();
            }
            s.execute("VACUUM (ANALYZE) public." + TABLE);
        }
    }

    /** Every row changes, so that an incremental run sends all of them. */
    private void changeEveryRow() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE public." + TABLE + " SET amount = amount + 1");
            s.execute("VACUUM (ANALYZE) public." + TABLE);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("Delivery benchmark check failed: " + message);
        }
    }

    /**
     * One configuration measured.
     *
     * @param name what it shows
     * @param concurrency batches out at once
     * @param latency the destination's time per call
     * @param rate the job's rate limit in batches per second, 0 for none
     */
    record Setting(String name, int concurrency, Duration latency, double rate) {
    }

    /**
     * One run measured.
     *
     * @param setting the configuration
     * @param run "first sync" or "incremental"
     * @param changes changes delivered
     * @param plan from the start of the run to its plan
     * @param wall the whole run
     * @param rowsPerSecond changes per second from the start of the first write to the end of the last
     * @param progressRowsPerSecond the same as the run's listener saw it last ({@link SyncListener.Progress})
     * @param ideal the most the destination can take, rows per second
     * @param libraryCpuMicros CPU time of this process per change, less the JIT compiler's and the destination's
     * @param jitCpuMicros time the JIT compiler spent compiling, per change
     * @param destinationCpuMicros CPU time of the destination's own bookkeeping per change (it sleeps without CPU)
     * @param serverCpuMicros CPU time of the PostgreSQL server per change, or -1 when it is not on this machine
     * @param cores CPU time of this process and of the server over the wall time of the run: the cores busy, or -1
     * @param coordinator CPU time of the run's coordinator thread (the one that called {@code run}) over the wall time
     * @param maxInFlight the most writes under way at once
     * @param batchesPerSecond calls started per second
     */
    record Figure(Setting setting, String run, long changes, Duration plan, Duration wall, double rowsPerSecond,
                  double progressRowsPerSecond, double ideal, double libraryCpuMicros, double jitCpuMicros,
                  double destinationCpuMicros,
                  double serverCpuMicros, double cores, double coordinator, int maxInFlight,
                  double batchesPerSecond) {

        static final String HEADER = String.format(Locale.ROOT,
            "%-11s %-11s %4s %6s %7s %7s %8s %8s %8s %7s %7s %6s %5s %6s %5s %5s %4s", "setting", "run", "conc",
            "rate/s", "plan ms", "run ms", "rows/s", "progress", "ideal", "% ideal", "CPU lib", "jit", "dest", "pg",
            "cores", "coord", "out");

        String line() {
            return String.format(Locale.ROOT,
                "%-11s %-11s %4d %6s %,7d %,7d %,8.0f %,8.0f %8s %7s %7.1f %6.1f %5.2f %6s %5s %4.0f%% %4d",
                setting.name, run,
                setting.concurrency, setting.rate > 0 ? String.format(Locale.ROOT, "%.0f", setting.rate) : "-",
                plan.toMillis(), wall.toMillis(), rowsPerSecond, progressRowsPerSecond,
                Double.isInfinite(ideal) ? "-" : String.format(Locale.ROOT, "%,.0f", ideal),
                Double.isInfinite(ideal) ? "-" : String.format(Locale.ROOT, "%.0f %%", 100 * rowsPerSecond / ideal),
                libraryCpuMicros, jitCpuMicros, destinationCpuMicros,
                serverCpuMicros < 0 ? "-" : String.format(Locale.ROOT, "%.1f", serverCpuMicros),
                cores < 0 ? "-" : String.format(Locale.ROOT, "%.2f", cores), 100 * coordinator, maxInFlight);
        }
    }

    /** Follows the run: when it was planned, and the last progress. */
    private static final class Timings implements SyncListener {
        volatile long start;
        volatile long planned;
        volatile SyncListener.@Nullable Progress last;

        void start() {
            start = System.nanoTime();
            planned = start;
            last = null;
        }

        @Override
        public void planned(SyncContext context, Plan plan) {
            planned = System.nanoTime();
        }

        @Override
        public void batchDelivered(SyncContext context, Progress progress) {
            Progress before = last;
            long answered = progress.delivered() + progress.rejected();
            if (before == null || answered >= before.delivered() + before.rejected()) {
                last = progress;
            }
        }
    }

    /**
     * Hands every call to a destination and adds up the CPU time its threads spent in it: the destination's own work,
     * to tell it apart from the library's (a sleeping destination uses none).
     */
    static final class CpuMeteredDestination implements Destination {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final Destination inner;
        final AtomicLong cpuNanos = new AtomicLong();

        CpuMeteredDestination(Destination inner) {
            this.inner = inner;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return inner.capabilities();
        }

        @Override
        public void open(SyncContext context) throws Exception {
            inner.open(context);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            long start = THREADS.getCurrentThreadCpuTime();
            try {
                return inner.write(batch);
            } finally {
                cpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - start);
            }
        }

        @Override
        public void close() throws Exception {
            inner.close();
        }
    }

    /**
     * CPU time of this process, of which the JIT compiler's, and of the PostgreSQL server; and the wall clock.
     */
    private record Cpu(long wallNanos, long processNanos, long jitNanos, long serverNanos) {
        static Cpu now(ProcCpu server) {
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
            return new Cpu(System.nanoTime(), process, ProcCpu.jitNanos(), server.serverNanos());
        }

        Cpu minus(Cpu before) {
            boolean server = serverNanos >= 0 && before.serverNanos >= 0;
            return new Cpu(wallNanos - before.wallNanos, processNanos - before.processNanos,
                jitNanos - before.jitNanos, server ? serverNanos - before.serverNanos : -1);
        }

        Duration wall() {
            return Duration.ofNanos(wallNanos);
        }
    }

    /**
     * CPU times from Linux's {@code /proc}: of this JVM's JIT compiler threads, and of a PostgreSQL server on this
     * machine (its postmaster, found as the parent of a backend, with the children it reaped, and its live children:
     * backends, writers, autovacuum).
     */
    static final class ProcCpu {
        /** Clock ticks per second of {@code /proc}'s times ({@code USER_HZ}): 100 on Linux. */
        private static final long NANOS_PER_TICK = 1_000_000_000 / 100;
        private final long postmaster;

        private ProcCpu(long postmaster) {
            this.postmaster = postmaster;
        }

        /** The server behind the data source, or one that answers -1 when it is not on this machine (or not Linux). */
        static ProcCpu of(DataSource dataSource) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                String[] backend = fields(Path.of("/proc", String.valueOf(rs.getLong(1)), "stat"));
                return new ProcCpu(backend == null ? -1 : Long.parseLong(backend[1]));
            } catch (SQLException | RuntimeException e) {
                return new ProcCpu(-1);
            }
        }

        /** The server's CPU time so far, or -1 when unknown. */
        long serverNanos() {
            if (postmaster < 0) {
                return -1;
            }
            String[] main = fields(Path.of("/proc", String.valueOf(postmaster), "stat"));
            if (main == null) {
                return -1;
            }
            long ticks = Long.parseLong(main[11]) + Long.parseLong(main[12]) + Long.parseLong(main[13])
                + Long.parseLong(main[14]);
            try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
                for (Path process : (Iterable<Path>) processes::iterator) {
                    if (!process.getFileName().toString().chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    String[] f = fields(process.resolve("stat"));
                    if (f != null && Long.parseLong(f[1]) == postmaster) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return ticks * NANOS_PER_TICK;
        }

        /**
         * The CPU time of this JVM's JIT compiler threads so far ({@code C1}, {@code C2}); without {@code /proc}, the
         * JIT's compilation time (wall time: more than its CPU time on a busy machine).
         */
        static long jitNanos() {
            long ticks = 0;
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String name = Files.readString(task.resolve("comm")).trim();
                    String[] f = name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")
                        ? fields(task.resolve("stat")) : null;
                    if (f != null) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                }
                return ticks * NANOS_PER_TICK;
            } catch (IOException | RuntimeException e) {
                CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
                return jit != null && jit.isCompilationTimeMonitoringSupported()
                    ? jit.getTotalCompilationTime() * 1_000_000 : 0;
            }
        }

        /** The fields of a {@code /proc/<pid>/stat} after the command name: state, ppid, ...; null when gone. */
        private static String @Nullable [] fields(Path stat) {
            try {
                String line = Files.readString(stat);
                return line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    /** Command-line options. */
    static final class Options {
        long rows = 100_000;
        int batchSize = 100;
        long latencyMs = 50;
        List<Integer> concurrency = List.of(1, 4, 16, 64);
        double rate = 100;
        int rateConcurrency = 16;
        boolean incremental = true;
        boolean baseline = true;
        int warmup = 1;
        @Nullable String jdbcUrl;
        @Nullable String user;
        @Nullable String password;
        int pool = 8;

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
                    case "--batch-size":
                        o.batchSize = Integer.parseInt(v);
                        break;
                    case "--latency-ms":
                        o.latencyMs = Long.parseLong(v);
                        break;
                    case "--concurrency":
                        o.concurrency = Arrays.stream(v.split(",")).map(String::trim).map(Integer::valueOf)
                            .collect(Collectors.toList());
                        break;
                    case "--rate":
                        o.rate = Double.parseDouble(v);
                        break;
                    case "--rate-concurrency":
                        o.rateConcurrency = Integer.parseInt(v);
                        break;
                    case "--incremental":
                        o.incremental = Boolean.parseBoolean(v);
                        break;
                    case "--baseline":
                        o.baseline = Boolean.parseBoolean(v);
                        break;
                    case "--warmup":
                        o.warmup = Integer.parseInt(v);
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
                    default:
                        throw new IllegalArgumentException("Unknown option " + a + "; options: " + usage());
                }
            }
            if (o.rows < 1 || o.batchSize < 1 || o.latencyMs < 0 || o.rate < 0 || o.rateConcurrency < 1
                || o.warmup < 0 || o.pool < 0 || o.concurrency.stream().anyMatch(c -> c < 1)) {
                throw new IllegalArgumentException("--rows, --batch-size, --rate-concurrency and every --concurrency"
                    + " must be at least 1; --latency-ms, --rate, --warmup and --pool at least 0");
            }
            return o;
        }

        static String usage() {
            return String.join(", ", "--rows N", "--batch-size B", "--latency-ms L", "--concurrency 1,4,16,64",
                "--rate R (batches/s, 0: none)", "--rate-concurrency C", "--incremental true|false",
                "--baseline true|false", "--warmup W", "--jdbc-url URL", "--user U", "--password P", "--pool N");
        }
    }
}
