/**
 * Implementation of the PostgreSQL source and table destination. Not an API: the public classes of
 * {@code io.valmi.postgres} reach it through {@link io.valmi.postgres.internal.Postgres} (and the destination through
 * {@link io.valmi.postgres.internal.TableWriter}); everything else here is package-private. A run's steps each have one
 * home: {@code Describe} (describe), {@code RunStarter} (check, lock), {@code Recovery} (recover), {@code PlanTableRun}
 * or {@code FirstSyncRun} (plan, hand out, acknowledge), {@code PgRun} (finish); each bookkeeping table too:
 * {@code BookkeepingSchema}, {@code JobsTable}, {@code RunsTable}, {@code SnapshotTable}, {@code PlanTable},
 * {@code IssuesTable}, {@code InDoubtMarks}. Each column's type policy is a {@code ColumnType}. SQL is rendered by
 * jOOQ ({@code Sql}); the PostgreSQL-only templates jOOQ has no typed form for are in {@code PgTemplates}. See
 * {@code docs/internals.md}.
 */
@NullMarked
package io.valmi.postgres.internal;

import org.jspecify.annotations.NullMarked;
