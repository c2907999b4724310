/**
 * Scheduled sync jobs on <a href="https://github.com/kagkarlsson/db-scheduler">db-scheduler</a>, for applications that
 * run on several instances: {@link io.valmi.dbscheduler.ClusterSyncScheduler} (or, on a db-scheduler
 * {@code Scheduler} of your own, the tasks of {@link io.valmi.dbscheduler.SyncTasks}) runs each scheduled time of a
 * job once across the instances that share one PostgreSQL table, and another instance picks up the job of an instance
 * that died. {@link io.valmi.dbscheduler.ScheduledTasksTable} holds the table's definition.
 *
 * <p>Everything in this package is null-hostile unless a parameter or return value is marked
 * {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.valmi.dbscheduler;

import org.jspecify.annotations.NullMarked;
