package io.valmi.spring.boot;

import io.valmi.ConfigurationException;
import io.valmi.Destination;
import io.valmi.Mapping;
import io.valmi.Schedule;
import io.valmi.SyncJob;
import io.valmi.postgres.PostgresSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;

/** Builds the jobs of {@code valmi.jobs} (and the schedules it gives to job beans); every error names the property. */
final class PropertyJobs {
    private PropertyJobs() {
    }

    /**
     * Every job: beans of type {@link ScheduledSyncJob}, beans of type {@link SyncJob} (with the schedule of
     * {@code valmi.jobs.<id>.schedule}, if any), and the jobs of {@code valmi.jobs}, in that order.
     */
    static List<ScheduledSyncJob> all(ValmiProperties properties, List<ScheduledSyncJob> scheduledBeans,
                                      List<SyncJob> jobBeans, @Nullable DataSource dataSource,
                                      ListableBeanFactory beans) {
        List<ScheduledSyncJob> all = new ArrayList<>(scheduledBeans);
        Map<String, ValmiProperties.Job> configured = properties.getJobs();
        for (SyncJob job : jobBeans) {
            ValmiProperties.Job settings = configured.get(job.id());
            if (settings != null && readsSomething(settings)) {
                throw new ConfigurationException("Sync job '" + job.id() + "' is declared twice: as a SyncJob bean and"
                    + " under valmi.jobs." + job.id() + " (with a source or query); remove one, or leave valmi.jobs."
                    + job.id() + ".source and .query out to give the bean a schedule");
            }
            all.add(new ScheduledSyncJob(job, settings == null ? null : schedule(job.id(), settings.getSchedule())));
        }
        for (Map.Entry<String, ValmiProperties.Job> entry : configured.entrySet()) {
            String id = entry.getKey();
            ValmiProperties.Job settings = entry.getValue();
            if (!readsSomething(settings)) {
                if (jobBeans.stream().noneMatch(j -> j.id().equals(id))) {
                    throw new ConfigurationException("valmi.jobs." + id + " has neither a source nor a query, and there"
                        + " is no SyncJob bean of id '" + id + "' to schedule: set valmi.jobs." + id + ".source to"
                        + " schema.table, or valmi.jobs." + id + ".query to a SELECT");
                }
                continue;
            }
            if (dataSource == null) {
                throw new ConfigurationException("valmi.jobs." + id + " reads the application's DataSource, and there"
                    + " is none: configure spring.datasource.*");
            }
            all.add(new ScheduledSyncJob(job(id, settings, properties, dataSource, beans),
                schedule(id, settings.getSchedule())));
        }
        List<String> ids = new ArrayList<>();
        for (ScheduledSyncJob job : all) {
            if (ids.contains(job.id())) {
                throw new ConfigurationException("Two sync jobs have the id '" + job.id() + "' (beans or valmi.jobs):"
                    + " a job's id keys its state, give each job its own");
            }
            ids.add(job.id());
        }
        return all;
    }

    static SyncJob job(String id, ValmiProperties.Job settings, ValmiProperties properties, DataSource dataSource,
                       ListableBeanFactory beans) {
        String prefix = "valmi.jobs." + id;
        PostgresSource.Builder sourceBuilder = PostgresSource.builder()
            .dataSource(dataSource, properties.getSourceName())
            .bookkeepingSchema(properties.getBookkeepingSchema());
        String source = settings.getSource();
        String query = settings.getQuery();
        if (source != null && query != null) {
            throw new ConfigurationException(prefix + " has both a source (" + source + ") and a query: a job reads"
                + " one of them, keep " + prefix + ".source for a table or view, or " + prefix + ".query for a SELECT");
        } else if (query != null) {
            if (query.isBlank()) {
                throw new ConfigurationException(prefix + ".query is empty: give the text of a SELECT, e.g. SELECT id,"
                    + " email FROM public.customers");
            }
            sourceBuilder.query(id, query);
        } else if (source != null) {
            int dot = source.indexOf('.');
            if (dot <= 0 || dot == source.length() - 1) {
                throw new ConfigurationException(prefix + ".source is '" + source + "': give it as schema.table, e.g."
                    + " public.customers");
            }
            sourceBuilder.table(source.substring(0, dot), source.substring(dot + 1));
        } else {
            throw new ConfigurationException(prefix + " has neither a source nor a query: set " + prefix + ".source to"
                + " schema.table, or " + prefix + ".query to a SELECT");
        }
        if (settings.getReadAhead() != null) {
            sourceBuilder.readAhead(settings.getReadAhead());
        }
        if (settings.getFirstSyncInKeyOrder() != null) {
            sourceBuilder.firstSyncInKeyOrder(settings.getFirstSyncInKeyOrder());
        }
        String key = settings.getKey();
        if (key == null || key.isBlank()) {
            throw new ConfigurationException(prefix + ".key is missing: name the key column (unique, not null)");
        }
        if (settings.getMapping().isEmpty()) {
            throw new ConfigurationException(prefix + ".mapping is missing: map at least one column to a field, e.g. "
                + prefix + ".mapping.email=email");
        }
        Mapping.Builder mapping = Mapping.builder().key(key);
        settings.getMapping().forEach((column, field) -> mapping.map(column, field.isBlank() ? column : field));
        if (settings.getSourceMode() != null) {
            mapping.sourceMode(settings.getSourceMode());
        }
        if (settings.getDestinationMode() != null) {
            mapping.destinationMode(settings.getDestinationMode());
        }
        SyncJob.Builder job = SyncJob.builder(id)
            .source(sourceBuilder.build())
            .destination(destination(prefix, settings.getDestination(), beans))
            .mapping(mapping.build());
        if (settings.getBatchSize() != null) {
            job.batchSize(settings.getBatchSize());
        }
        if (settings.getConcurrency() != null) {
            job.concurrency(settings.getConcurrency());
        }
        if (settings.getWriteTimeout() != null) {
            job.writeTimeout(settings.getWriteTimeout());
        }
        if (settings.getMaxRemovedFraction() != null) {
            job.maxRemovedFraction(settings.getMaxRemovedFraction());
        }
        if (settings.getMaxInvalidFraction() != null) {
            job.maxInvalidFraction(settings.getMaxInvalidFraction());
        }
        if (settings.getQuarantineAfter() != null) {
            job.quarantineAfter(settings.getQuarantineAfter());
        }
        if (settings.getOnMappingChange() != null) {
            job.onMappingChange(settings.getOnMappingChange());
        }
        SyncJob built = job.build();
        Boolean allowEmpty = settings.getAllowEmptySource();
        return allowEmpty == null ? built : built.withOptions(built.options().withAllowEmptySource(allowEmpty));
    }

    /** Whether the settings declare a job of their own (a source or a query), not only a bean's schedule. */
    private static boolean readsSomething(ValmiProperties.Job settings) {
        return settings.getSource() != null || settings.getQuery() != null;
    }

    private static Destination destination(String prefix, @Nullable String name, ListableBeanFactory beans) {
        String[] names = beans.getBeanNamesForType(Destination.class);
        if (name == null || name.isBlank()) {
            throw new ConfigurationException(prefix + ".destination is missing: name a Destination bean (there are: "
                + Arrays.toString(names) + ")");
        }
        try {
            return beans.getBean(name, Destination.class);
        } catch (NoSuchBeanDefinitionException e) {
            throw new ConfigurationException(prefix + ".destination is '" + name + "', and there is no Destination bean"
                + " of that name; Destination beans: " + Arrays.toString(names));
        }
    }

    static @Nullable Schedule schedule(String id, ValmiProperties.ScheduleProperties settings) {
        String prefix = "valmi.jobs." + id + ".schedule";
        Schedule schedule;
        if (settings.getCron() != null && settings.getEvery() != null) {
            throw new ConfigurationException(prefix + " has both cron and every: keep one");
        } else if (settings.getCron() != null) {
            String zone = settings.getZone();
            try {
                schedule = Schedule.cron(settings.getCron(), zone == null ? ZoneId.systemDefault() : ZoneId.of(zone));
            } catch (java.time.DateTimeException e) {
                throw new ConfigurationException(prefix + ".zone is '" + zone + "', not a time zone: give a zone id"
                    + " such as Europe/Berlin or UTC (" + e.getMessage() + ")");
            }
        } else if (settings.getEvery() != null) {
            if (settings.getZone() != null) {
                throw new ConfigurationException(prefix + ".zone is set without a cron expression: an interval"
                    + " (every) has no zone");
            }
            schedule = Schedule.every(settings.getEvery());
        } else {
            if (settings.getJitter() != null || settings.getInitialDelay() != null || settings.getZone() != null) {
                throw new ConfigurationException(prefix + " has no cron and no every: set one of them");
            }
            return null;
        }
        if (settings.getJitter() != null) {
            schedule = schedule.withJitter(settings.getJitter());
        }
        if (settings.getInitialDelay() != null) {
            schedule = schedule.startingAfter(settings.getInitialDelay());
        }
        return schedule;
    }
}
