package io.valmi.testing;

import java.util.function.BooleanSupplier;

/**
 * Which server the fixture uses, and why.
 *
 * @param kind where the server comes from
 * @param reason why it was chosen, for the log
 */
public record ServerChoice(ServerKind kind, String reason) {

    /**
     * Chooses, in this order: a configured JDBC URL; else Docker when available; else embedded binaries.
     *
     * @param settings the fixture's settings
     * @param dockerAvailable asked only when no JDBC URL is configured and no provider is forced
     * @return the choice
     */
    public static ServerChoice choose(FixtureSettings settings, BooleanSupplier dockerAvailable) {
        if (settings.provider() != null) {
            if (settings.provider() == ServerKind.EXTERNAL && settings.jdbcUrl() == null) {
                throw new IllegalStateException("valmi.test.postgres.provider=external needs valmi.test.jdbc-url"
                    + " (or VALMI_TEST_JDBC_URL)");
            }
            return new ServerChoice(settings.provider(), "forced by valmi.test.postgres.provider="
                + settings.provider().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (settings.jdbcUrl() != null) {
            return new ServerChoice(ServerKind.EXTERNAL, "a JDBC URL is configured (valmi.test.jdbc-url)");
        }
        if (dockerAvailable.getAsBoolean()) {
            return new ServerChoice(ServerKind.DOCKER, "no JDBC URL is configured and a Docker engine is available");
        }
        return new ServerChoice(ServerKind.EMBEDDED,
            "no JDBC URL is configured and no Docker engine is available");
    }
}
