package io.valmi.micrometer;

import io.micrometer.core.instrument.Tags;
import io.valmi.SyncContext;
import java.util.Locale;
import java.util.Set;

/** The names and tag keys of valmi's meters (README, "Metrics (Micrometer)", lists them), and the tags of a job. */
final class MeterNames {
    /** Every meter's name starts with this. */
    static final String PREFIX = "valmi.sync.";
    /** A run: a timer (or an observation), and {@code .active} while it runs. */
    static final String RUN = "valmi.sync.run";
    /** Runs under way: a long task timer. */
    static final String RUN_ACTIVE = "valmi.sync.run.active";
    /** One call of {@code Destination.write}: a timer. */
    static final String WRITE = "valmi.sync.write";
    static final String ROWS_DELIVERED = "valmi.sync.rows.delivered";
    static final String ROWS_REJECTED = "valmi.sync.rows.rejected";
    static final String ROWS_SKIPPED = "valmi.sync.rows.skipped";
    static final String ROWS_INVALID = "valmi.sync.rows.invalid";
    static final String ROWS_IN_DOUBT = "valmi.sync.rows.in.doubt";
    static final String ROWS_QUARANTINED = "valmi.sync.rows.quarantined";
    static final String RETRIES = "valmi.sync.retries";
    static final String THROTTLES = "valmi.sync.throttles";
    static final String SPLITS = "valmi.sync.splits";
    static final String LAST_SUCCESS_AGE = "valmi.sync.last.success.age";
    static final String LAST_RUN_DURATION = "valmi.sync.last.run.duration";

    static final String JOB = "job.id";
    static final String SOURCE_MODE = "source.mode";
    static final String DESTINATION_MODE = "destination.mode";
    static final String OUTCOME = "outcome";
    static final String ERROR = "error";
    static final String KIND = "kind";
    static final String REASON = "reason";
    /** Only on the observation, as a high-cardinality key value (a span attribute, never a tag of a meter). */
    static final String RUN_ID = "run.id";
    /** Tag keys that valmi sets itself: an application's extra tags may not use them. */
    static final Set<String> RESERVED = Set.of(JOB, SOURCE_MODE, DESTINATION_MODE, OUTCOME, ERROR, KIND, REASON, RUN_ID);
    /** The value of {@link #ERROR} when there is none, as Micrometer's observation handler writes it. */
    static final String NONE = "none";

    private MeterNames() {
    }

    /**
     * The tags of every meter of a job (but its gauges): the extra tags, the job's id and its modes.
     *
     * @param extra the application's tags
     * @param context the run
     * @return the tags
     */
    static Tags jobTags(Tags extra, SyncContext context) {
        return extra.and(JOB, context.jobId(),
            SOURCE_MODE, value(context.mapping().sourceMode()),
            DESTINATION_MODE, value(context.destinationMode()));
    }

    /**
     * An enum constant as a tag value: {@code FULL_TABLE} as {@code full_table}.
     *
     * @param constant the constant
     * @return its name in lower case
     */
    static String value(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
