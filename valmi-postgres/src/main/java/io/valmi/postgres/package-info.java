/**
 * PostgreSQL for valmi: {@link io.valmi.postgres.PostgresConnection} (how to connect),
 * {@link io.valmi.postgres.PostgresCatalog} (discovery of schemas, tables, views, columns and candidate keys),
 * {@link io.valmi.postgres.PostgresPermissions} (what the database user needs, as a script and as a check)
 * and {@link io.valmi.postgres.PostgresSource} (a table or view as a {@link io.valmi.Source}, diffed against
 * a snapshot kept in a bookkeeping schema).
 */
@NullMarked
package io.valmi.postgres;

import org.jspecify.annotations.NullMarked;
