package io.valmi.spring.boot;

import io.valmi.DestinationMode;
import io.valmi.MappingChangePolicy;
import io.valmi.SourceMode;
import io.valmi.postgres.PostgresSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The settings under {@code valmi} in {@code application.yml}: the bookkeeping schema, the scheduler, the health
 * indicator, and jobs declared by configuration ({@code valmi.jobs.<id>}).
 */
@ConfigurationProperties("valmi")
public class ValmiProperties {

    /** Whether valmi's auto-configuration is on. */
    private boolean enabled = true;

    /** The schema where valmi keeps its state, for the jobs declared under valmi.jobs. */
    private String bookkeepingSchema = PostgresSource.DEFAULT_BOOKKEEPING_SCHEMA;

    /** The name of the application's DataSource in logs and results of the jobs declared under valmi.jobs. */
    private String sourceName = "datasource";

    private final Scheduler scheduler = new Scheduler();

    private final Health health = new Health();

    /**
     * Jobs by id: each reads a table, view or SQL query of the application's DataSource into a Destination bean.
     */
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    /**
     * Whether the auto-configuration is on.
     *
     * @return {@code true} by default
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Turns the auto-configuration on or off.
     *
     * @param enabled {@code false} to leave valmi's beans out
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * The bookkeeping schema.
     *
     * @return the schema name
     */
    public String getBookkeepingSchema() {
        return bookkeepingSchema;
    }

    /**
     * Sets the bookkeeping schema.
     *
     * @param bookkeepingSchema the schema name
     */
    public void setBookkeepingSchema(String bookkeepingSchema) {
        this.bookkeepingSchema = bookkeepingSchema;
    }

    /**
     * The DataSource's name in logs and results.
     *
     * @return the name
     */
    public String getSourceName() {
        return sourceName;
    }

    /**
     * Sets the DataSource's name in logs and results.
     *
     * @param sourceName the name
     */
    public void setSourceName(String sourceName) {
        this.sourceName = sourceName;
    }

    /**
     * The scheduler's settings.
     *
     * @return {@code valmi.scheduler}
     */
    public Scheduler getScheduler() {
        return scheduler;
    }

    /**
     * The health indicator's settings.
     *
     * @return {@code valmi.health}
     */
    public Health getHealth() {
        return health;
    }

    /**
     * The jobs declared by configuration.
     *
     * @return {@code valmi.jobs}, by id
     */
    public Map<String, Job> getJobs() {
        return jobs;
    }

    /** Which scheduler runs the scheduled jobs. */
    public enum SchedulerType {
        /** valmi's {@code SyncScheduler}, in this JVM. */
        LOCAL,
        /**
         * valmi-db-scheduler's {@code ClusterSyncScheduler}: each time of a schedule once across the application's
         * instances (needs valmi-db-scheduler on the class path and its table).
         */
        CLUSTER
    }

    /** {@code valmi.scheduler}. */
    public static class Scheduler {
        /** Which scheduler runs the scheduled jobs: local (in this JVM) or cluster (db-scheduler). */
        private SchedulerType type = SchedulerType.LOCAL;

        /** How many jobs may run at once in this instance. */
        private int threads = 2;

        /** Whether the cluster scheduler creates db-scheduler's table when it is missing. */
        private boolean createTable = true;

        /** How long the writes under way of a run are waited for when the application shuts down. */
        private Duration cancelWait = Duration.ofSeconds(30);

        /**
         * The scheduler.
         *
         * @return local or cluster
         */
        public SchedulerType getType() {
            return type;
        }

        /**
         * Sets the scheduler.
         *
         * @param type local or cluster
         */
        public void setType(SchedulerType type) {
            this.type = type;
        }

        /**
         * Jobs running at once.
         *
         * @return the number of threads
         */
        public int getThreads() {
            return threads;
        }

        /**
         * Sets how many jobs may run at once.
         *
         * @param threads at least 1
         */
        public void setThreads(int threads) {
            this.threads = threads;
        }

        /**
         * Whether the cluster scheduler's table is created.
         *
         * @return {@code true} by default
         */
        public boolean isCreateTable() {
            return createTable;
        }

        /**
         * Sets whether the cluster scheduler's table is created.
         *
         * @param createTable {@code false} when a DBA creates it
         */
        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }

        /**
         * The wait for writes under way on shutdown.
         *
         * @return the wait
         */
        public Duration getCancelWait() {
            return cancelWait;
        }

        /**
         * Sets the wait for writes under way on shutdown.
         *
         * @param cancelWait the wait
         */
        public void setCancelWait(Duration cancelWait) {
            this.cancelWait = cancelWait;
        }
    }

    /** {@code valmi.health}. */
    public static class Health {
        /** How long past its due time a scheduled job may not have run before it counts as late. */
        private Duration lateAfter = Duration.ofMinutes(10);

        /** The health of a job whose last run failed (DOWN, OUT_OF_SERVICE, UNKNOWN or UP). */
        private String failedStatus = "DOWN";

        /** The health of a job late by its schedule (DOWN, OUT_OF_SERVICE, UNKNOWN or UP). */
        private String lateStatus = "OUT_OF_SERVICE";

        /**
         * The grace after a job's due time.
         *
         * @return the grace
         */
        public Duration getLateAfter() {
            return lateAfter;
        }

        /**
         * Sets the grace after a job's due time.
         *
         * @param lateAfter the grace
         */
        public void setLateAfter(Duration lateAfter) {
            this.lateAfter = lateAfter;
        }

        /**
         * The status of a failed job.
         *
         * @return a status code
         */
        public String getFailedStatus() {
            return failedStatus;
        }

        /**
         * Sets the status of a failed job.
         *
         * @param failedStatus a status code
         */
        public void setFailedStatus(String failedStatus) {
            this.failedStatus = failedStatus;
        }

        /**
         * The status of a late job.
         *
         * @return a status code
         */
        public String getLateStatus() {
            return lateStatus;
        }

        /**
         * Sets the status of a late job.
         *
         * @param lateStatus a status code
         */
        public void setLateStatus(String lateStatus) {
            this.lateStatus = lateStatus;
        }
    }

    /** {@code valmi.jobs.<id>}: a job, or the schedule of a {@code SyncJob} bean of that id. */
    public static class Job {
        /**
         * The table or view to read, as schema.name, of the application's DataSource. Leave it (and query) out to give
         * a SyncJob bean of the same id a schedule.
         */
        private @Nullable String source;

        /**
         * A SELECT to read instead of a table (source): its text, with schema-qualified names (public.orders). The
         * job's id names the query in logs, results and the job record.
         */
        private @Nullable String query;

        /** The key column: unique and not null. */
        private @Nullable String key;

        /** The mapped columns, in delivery order: column name to the destination's field name. */
        private final Map<String, String> mapping = new LinkedHashMap<>();

        /** FULL_TABLE (every valid row each run) or INCREMENTAL (only changes); default FULL_TABLE. */
        private @Nullable SourceMode sourceMode;

        /** UPSERT, UPDATE, INSERT or MIRROR; default UPSERT. */
        private @Nullable DestinationMode destinationMode;

        /** The name of the Destination bean the job writes to. */
        private @Nullable String destination;

        /** Changes per write of the destination; default 1000. */
        private @Nullable Integer batchSize;

        /** Batches out at once; default 1 (the destination's maxConcurrency limits it). */
        private @Nullable Integer concurrency;

        /** How long one write of the destination may take; default 5 minutes. */
        private @Nullable Duration writeTimeout;

        /** Guard: the largest share of the destination's keys one run may remove (1.0: off, the default). */
        private @Nullable Double maxRemovedFraction;

        /** Guard: the largest share of invalid source rows (NULL or duplicated key) before a run fails; default 0.5. */
        private @Nullable Double maxInvalidFraction;

        /** Whether a source without any valid row may empty the destination; default false. */
        private @Nullable Boolean allowEmptySource;

        /** After how many consecutive rejections a row is quarantined; default 0 (never). */
        private @Nullable Integer quarantineAfter;

        /** What a run does when the key, mapped columns or destination mode changed: RESEND_ALL, CONTINUE, FAIL. */
        private @Nullable MappingChangePolicy onMappingChange;

        /** Whether a first sync reads batches ahead on connections of its own; default true. */
        private @Nullable Boolean readAhead;

        /** Whether a first sync reads the table in key order rather than in physical order; default false. */
        private @Nullable Boolean firstSyncInKeyOrder;

        private final ScheduleProperties schedule = new ScheduleProperties();

        /**
         * The source.
         *
         * @return schema.name, or {@code null}
         */
        public @Nullable String getSource() {
            return source;
        }

        /**
         * Sets the source.
         *
         * @param source schema.name
         */
        public void setSource(@Nullable String source) {
            this.source = source;
        }

        /**
         * The SQL query read instead of a table.
         *
         * @return the query's text, or {@code null}
         */
        public @Nullable String getQuery() {
            return query;
        }

        /**
         * Sets the SQL query read instead of a table.
         *
         * @param query a {@code SELECT}'s text
         */
        public void setQuery(@Nullable String query) {
            this.query = query;
        }

        /**
         * The key column.
         *
         * @return the column, or {@code null}
         */
        public @Nullable String getKey() {
            return key;
        }

        /**
         * Sets the key column.
         *
         * @param key the column
         */
        public void setKey(@Nullable String key) {
            this.key = key;
        }

        /**
         * The mapping.
         *
         * @return column to field, in delivery order
         */
        public Map<String, String> getMapping() {
            return mapping;
        }

        /**
         * The source mode.
         *
         * @return the mode, or {@code null} for the default
         */
        public @Nullable SourceMode getSourceMode() {
            return sourceMode;
        }

        /**
         * Sets the source mode.
         *
         * @param sourceMode the mode
         */
        public void setSourceMode(@Nullable SourceMode sourceMode) {
            this.sourceMode = sourceMode;
        }

        /**
         * The destination mode.
         *
         * @return the mode, or {@code null} for the default
         */
        public @Nullable DestinationMode getDestinationMode() {
            return destinationMode;
        }

        /**
         * Sets the destination mode.
         *
         * @param destinationMode the mode
         */
        public void setDestinationMode(@Nullable DestinationMode destinationMode) {
            this.destinationMode = destinationMode;
        }

        /**
         * The destination bean's name.
         *
         * @return the name, or {@code null}
         */
        public @Nullable String getDestination() {
            return destination;
        }

        /**
         * Sets the destination bean's name.
         *
         * @param destination the name
         */
        public void setDestination(@Nullable String destination) {
            this.destination = destination;
        }

        /**
         * The batch size.
         *
         * @return the size, or {@code null} for the default
         */
        public @Nullable Integer getBatchSize() {
            return batchSize;
        }

        /**
         * Sets the batch size.
         *
         * @param batchSize the size
         */
        public void setBatchSize(@Nullable Integer batchSize) {
            this.batchSize = batchSize;
        }

        /**
         * The concurrency.
         *
         * @return batches out at once, or {@code null} for the default
         */
        public @Nullable Integer getConcurrency() {
            return concurrency;
        }

        /**
         * Sets the concurrency.
         *
         * @param concurrency batches out at once
         */
        public void setConcurrency(@Nullable Integer concurrency) {
            this.concurrency = concurrency;
        }

        /**
         * The write timeout.
         *
         * @return the timeout, or {@code null} for the default
         */
        public @Nullable Duration getWriteTimeout() {
            return writeTimeout;
        }

        /**
         * Sets the write timeout.
         *
         * @param writeTimeout the timeout
         */
        public void setWriteTimeout(@Nullable Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
        }

        /**
         * The removal guard.
         *
         * @return the fraction, or {@code null} for the default
         */
        public @Nullable Double getMaxRemovedFraction() {
            return maxRemovedFraction;
        }

        /**
         * Sets the removal guard.
         *
         * @param maxRemovedFraction the fraction
         */
        public void setMaxRemovedFraction(@Nullable Double maxRemovedFraction) {
            this.maxRemovedFraction = maxRemovedFraction;
        }

        /**
         * The invalid-row guard.
         *
         * @return the fraction, or {@code null} for the default
         */
        public @Nullable Double getMaxInvalidFraction() {
            return maxInvalidFraction;
        }

        /**
         * Sets the invalid-row guard.
         *
         * @param maxInvalidFraction the fraction
         */
        public void setMaxInvalidFraction(@Nullable Double maxInvalidFraction) {
            this.maxInvalidFraction = maxInvalidFraction;
        }

        /**
         * The empty-source guard.
         *
         * @return whether an empty source may empty the destination, or {@code null} for the default
         */
        public @Nullable Boolean getAllowEmptySource() {
            return allowEmptySource;
        }

        /**
         * Sets the empty-source guard.
         *
         * @param allowEmptySource whether an empty source may empty the destination
         */
        public void setAllowEmptySource(@Nullable Boolean allowEmptySource) {
            this.allowEmptySource = allowEmptySource;
        }

        /**
         * The quarantine threshold.
         *
         * @return consecutive runs, or {@code null} for the default
         */
        public @Nullable Integer getQuarantineAfter() {
            return quarantineAfter;
        }

        /**
         * Sets the quarantine threshold.
         *
         * @param quarantineAfter consecutive runs, 0 for never
         */
        public void setQuarantineAfter(@Nullable Integer quarantineAfter) {
            this.quarantineAfter = quarantineAfter;
        }

        /**
         * The mapping change policy.
         *
         * @return the policy, or {@code null} for the default
         */
        public @Nullable MappingChangePolicy getOnMappingChange() {
            return onMappingChange;
        }

        /**
         * Sets the mapping change policy.
         *
         * @param onMappingChange the policy
         */
        public void setOnMappingChange(@Nullable MappingChangePolicy onMappingChange) {
            this.onMappingChange = onMappingChange;
        }

        /**
         * Whether a first sync reads ahead.
         *
         * @return the setting, or {@code null} for the default
         */
        public @Nullable Boolean getReadAhead() {
            return readAhead;
        }

        /**
         * Sets whether a first sync reads ahead.
         *
         * @param readAhead the setting
         */
        public void setReadAhead(@Nullable Boolean readAhead) {
            this.readAhead = readAhead;
        }

        /**
         * Whether a first sync reads the table in key order ({@code PostgresSource.Builder.firstSyncInKeyOrder}).
         *
         * @return the setting, or {@code null} for the default
         */
        public @Nullable Boolean getFirstSyncInKeyOrder() {
            return firstSyncInKeyOrder;
        }

        /**
         * Sets whether a first sync reads the table in key order.
         *
         * @param firstSyncInKeyOrder the setting
         */
        public void setFirstSyncInKeyOrder(@Nullable Boolean firstSyncInKeyOrder) {
            this.firstSyncInKeyOrder = firstSyncInKeyOrder;
        }

        /**
         * The schedule.
         *
         * @return {@code valmi.jobs.<id>.schedule}
         */
        public ScheduleProperties getSchedule() {
            return schedule;
        }
    }

    /** {@code valmi.jobs.<id>.schedule}: a cron expression in a zone, or an interval; neither: runs when triggered. */
    public static class ScheduleProperties {
        /** A cron expression: five fields as in Unix cron, or six with seconds first. */
        private @Nullable String cron;

        /** The time zone of the cron expression; default the system's. */
        private @Nullable String zone;

        /** A fixed delay after each run (e.g. 5m), instead of a cron expression. */
        private @Nullable Duration every;

        /** A random delay up to this much added to each time. */
        private @Nullable Duration jitter;

        /** How long after the start of the application the first time may come at the earliest. */
        private @Nullable Duration initialDelay;

        /**
         * The cron expression.
         *
         * @return the expression, or {@code null}
         */
        public @Nullable String getCron() {
            return cron;
        }

        /**
         * Sets the cron expression.
         *
         * @param cron the expression
         */
        public void setCron(@Nullable String cron) {
            this.cron = cron;
        }

        /**
         * The cron expression's time zone.
         *
         * @return a zone id, or {@code null} for the system's
         */
        public @Nullable String getZone() {
            return zone;
        }

        /**
         * Sets the cron expression's time zone.
         *
         * @param zone a zone id such as Europe/Berlin
         */
        public void setZone(@Nullable String zone) {
            this.zone = zone;
        }

        /**
         * The interval.
         *
         * @return the interval, or {@code null}
         */
        public @Nullable Duration getEvery() {
            return every;
        }

        /**
         * Sets the interval.
         *
         * @param every the interval
         */
        public void setEvery(@Nullable Duration every) {
            this.every = every;
        }

        /**
         * The jitter.
         *
         * @return the largest random delay, or {@code null}
         */
        public @Nullable Duration getJitter() {
            return jitter;
        }

        /**
         * Sets the jitter.
         *
         * @param jitter the largest random delay
         */
        public void setJitter(@Nullable Duration jitter) {
            this.jitter = jitter;
        }

        /**
         * The delay before the first time.
         *
         * @return the delay, or {@code null}
         */
        public @Nullable Duration getInitialDelay() {
            return initialDelay;
        }

        /**
         * Sets the delay before the first time.
         *
         * @param initialDelay the delay
         */
        public void setInitialDelay(@Nullable Duration initialDelay) {
            this.initialDelay = initialDelay;
        }
    }
}
