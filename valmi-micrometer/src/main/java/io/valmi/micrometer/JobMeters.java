package io.valmi.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.SyncCounts;
import io.valmi.SyncListener.WriteOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The counters and the write timer of one job in one pair of modes, registered together when the job first runs in
 * them (so that every series exists, at 0, before its first increment). One set per job, never per run.
 */
final class JobMeters {
    private final Map<ChangeKind, Counter> delivered = new EnumMap<>(ChangeKind.class);
    private final Map<ChangeKind, Counter> skipped = new EnumMap<>(ChangeKind.class);
    private final Map<InvalidReason, Counter> invalid = new EnumMap<>(InvalidReason.class);
    private final Map<WriteOutcome, Timer> writes = new EnumMap<>(WriteOutcome.class);
    private final Counter rejected;
    private final Counter inDoubt;
    private final Counter quarantined;
    private final Counter retries;
    private final Counter throttles;
    private final Counter splits;
    private final List<Meter> all = new ArrayList<>();

    /**
     * Registers the meters.
     *
     * @param registry where
     * @param tags the job's tags ({@link MeterNames#jobTags})
     * @param mode the destination mode: which change kinds are delivered and which skipped
     */
    JobMeters(MeterRegistry registry, Tags tags, DestinationMode mode) {
        for (ChangeKind kind : ChangeKind.values()) {
            if (mode.sends(kind)) {
                delivered.put(kind, counter(registry, MeterNames.ROWS_DELIVERED, tags.and(MeterNames.KIND,
                    MeterNames.value(kind)), "Changes the destination applied (acknowledged), by change kind"));
            } else {
                skipped.put(kind, counter(registry, MeterNames.ROWS_SKIPPED, tags.and(MeterNames.KIND,
                    MeterNames.value(kind)), "Planned changes of a kind the destination mode does not send"));
            }
        }
        for (InvalidReason reason : InvalidReason.values()) {
            invalid.put(reason, counter(registry, MeterNames.ROWS_INVALID, tags.and(MeterNames.REASON,
                MeterNames.value(reason)), "Source rows never sent because their key is NULL or duplicated"));
        }
        rejected = counter(registry, MeterNames.ROWS_REJECTED, tags,
            "Changes the destination rejected (offered again next run)");
        inDoubt = counter(registry, MeterNames.ROWS_IN_DOUBT, tags,
            "Changes of batches whose write failed for good (sent again next run)");
        quarantined = counter(registry, MeterNames.ROWS_QUARANTINED, tags,
            "Rows left out because the destination rejected them on consecutive runs");
        retries = counter(registry, MeterNames.RETRIES, tags, "Writes tried again after a failure");
        throttles = counter(registry, MeterNames.THROTTLES, tags,
            "Writes the destination answered with \"slow down\"");
        splits = counter(registry, MeterNames.SPLITS, tags,
            "Failed batches (or parts) split in two to isolate the changes they fail on");
        for (WriteOutcome outcome : WriteOutcome.values()) {
            Timer timer = Timer.builder(MeterNames.WRITE).tags(tags).tag(MeterNames.OUTCOME, MeterNames.value(outcome))
                .description("Calls of Destination.write: every attempt and every part of a split batch")
                .register(registry);
            writes.put(outcome, timer);
            all.add(timer);
        }
    }

    private Counter counter(MeterRegistry registry, String name, Tags tags, String description) {
        Counter counter = Counter.builder(name).tags(tags).description(description).register(registry);
        all.add(counter);
        return counter;
    }

    /**
     * Adds a finished run's rows.
     *
     * @param counts the run's counts
     */
    void count(SyncCounts counts) {
        delivered.forEach((kind, counter) -> counter.increment(counts.delivered(kind)));
        skipped.forEach((kind, counter) -> counter.increment(planned(counts, kind)));
        invalid.forEach((reason, counter) -> counter.increment(counts.invalid(reason)));
        rejected.increment(counts.rejected());
        inDoubt.increment(counts.inDoubt());
        quarantined.increment(counts.quarantined());
    }

    /** The planned changes of a kind; for a kind the mode does not send, the skipped ones. */
    private static long planned(SyncCounts counts, ChangeKind kind) {
        switch (kind) {
            case ADDED:
                return counts.added();
            case CHANGED:
                return counts.changed();
            case UNCHANGED:
                return counts.unchanged();
            case REMOVED:
                return counts.removed();
            default:
                throw new IllegalArgumentException("unknown change kind " + kind);
        }
    }

    /**
     * The timer of writes that ended so.
     *
     * @param outcome how a write ended
     * @return the timer
     */
    Timer write(WriteOutcome outcome) {
        Timer timer = writes.get(outcome);
        if (timer == null) {
            throw new IllegalArgumentException("unknown write outcome " + outcome);
        }
        return timer;
    }

    Counter retries() {
        return retries;
    }

    Counter throttles() {
        return throttles;
    }

    Counter splits() {
        return splits;
    }

    /**
     * Every meter registered here, to remove them.
     *
     * @return the meters
     */
    List<Meter> meters() {
        return Collections.unmodifiableList(all);
    }
}
