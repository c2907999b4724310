package io.valmi.postgres.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log categories of valmi-postgres: named by the public class a line is about, never by an internal one, so that
 * an application's logging configuration does not depend on how the implementation is cut.
 */
final class Logs {
    /** Runs, bookkeeping and discovery of a {@code PostgresSource}. */
    static final Logger SOURCE = LoggerFactory.getLogger("io.valmi.postgres.PostgresSource");
    /** Connections and sessions ({@code PostgresConnection}, and sessions on an application's own data source). */
    static final Logger CONNECTION = LoggerFactory.getLogger("io.valmi.postgres.PostgresConnection");
    /** Writes of a {@code PostgresTableDestination}. */
    static final Logger TABLE_DESTINATION = LoggerFactory.getLogger("io.valmi.postgres.PostgresTableDestination");

    private Logs() {
    }
}
