/**
 * Spring Boot auto-configuration of valmi: a {@link io.valmi.SyncRunner} and a scheduler on the application's
 * {@code DataSource}, jobs declared as beans ({@link io.valmi.SyncJob}, {@link io.valmi.spring.boot.ScheduledSyncJob})
 * or under {@code valmi.jobs} in {@code application.yml} ({@link io.valmi.spring.boot.ValmiProperties}), their state
 * in {@link io.valmi.spring.boot.ValmiJobs}, a health indicator, the Actuator endpoint {@code valmi} and Micrometer
 * metrics when the application has them.
 *
 * <p>Everything in this package is null-hostile unless a parameter or return value is marked
 * {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.valmi.spring.boot;

import org.jspecify.annotations.NullMarked;
