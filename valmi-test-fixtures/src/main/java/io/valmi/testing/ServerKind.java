package io.valmi.testing;

/** Where the tests' PostgreSQL server comes from. */
public enum ServerKind {
    /** A server given by a JDBC URL ({@code valmi.test.jdbc-url} or {@code VALMI_TEST_JDBC_URL}). */
    EXTERNAL,
    /** A Testcontainers container of the official {@code postgres} image. */
    DOCKER,
    /** Embedded PostgreSQL binaries from Maven Central ({@code io.zonky.test}). */
    EMBEDDED
}
