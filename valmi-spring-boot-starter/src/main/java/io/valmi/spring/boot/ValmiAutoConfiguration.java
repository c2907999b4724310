package io.valmi.spring.boot;

import io.valmi.ConfigurationException;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.SyncRunner;
import io.valmi.SyncScheduler;
import io.valmi.dbscheduler.ClusterSyncScheduler;
import io.valmi.dbscheduler.ScheduledTasksTable;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * valmi on the application's {@code DataSource}: a {@link SyncRunner} with every {@link SyncListener} bean, the jobs
 * ({@link SyncJob} and {@link ScheduledSyncJob} beans, {@code valmi.jobs}) in {@link ValmiJobs}, and a scheduler:
 * valmi's {@link SyncScheduler}, or with {@code valmi.scheduler.type=cluster} valmi-db-scheduler's
 * {@code ClusterSyncScheduler}. {@code valmi.enabled=false} turns it off.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@ConditionalOnClass(SyncRunner.class)
@ConditionalOnProperty(prefix = "valmi", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ValmiProperties.class)
public class ValmiAutoConfiguration {

    /** The auto-configuration; Spring Boot creates it. */
    public ValmiAutoConfiguration() {
    }

    @Bean
    RunTracker valmiRunTracker() {
        return new RunTracker();
    }

    /**
     * The runner, with every {@link SyncListener} bean; closed when the application stops.
     *
     * @param listeners the listeners
     * @return the runner
     */
    @Bean
    @ConditionalOnMissingBean
    public SyncRunner syncRunner(ObjectProvider<SyncListener> listeners) {
        SyncRunner.Builder builder = SyncRunner.builder();
        listeners.orderedStream().forEach(builder::listener);
        return builder.build();
    }

    @Bean
    JobList valmiJobList(ValmiProperties properties, ObjectProvider<ScheduledSyncJob> scheduled,
                         ObjectProvider<SyncJob> jobs, ObjectProvider<DataSource> dataSource,
                         ListableBeanFactory beans) {
        return new JobList(PropertyJobs.all(properties, scheduled.orderedStream().toList(),
            jobs.orderedStream().toList(), dataSource.getIfUnique(), beans));
    }

    /**
     * The jobs: scheduled when the application starts, stopped gracefully when it stops.
     *
     * @param jobs the jobs
     * @param runner the runner
     * @param scheduling the scheduler
     * @param runs the runs seen
     * @param properties the settings
     * @return the jobs
     */
    @Bean
    @ConditionalOnMissingBean
    ValmiJobs valmiJobs(JobList jobs, SyncRunner runner, JobScheduling scheduling, RunTracker runs,
                        ValmiProperties properties) {
        return new ValmiJobs(jobs.jobs(), runner, scheduling, runs, properties.getHealth().getLateAfter(),
            Clock.systemUTC());
    }

    /** valmi's scheduler, in this JVM (the default). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "valmi.scheduler", name = "type", havingValue = "local", matchIfMissing = true)
    static class Local {
        @Bean
        @ConditionalOnMissingBean
        SyncScheduler syncScheduler(SyncRunner runner, ValmiProperties properties) {
            return SyncScheduler.create(runner, properties.getScheduler().getThreads());
        }

        @Bean
        JobScheduling valmiJobScheduling(SyncScheduler scheduler, SyncRunner runner, ValmiProperties properties) {
            return new LocalScheduling(scheduler, runner, properties.getScheduler().getCancelWait(),
                Clock.systemUTC());
        }
    }

    /** valmi-db-scheduler's cluster scheduler: each time of a schedule once across the instances. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.valmi.dbscheduler.ClusterSyncScheduler")
    @ConditionalOnProperty(prefix = "valmi.scheduler", name = "type", havingValue = "cluster")
    static class Cluster {
        @Bean
        @ConditionalOnMissingBean
        ClusterSyncScheduler clusterSyncScheduler(DataSource dataSource, SyncRunner runner, JobList jobs,
                                                  ValmiProperties properties) {
            ValmiProperties.Scheduler settings = properties.getScheduler();
            ClusterSyncScheduler.Builder builder = ClusterSyncScheduler.builder(dataSource, runner)
                .threads(settings.getThreads())
                .cancelWait(settings.getCancelWait());
            boolean any = false;
            for (ScheduledSyncJob job : jobs.jobs()) {
                if (job.schedule() != null) {
                    builder.schedule(job.job(), job.schedule());
                    any = true;
                }
            }
            if (!any) {
                throw new ConfigurationException("valmi.scheduler.type is cluster, and no job has a schedule: give one"
                    + " a schedule (valmi.jobs.<id>.schedule, or a ScheduledSyncJob bean), or leave the type local");
            }
            if (settings.isCreateTable()) {
                ScheduledTasksTable.create(dataSource);
            }
            return builder.build();
        }

        @Bean
        JobScheduling valmiJobScheduling(ClusterSyncScheduler cluster, SyncRunner runner) {
            return new ClusterScheduling(cluster, runner);
        }
    }

    /** Says what is missing when the cluster scheduler is asked for without valmi-db-scheduler. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("io.valmi.dbscheduler.ClusterSyncScheduler")
    @ConditionalOnProperty(prefix = "valmi.scheduler", name = "type", havingValue = "cluster")
    static class ClusterMissing {
        @Bean
        JobScheduling valmiJobScheduling() {
            throw new ConfigurationException("valmi.scheduler.type is cluster, and valmi-db-scheduler is not on the"
                + " class path: add io.valmi:valmi-db-scheduler, or leave the type local");
        }
    }
}
