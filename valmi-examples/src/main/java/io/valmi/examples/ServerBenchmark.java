package io.valmi.examples;

import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.DestinationMode;
import io.valmi.postgres.PostgresSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Measures sync runs on an existing, production-configured server (see {@code docs/benchmark.md}, "On a
 * production-configured server", and {@code valmi-examples/scripts/pg-production.sh}), on the tables that script
 * loads: {@code pgbench_accounts} (int key in key order; changed by pgbench's built-in TPC-B script) or
 * {@code bench_uuid} (random uuid key in random physical order, {@code timestamptz} and {@code jsonb}; changed by a
 * pgbench script of ours: updates, deletes and inserts in the ratio 2:1:1), or their copies of the first N rows
 * ({@code accounts_N}, {@code bench_uuid_N}: {@code pg-production.sh load-small N}; an account's balance changed).
 *
 * <p>Every repetition measures {@code floor} (COPY of the mapped columns), {@code full} (first FULL_TABLE sync, MIRROR),
 * {@code incr0} (INCREMENTAL, nothing changed), then changes about {@code --changes} of the rows with pgbench (not
 * timed) and measures {@code incr1} (INCREMENTAL). Every figure's delivered count is checked exactly: the changes are
 * counted by comparing the table with a copy taken before pgbench ran. For each figure it also reports the WAL bytes
 * written, the statements and commits the server ran for it ({@code pg_stat_statements}, when installed), and the
 * heap's peak. The first warm-up repetition runs in a cold JVM: its {@code full} is the cold figure.
 *
 * <p>Options: {@code --jdbc-url URL} (required; {@code pg-production.sh url}), {@code --table T}
 * ({@code pgbench_accounts}), {@code --reps R} (3), {@code --warmup W} (1), {@code --batch-size B} (10000),
 * {@code --pool N} (8), {@code --changes F} (0.01), {@code --pgbench PATH} ({@code pg_config --bindir}/pgbench),
 * {@code --statements N} (0: how many of the costliest statements of each figure to list), {@code --only full} (first
 * syncs alone), {@code --only incr0} (one first sync, then unchanged incremental runs alone: the fixed cost of a run),
 * {@code --first-sync key-order} (a first sync reads the table by its key, {@code PostgresSource.Builder#firstSyncInKeyOrder},
 * rather than in physical order), {@code --checkpoint off} (no {@code CHECKPOINT} before each figure: its first write
 * to a page since the server's last checkpoint is a full-page image only as often as a production server's checkpoints
 * make it so).
 *
 * <p>Each figure also prints the JIT compilers' time during it (a warm JVM's is near 0) and, on Linux, how many of the
 * machine's cores were busy on average (the server's and the JVM's work together, when both run on this machine).
 */
public final class ServerBenchmark {
    private static final String JOB = "server_bench";

    private final Options options;
    private final DataSource dataSource;
    private final Shape shape;
    private final Map<String, List<Long>> samples = new LinkedHashMap<>();
    private boolean warmingUp;
    private boolean statStatements;

    /** A table the script loads: its key, the mapped columns, and how rows are changed. */
    record Shape(String table, String key, List<String> columns, boolean tpcb) {
        static Shape of(String table) {
            if (table.startsWith("bench_uuid")) {
                return new Shape(table, "id", List.of("aid", "bid", "abalance", "filler", "updated_at", "attrs"), false);
            }
            return new Shape(table, "aid", List.of("bid", "abalance", "filler"), true);
        }

        String columnList() {
            return key + ", " + String.join(", ", columns);
        }
    }

    private ServerBenchmark(Options options, DataSource dataSource) {
        this.options = options;
        this.dataSource = dataSource;
        this.shape = Shape.of(options.table);
    }

    /**
     * Runs the benchmark.
     *
     * @param args see the class comment
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(options.jdbcUrl);
        try (Benchmark.Pooled pooled = Benchmark.pooled(ds, options.pool)) {
            new ServerBenchmark(options, pooled.dataSource()).runAll(Benchmark.version(ds));
        }
    }

    private void runAll(String serverVersion) throws Exception {
        System.out.println("PostgreSQL: " + serverVersion);
        System.out.println("Settings: " + settings());
        System.out.println("Java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
            + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
        Benchmark.keepHeap();
        statStatements = query("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") > 0;
        long rows = query("SELECT count(*) FROM " + shape.table());
        System.out.printf(Locale.ROOT, "Table %s: %,d rows, key %s, mapped %s; batch size %,d; pool %d%n",
            shape.table(), rows, shape.key(), shape.columns(), options.batchSize, options.pool);

        PostgresSource.Builder sb = PostgresSource.builder().dataSource(dataSource, "bench").table("public", shape.table());
        if (options.keyOrder) {
            // (Called only when asked for: the benchmark also runs against builds from before the option, for A/B runs.)
            sb.firstSyncInKeyOrder(true);
        }
        PostgresSource source = sb.build();
        Mapping.Builder mb = Mapping.builder().key(shape.key());
        shape.columns().forEach(mb::map);
        Mapping full = mb.sourceMode(SourceMode.FULL_TABLE).destinationMode(DestinationMode.MIRROR).build();
        Mapping incremental = full.withSourceMode(SourceMode.INCREMENTAL);
        Benchmark.CountingDestination dest = new Benchmark.CountingDestination();
        SyncRunner runner = SyncRunner.builder().build();

        for (int rep = 1 - options.warmup; rep <= options.reps; rep++) {
            warmingUp = rep <= 0;
            System.out.printf(Locale.ROOT, warmingUp ? "-- warm-up %d (not counted)%n" : "-- repetition %d%n",
                warmingUp ? rep + options.warmup : rep);
            rows = query("SELECT count(*) FROM " + shape.table());
            long floor = measure("floor", this::floor);
            check(floor == rows, "floor read " + floor + " rows, expected " + rows);
            SyncResult r;
            if (options.onlyIncr0 && rep > 1 - options.warmup) {
                r = sync(runner, source, dest, incremental, "incr0");
                check(r.counts().planned() == 0 && dest.received == 0, "incr0 planned " + r.counts().planned());
                continue;
            }
            source.dropJob(JOB);
            r = sync(runner, source, dest, full, "full");
            check(r.counts().delivered() == rows && dest.received == rows, "full delivered " + r.counts().delivered());
            if (!warmingUp) {
                System.out.println("   bookkeeping: " + bookkeeping(rows));
            }
            if (options.onlyFull) {
                continue;
            }
            r = sync(runner, source, dest, incremental, "incr0");
            check(r.counts().planned() == 0 && dest.received == 0, "incr0 planned " + r.counts().planned());
            long changed = change(rows);
            r = sync(runner, source, dest, incremental, "incr1");
            check(r.counts().delivered() == changed, "incr1 delivered " + r.counts().delivered() + ", expected "
                + changed);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Medians of %d (ms, and x floor):%n", options.reps);
        long floor = Benchmark.median(samples.get("floor"));
        for (Map.Entry<String, List<Long>> e : samples.entrySet()) {
            long m = Benchmark.median(e.getValue());
            System.out.printf(Locale.ROOT, "  %-6s %,8d ms  %5.2f x   %s%n", e.getKey(), m, (double) m / floor,
                e.getValue());
        }
    }

    private interface Figure {
        long run() throws Exception;
    }

    /** Runs one figure after a checkpoint and a collection, and prints its time, WAL bytes and statements. */
    private long measure(String figure, Figure body) throws Exception {
        if (options.checkpoint) {
            execute("CHECKPOINT");
        }
        System.gc();
        if (statStatements) {
            execute("SELECT pg_stat_statements_reset()");
        }
        String lsn = queryText("SELECT pg_current_wal_insert_lsn()::text");
        Benchmark.resetPeaks();
        long cpu = processCpuNanos();
        long jit = jitMillis();
        long[] machine = machineTicks();
        long t = System.nanoTime();
        long result = body.run();
        long millis = (System.nanoTime() - t) / 1_000_000;
        long cpuMillis = (processCpuNanos() - cpu) / 1_000_000;
        long jitMillis = jitMillis() - jit;
        long[] machineAfter = machineTicks();
        long heap = Benchmark.peakHeap();
        long wal = query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '" + lsn + "')::bigint");
        if (!warmingUp) {
            samples.computeIfAbsent(figure, k -> new ArrayList<>()).add(millis);
        }
        System.out.printf(Locale.ROOT, "   %-6s %,8d ms  JVM CPU %,6d ms (JIT %,5d ms)%s  WAL %,7.1f MB  heap peak %,5d MB%s%n",
            figure, millis, cpuMillis, jitMillis, coresBusy(machine, machineAfter), wal / 1e6, heap >> 20,
            statements());
        return result;
    }

    /**
     * The machine's CPU time so far, busy and in all, in clock ticks, from Linux's {@code /proc/stat} (server and JVM
     * alike, when both run here); {@code null} elsewhere.
     */
    private static long @Nullable [] machineTicks() {
        try {
            String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim()
                .split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            // (user nice system idle iowait irq softirq steal: idle and iowait are not busy.)
            return new long[] {total - Long.parseLong(f[4]) - Long.parseLong(f[5]), total};
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** How many of the machine's cores were busy on average between two readings, as text ("" when unknown). */
    private static String coresBusy(long @Nullable [] before, long @Nullable [] after) {
        if (before == null || after == null || after[1] == before[1]) {
            return "";
        }
        double share = (double) (after[0] - before[0]) / (after[1] - before[1]);
        return String.format(Locale.ROOT, "  machine %.2f of %d cores busy", share * Runtime.getRuntime()
            .availableProcessors(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * The JIT compilers' time so far (all compiler threads, -1 where the JVM does not say): a figure whose JIT time is
     * not near 0 ran in a JVM that was still warming up.
     */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private SyncResult sync(SyncRunner runner, PostgresSource source, Benchmark.CountingDestination dest,
                            Mapping mapping, String figure) throws Exception {
        SyncJob job = SyncJob.builder(JOB).source(source).destination(dest).mapping(mapping)
            .batchSize(options.batchSize).build();
        dest.received = 0;
        SyncResult[] result = new SyncResult[1];
        measure(figure, () -> {
            result[0] = runner.run(job).orThrow();
            return 0;
        });
        SyncResult r = result[0];
        System.out.printf(Locale.ROOT, "          path %s; prepare %,d ms, deliver %,d ms, finish %,d ms%n",
            r.path().name(), r.timings().prepare().toMillis(), r.timings().deliver().toMillis(),
            r.timings().finish().toMillis());
        return r;
    }

    private long floor() throws SQLException, IOException {
        try (Connection c = dataSource.getConnection()) {
            return c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + shape.columnList() + " FROM "
                + shape.table() + ") TO STDOUT", OutputStream.nullOutputStream());
        }
    }

    /** Changes about {@code --changes} of the rows with pgbench; returns the exact number of rows that differ now. */
    private long change(long rows) throws Exception {
        String cols = shape.columnList();
        execute("DROP TABLE IF EXISTS bench_before",
            "CREATE UNLOGGED TABLE bench_before AS SELECT " + cols + " FROM " + shape.table());
        long transactions = Math.max(2, Math.round(rows * options.changes) / 2 * 2);
        List<String> command = new ArrayList<>(List.of(options.pgbench, "-n", "-c", "2", "-j", "2",
            "-t", String.valueOf(transactions / 2)));
        Path script = null;
        if (shape.tpcb() && shape.table().equals("pgbench_accounts")) {
            // pgbench's built-in TPC-B script: one account's balance per transaction (and a teller, a branch, history).
            command.add("-b");
            command.add("tpcb-like");
        } else if (shape.tpcb()) {
            // A copy of pgbench_accounts: the TPC-B script's update of an account's balance alone.
            long maxAid = query("SELECT max(aid) FROM " + shape.table());
            script = Files.createTempFile("bench-changes", ".sql");
            Files.writeString(script, String.join("\n",
                "\\set aid random(1, " + maxAid + ")",
                "\\set delta random(-5000, 5000)",
                "UPDATE " + shape.table() + " SET abalance = abalance + :delta WHERE aid = :aid;", ""),
                StandardCharsets.UTF_8);
            command.add("-f");
            command.add(script.toString());
        } else {
            // Twice as many transactions: half of them update, a quarter delete, a quarter insert.
            command.set(command.size() - 1, String.valueOf(transactions));
            long maxAid = query("SELECT max(aid) FROM " + shape.table());
            execute("DROP SEQUENCE IF EXISTS bench_aid", "CREATE SEQUENCE bench_aid START " + (maxAid + 1));
            String t = shape.table();
            script = Files.createTempFile("bench-changes", ".sql");
            Files.writeString(script, String.join("\n",
                "\\set r random(1, 4)",
                "\\set aid random(1, " + maxAid + ")",
                "\\if :r <= 2",
                "UPDATE " + t + " SET abalance = abalance + 1, attrs = attrs || jsonb_build_object('n', :aid)"
                    + " WHERE aid = :aid;",
                "\\elif :r = 3",
                "DELETE FROM " + t + " WHERE aid = :aid;",
                "\\else",
                "INSERT INTO " + t + " SELECT gen_random_uuid(), a, a % 20 + 1, 0, 'x', now(),"
                    + " jsonb_build_object('aid', a) FROM nextval('bench_aid') a;",
                "\\endif", ""), StandardCharsets.UTF_8);
            command.add("-f");
            command.add(script.toString());
        }
        command.add(database());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(connectionEnvironment());
        pb.environment().put("PGOPTIONS", "-c synchronous_commit=off");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("pgbench failed: " + out);
        }
        if (script != null) {
            Files.delete(script);
        }
        execute("VACUUM (ANALYZE) " + shape.table());
        String k = shape.key();
        long changed = query("SELECT count(*) FROM bench_before b FULL JOIN " + shape.table() + " t ON b." + k + " = t."
            + k + " WHERE b." + k + " IS NULL OR t." + k + " IS NULL OR (" + prefixed("b") + ") IS DISTINCT FROM ("
            + prefixed("t") + ")");
        execute("DROP TABLE bench_before");
        System.out.printf(Locale.ROOT, "   (pgbench: %,d transactions; %,d rows differ)%n", transactions, changed);
        return changed;
    }

    private String prefixed(String alias) {
        StringBuilder sb = new StringBuilder();
        for (String c : shape.columns()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(alias).append('.').append(c);
        }
        return sb.toString();
    }

    /** The bookkeeping tables' size after a first sync, per row. */
    private String bookkeeping(long rows) throws SQLException {
        long bytes = query("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE n.nspname = '" + PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA
            + "' AND c.relkind = 'r' AND c.relname LIKE 'snap\\_%'");
        return String.format(Locale.ROOT, "snapshot %,d MB, %.1f bytes per row (table, index and TOAST)", bytes >> 20,
            (double) bytes / rows);
    }

    /** The statements the server ran since the reset, when pg_stat_statements is there. */
    private String statements() throws SQLException {
        if (!statStatements) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(calls)::bigint, coalesce(sum(calls) FILTER (WHERE query ILIKE"
                 + " 'begin%'), 0)::bigint, coalesce(sum(calls) FILTER (WHERE query NOT ILIKE 'commit%' AND query NOT"
                 + " ILIKE 'begin%' AND query NOT ILIKE 'rollback%'), 0)::bigint FROM pg_stat_statements"
                 + " WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_insert_lsn%'")) {
            rs.next();
            // (pgjdbc opens each transaction with a BEGIN sent in the round trip of its first statement.)
            sb.append(String.format(Locale.ROOT, "  statements %,d in %,d transactions", rs.getLong(3),
                rs.getLong(2)));
        }
        if (options.statements > 0) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT calls, total_exec_time, shared_blks_hit + shared_blks_read,"
                     + " wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) FROM pg_stat_statements"
                     + " WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT "
                     + options.statements)) {
                while (rs.next()) {
                    sb.append(String.format(Locale.ROOT, "%n        %,6d calls %,9.1f ms %,9d blocks %,7.1f MB WAL  %s",
                        rs.getLong(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4) / 1e6, rs.getString(5)));
                }
            }
        }
        return sb.toString();
    }

    private String settings() throws SQLException {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers",
            "max_wal_size")) {
            sb.append(sb.length() == 0 ? "" : ", ").append(name).append('=').append(queryText("SHOW " + name));
        }
        return sb.toString();
    }

    private String database() throws SQLException {
        return queryText("SELECT current_database()");
    }

    /** libpq's environment for pgbench, from the JDBC URL's host, port and user. */
    private Map<String, String> connectionEnvironment() throws SQLException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", queryText("SELECT coalesce(host(inet_server_addr()), 'localhost')"));
        env.put("PGPORT", queryText("SELECT current_setting('port')"));
        env.put("PGUSER", queryText("SELECT current_user"));
        return env;
    }

    private void execute(String... statements) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private long query(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String queryText(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return String.valueOf(rs.getString(1));
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException("Benchmark check failed: " + message);
        }
    }

    /** The command line. */
    static final class Options {
        @Nullable String jdbcUrl;
        String table = "pgbench_accounts";
        int reps = 3;
        int warmup = 1;
        /** A CHECKPOINT before each figure (the default): every figure pays its full-page writes, as the first run
         * after a checkpoint does. */
        boolean checkpoint = true;
        int batchSize = 10_000;
        int pool = 8;
        double changes = 0.01;
        String pgbench = "pgbench";
        int statements;
        boolean onlyFull;
        boolean onlyIncr0;
        boolean keyOrder;

        static Options parse(String... args) throws IOException, InterruptedException {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--jdbc-url" -> o.jdbcUrl = value;
                    case "--table" -> o.table = value;
                    case "--reps" -> o.reps = Integer.parseInt(value);
                    case "--warmup" -> o.warmup = Integer.parseInt(value);
                    case "--checkpoint" -> o.checkpoint = !"off".equals(value);
                    case "--batch-size" -> o.batchSize = Integer.parseInt(value);
                    case "--pool" -> o.pool = Integer.parseInt(value);
                    case "--changes" -> o.changes = Double.parseDouble(value);
                    case "--pgbench" -> o.pgbench = value;
                    case "--statements" -> o.statements = Integer.parseInt(value);
                    case "--first-sync" -> o.keyOrder = "key-order".equals(value);
                    case "--only" -> {
                        o.onlyFull = "full".equals(value);
                        o.onlyIncr0 = "incr0".equals(value);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; see ServerBenchmark's Javadoc");
                }
                i++;
            }
            if (o.jdbcUrl == null) {
                throw new IllegalArgumentException("--jdbc-url is required (valmi-examples/scripts/pg-production.sh url)");
            }
            if ("pgbench".equals(o.pgbench)) {
                Process p = new ProcessBuilder("pg_config", "--bindir").start();
                String bin = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() == 0 && !bin.isEmpty()) {
                    o.pgbench = bin + "/pgbench";
                }
            }
            return o;
        }
    }
}
