package io.valmi.testing;

import io.valmi.testing.internal.DockerProbe;
import io.valmi.testing.internal.EmbeddedBinaries;
import io.valmi.testing.internal.Postmaster;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server for tests: an external one, a Testcontainers container or embedded binaries (see
 * {@link ServerChoice#choose}). {@link #shared()} starts one per JVM, lazily, and stops it at exit; each test
 * class gets its own database from {@link #createDatabase(String)}.
 *
 * <p>Embedded servers trust the superuser {@code postgres} and ask every other user for a password (md5 or
 * SCRAM), so that tests of logins and grants behave as on a real server.
 */
public final class PostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    /** How long an embedded server may take for a fast shutdown before it is killed. */
    private static final java.time.Duration STOP_PATIENCE = java.time.Duration.ofSeconds(30);
    private static @Nullable PostgresServer shared;

    private final ServerChoice choice;
    private final String host;
    private final int port;
    private final String adminUser;
    private final @Nullable String adminPassword;
    private final String adminDatabase;
    private final String version;
    private final AutoCloseable resource;

    private PostgresServer(ServerChoice choice, String host, int port, String adminUser, @Nullable String adminPassword,
                           String adminDatabase, AutoCloseable resource) {
        this.choice = choice;
        this.host = host;
        this.port = port;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.adminDatabase = adminDatabase;
        this.resource = resource;
        this.version = queryVersion();
    }

    /**
     * The server shared by all tests of this JVM, started on first use from {@link FixtureSettings#fromEnvironment()}.
     *
     * @return the running server
     */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            PostgresServer server = start(FixtureSettings.fromEnvironment());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "valmi-postgres-shutdown"));
            shared = server;
        }
        return shared;
    }

    /**
     * Starts (or connects to) a server as the settings say. The caller closes it.
     *
     * @param settings where the server comes from, which version
     * @return the running server
     */
    public static PostgresServer start(FixtureSettings settings) {
        ServerChoice choice = ServerChoice.choose(settings, DockerProbe::dockerAvailable);
        log.info("PostgreSQL for tests: {} server, because {}", choice.kind().name().toLowerCase(Locale.ROOT),
            choice.reason());
        PostgresServer server;
        switch (choice.kind()) {
            case EXTERNAL:
                server = external(choice, settings);
                break;
            case DOCKER:
                server = docker(choice, settings);
                break;
            default:
                server = embedded(choice, settings);
                break;
        }
        log.info("PostgreSQL for tests is up at {}:{}: {}", server.host, server.port, server.version);
        return server;
    }

    private static PostgresServer external(ServerChoice choice, FixtureSettings settings) {
        String url = java.util.Objects.requireNonNull(settings.jdbcUrl());
        Properties parsed = org.postgresql.Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("valmi.test.jdbc-url is not a PostgreSQL JDBC URL: " + url);
        }
        String host = parsed.getProperty("PGHOST", "localhost").split(",")[0];
        int port = Integer.parseInt(parsed.getProperty("PGPORT", "5432").split(",")[0]);
        String user = settings.user() != null ? settings.user() : parsed.getProperty("user", "postgres");
        String password = settings.password() != null ? settings.password() : parsed.getProperty("password");
        String db = parsed.getProperty("PGDBNAME", "postgres");
        return new PostgresServer(choice, host, port, user, password, db, () -> { });
    }

    private static PostgresServer docker(ServerChoice choice, FixtureSettings settings) {
        String image = "postgres:" + (settings.version().contains(".")
            ? settings.version().replaceAll("\\.0$", "") : settings.version());
        org.testcontainers.postgresql.PostgreSQLContainer container =
            new org.testcontainers.postgresql.PostgreSQLContainer(image);
        container.start();
        return new PostgresServer(choice, container.getHost(), container.getMappedPort(5432), container.getUsername(),
            container.getPassword(), container.getDatabaseName(), container::stop);
    }

    private static PostgresServer embedded(ServerChoice choice, FixtureSettings settings) {
        settings.majorVersion();
        EmbeddedBinaries.Found binaries;
        try {
            binaries = EmbeddedBinaries.forThisJvm(settings.mavenRepository()).find(settings.version());
        } catch (IOException e) {
            throw new UncheckedIOException("No embedded PostgreSQL " + settings.version() + " binaries: "
                + e.getMessage(), e);
        }
        log.info("Embedded PostgreSQL binaries {}", binaries);
        Embedded pg = Embedded.start(binaries);
        return new PostgresServer(new ServerChoice(choice.kind(), choice.reason() + "; binaries " + binaries),
            "localhost", pg.port(), "postgres", null, "postgres", pg);
    }

    /**
     * Kills this server as a power cut would kill PostgreSQL, then starts it again on the same data directory and
     * port: every server process gets SIGKILL, so what was committed but not yet written out of PostgreSQL's WAL
     * buffers (a transaction committed with {@code synchronous_commit = off}, say) is lost, and the restart goes
     * through crash recovery. Connections open before are broken; data sources keep working.
     *
     * <p>Only for an embedded server of the caller's own ({@link #start(FixtureSettings)}), never the shared one:
     * check {@link #canCrash()} first (e.g. with an assumption).
     *
     * @throws UnsupportedOperationException when this server cannot be crashed
     */
    public void crashAndRestart() {
        ownEmbedded("crashed").crashAndRestart();
    }

    /**
     * Whether {@link #crashAndRestart()}, {@link #freeze()} and {@link #thaw()} work on this server: an embedded one
     * that is not {@link #shared()}.
     *
     * @return whether it can be crashed
     */
    public boolean canCrash() {
        return resource instanceof Embedded && this != shared;
    }

    /**
     * Freezes this server as a hung machine would: every server process gets SIGSTOP (the postmaster first, so that
     * it starts no new one). Connections stay open and the kernel still accepts new ones and answers TCP keepalives,
     * but no statement is answered and no start-up completes until {@link #thaw()}. {@link #close()} thaws a frozen
     * server before it stops it.
     *
     * <p>Only for an embedded server of the caller's own on a system with a {@code kill} command (Linux, macOS):
     * check {@link #canCrash()} first (e.g. with an assumption), and thaw in a {@code finally} block.
     *
     * @throws UnsupportedOperationException when this server cannot be frozen
     */
    public void freeze() {
        ownEmbedded("frozen").signal(true);
    }

    /**
     * Lets a server stopped by {@link #freeze()} go on: every server process gets SIGCONT. Does nothing to a server
     * that is not frozen.
     *
     * @throws UnsupportedOperationException when this server cannot be frozen
     */
    public void thaw() {
        ownEmbedded("thawed").signal(false);
    }

    private Embedded ownEmbedded(String what) {
        if (!canCrash()) {
            throw new UnsupportedOperationException("Only an embedded server of your own can be " + what + " (this one"
                + " is " + choice.kind() + (this == shared ? ", the shared one" : "") + "): start one with "
                + "PostgresServer.start(FixtureSettings) and check canCrash()");
        }
        return (Embedded) resource;
    }

    /**
     * An embedded server whose data directory outlives a crash of its processes. It stops when closed, at the latest
     * when the JVM exits: through a shutdown hook of its own that needs no class not yet loaded (so that it works
     * after {@code mvn exec:java} has closed the application's class loader), and, for a JVM killed with SIGKILL
     * (no hook runs), through a watchdog process ({@link Postmaster#watchdog}).
     */
    private static final class Embedded implements AutoCloseable {
        private final Path jar;
        private final File dataDirectory;
        private final Thread shutdownHook;
        private EmbeddedPostgres pg;
        private @Nullable Process watchdog;
        /** Whether {@link #signal(boolean)} stopped the server's processes. */
        private boolean frozen;
        private boolean closed;

        private Embedded(Path jar, File dataDirectory, EmbeddedPostgres pg) {
            this.jar = jar;
            this.dataDirectory = dataDirectory;
            this.pg = pg;
            this.shutdownHook = new Thread(this::closeAtExit, "valmi-postgres-shutdown-" + pg.getPort());
        }

        static Embedded start(EmbeddedBinaries.Found binaries) {
            File data;
            try {
                data = Files.createTempDirectory("valmi-pg-data-").toFile();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not create a data directory for embedded PostgreSQL: "
                    + e.getMessage(), e);
            }
            try {
                Embedded server = new Embedded(binaries.jar(), data, launch(binaries.jar(), data, 0));
                Runtime.getRuntime().addShutdownHook(server.shutdownHook);
                server.watch();
                return server;
            } catch (IOException | RuntimeException e) {
                // A server that started half way (initdb done, postmaster up, not answering) is not left behind.
                Postmaster.stop(data.toPath(), STOP_PATIENCE);
                try {
                    Postmaster.deleteTree(data.toPath());
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("Could not start embedded PostgreSQL " + binaries + ": "
                        + e.getMessage(), io);
                }
                throw (RuntimeException) e;
            }
        }

        private static EmbeddedPostgres launch(Path jar, File data, int port) throws IOException {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPgBinaryResolver((system, hardware) -> EmbeddedBinaries.openArchive(jar))
                .setDataDirectory(data)
                // (A new data directory is initialized; one that exists is started as it is, after a crash.)
                .setCleanDataDirectory(false)
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "200")
                .setDataDirectoryCustomizer(PostgresServer::requirePasswords)
                // Not zonky's hook: it raced with ours (each closing half of the server; a postmaster was left
                // running when ours deleted postmaster.pid before zonky's pg_ctl read it), and it loads classes at
                // exit, which fails after mvn exec:java closed the class loader.
                .setRegisterShutdownHook(false);
            if (port > 0) {
                builder.setPort(port);
            }
            return builder.start();
        }

        /** Starts a watchdog for the running postmaster (again after a restart: the old one watched a dead pid). */
        private void watch() {
            if (watchdog != null) {
                watchdog.destroy();
            }
            watchdog = Postmaster.of(dataDirectory.toPath())
                .map(postmaster -> Postmaster.watchdog(dataDirectory.toPath(), postmaster.pid()))
                .orElse(null);
            if (watchdog == null) {
                log.debug("No watchdog for the test server at port {} (no /bin/sh, or no postmaster.pid)", pg.getPort());
            }
        }

        Path dataDirectory() {
            return dataDirectory.toPath();
        }

        int port() {
            return pg.getPort();
        }

        /** The postmaster, from the first line of postmaster.pid (zonky starts it through pg_ctl). */
        private ProcessHandle postmaster() throws IOException {
            long pid = Long.parseLong(Files.readAllLines(dataDirectory.toPath().resolve("postmaster.pid"),
                StandardCharsets.US_ASCII).get(0).trim());
            return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                "No postmaster process " + pid + " for the test server at port " + pg.getPort()));
        }

        /** Sends SIGSTOP (freeze) or SIGCONT (thaw) to the postmaster and every process it started. */
        synchronized void signal(boolean stop) {
            if (frozen == stop) {
                return;
            }
            try {
                ProcessHandle postmaster = postmaster();
                // Freezing: the postmaster first, so that it forks no process after the list is taken. Thawing: the
                // children first, so that the postmaster finds them running.
                if (stop) {
                    kill("-STOP", List.of(postmaster));
                }
                kill(stop ? "-STOP" : "-CONT", postmaster.descendants().toList());
                if (!stop) {
                    kill("-CONT", List.of(postmaster));
                }
                frozen = stop;
                log.info("Test PostgreSQL at port {} is {}", pg.getPort(), stop ? "frozen (SIGSTOP)" : "thawed (SIGCONT)");
            } catch (IOException e) {
                throw new UncheckedIOException("Could not " + (stop ? "freeze" : "thaw") + " the test server at port "
                    + pg.getPort() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while signalling the test server", e);
            }
        }

        /** Signals each process; one that has ended meanwhile (a backend whose client left) is passed over. */
        private static void kill(String signal, List<ProcessHandle> processes) throws IOException,
            InterruptedException {
            for (ProcessHandle p : processes) {
                Process kill;
                try {
                    kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).redirectErrorStream(true).start();
                } catch (IOException e) {
                    throw new UnsupportedOperationException("Freezing a test server needs the kill command (Linux,"
                        + " macOS): " + e.getMessage(), e);
                }
                String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (kill.waitFor() != 0 && p.isAlive()) {
                    throw new IOException("kill " + signal + " " + p.pid() + " failed: " + output);
                }
            }
        }

        synchronized void crashAndRestart() {
            int port = pg.getPort();
            try {
                ProcessHandle postmaster = postmaster();
                List<ProcessHandle> processes = new ArrayList<>(postmaster.descendants().toList());
                processes.add(postmaster);
                // Every server process at once: no checkpoint, no flush of the WAL buffers.
                postmaster.destroyForcibly();
                processes.forEach(ProcessHandle::destroyForcibly);
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Test server processes still alive 30 s after SIGKILL");
                    }
                    Thread.sleep(20);
                }
                try {
                    pg.close();
                } catch (IOException | RuntimeException e) {
                    log.debug("Stopping the killed server reported: {}", e.toString());
                }
                Files.deleteIfExists(dataDirectory.toPath().resolve("postmaster.pid"));
                pg = launch(jar, dataDirectory, port);
                frozen = false;
                watch();
                log.info("Test PostgreSQL at port {} was killed and has restarted through crash recovery", port);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while crashing the test server", e);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not restart embedded PostgreSQL after a crash: " + e.getMessage(),
                    e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (frozen) {
                    // (A frozen server would not stop.)
                    try {
                        signal(false);
                    } catch (RuntimeException e) {
                        log.warn("Could not thaw the test server before stopping it: {}", e.toString());
                    }
                }
                Throwable zonkyFailure = null;
                try {
                    pg.close();
                } catch (IOException | RuntimeException | LinkageError e) {
                    // Postmaster.stop below stops the server all the same (a LinkageError: zonky needed a class that
                    // can no longer be loaded); the failure is reported only if that fails too.
                    zonkyFailure = e;
                }
                if (!Postmaster.stop(dataDirectory.toPath(), STOP_PATIENCE)) {
                    IOException notStopped = new IOException("The test PostgreSQL in " + dataDirectory
                        + " did not stop, not even after SIGKILL");
                    if (zonkyFailure != null) {
                        notStopped.addSuppressed(zonkyFailure);
                    }
                    throw notStopped;
                }
                if (watchdog != null) {
                    watchdog.destroy();
                }
                Postmaster.deleteTree(dataDirectory.toPath());
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // The JVM is shutting down (this may be the hook itself): nothing to remove.
                }
            }
        }

        /**
         * The shutdown hook: as {@link #close()}, with only the JDK and classes loaded before (no logging: the
         * logging library may need classes that can no longer be loaded).
         */
        private void closeAtExit() {
            try {
                close();
            } catch (IOException | RuntimeException | LinkageError e) {
                System.err.println("valmi-test-fixtures: could not stop the test PostgreSQL in " + dataDirectory
                    + ": " + e);
            }
        }
    }

    private static void requirePasswords(File dataDirectory) {
        String hba = String.join("\n",
            "# written by valmi-test-fixtures: the superuser is trusted, every other user needs its password",
            "local all postgres trust",
            "host  all postgres 127.0.0.1/32 trust",
            "host  all postgres ::1/128 trust",
            "local all all md5",
            "host  all all 127.0.0.1/32 md5",
            "host  all all ::1/128 md5",
            "");
        try {
            Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The data directory of an embedded server, else null (for the fixtures' own tests). */
    @Nullable Path embeddedDataDirectory() {
        return resource instanceof Embedded ? ((Embedded) resource).dataDirectory() : null;
    }

    /**
     * Where this server comes from and why.
     *
     * @return the choice
     */
    public ServerChoice choice() {
        return choice;
    }

    /**
     * The host name.
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * The port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * The superuser (or the configured user of an external server).
     *
     * @return the user name
     */
    public String adminUser() {
        return adminUser;
    }

    /**
     * The password of {@link #adminUser()}.
     *
     * @return the password, {@code null} when none is needed
     */
    public @Nullable String adminPassword() {
        return adminPassword;
    }

    /**
     * The result of {@code select version()}.
     *
     * @return for example {@code PostgreSQL 17.6 on x86_64-pc-linux-gnu, ...}
     */
    public String version() {
        return version;
    }

    /**
     * The major version of the server.
     *
     * @return for example 17
     */
    public int majorVersion() {
        String v = version.substring("PostgreSQL ".length());
        return Integer.parseInt(v.substring(0, v.indexOf('.')));
    }

    /**
     * The JDBC URL of a database of this server.
     *
     * @param database the database name
     * @return the URL, without credentials
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + java.net.URLEncoder.encode(database,
            StandardCharsets.UTF_8);
    }

    /**
     * A data source for a database of this server, as {@link #adminUser()}.
     *
     * @param database the database name
     * @return an unpooled data source
     */
    public DataSource adminDataSource(String database) {
        return dataSource(database, adminUser, adminPassword);
    }

    /**
     * An unpooled data source for a database of this server.
     *
     * @param database the database name
     * @param user the user
     * @param password the password, or {@code null}
     * @return the data source
     */
    public DataSource dataSource(String database, String user, @Nullable String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(user);
        if (password != null) {
            ds.setPassword(password);
        }
        ds.setApplicationName("valmi-tests");
        return ds;
    }

    /**
     * Creates a fresh, empty database.
     *
     * @param prefix a readable prefix, for example the test class name
     * @return the database; {@link TestDatabase#close()} drops it
     */
    public TestDatabase createDatabase(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        if (clean.length() > 40) {
            clean = clean.substring(clean.length() - 40);
        }
        String name = "t_" + clean + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        executeAdmin("CREATE DATABASE " + quote(name));
        return new TestDatabase(this, name);
    }

    /**
     * Drops a database, closing its remaining connections first.
     *
     * @param name the database
     */
    public void dropDatabase(String name) {
        executeAdmin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
            + name.replace("'", "''") + "' AND pid <> pg_backend_pid()");
        executeAdmin("DROP DATABASE IF EXISTS " + quote(name));
    }

    /**
     * Runs a statement as {@link #adminUser()} in the server's maintenance database.
     *
     * @param sql the statement
     */
    public void executeAdmin(String sql) {
        try (Connection c = adminDataSource(adminDatabase).getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Admin statement failed on the test server: " + sql + ": " + e.getMessage(),
                e);
        }
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private String queryVersion() {
        try (Connection c = adminDataSource(adminDatabase).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to the test PostgreSQL at " + host + ":" + port + " as "
                + adminUser + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server (external servers are left running). */
    @Override
    public void close() {
        try {
            resource.close();
        } catch (Exception e) {
            log.warn("Stopping the test PostgreSQL failed: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + choice.kind() + " " + host + ":" + port + ", " + version + "]";
    }

    static Connection connect(String url, String user, @Nullable String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(url, p);
    }
}
