package io.valmi.micrometer;

import io.micrometer.common.KeyValues;
import io.valmi.SyncContext;
import io.valmi.SyncResult;

/**
 * The default convention of the {@code valmi.sync.run} observation: named {@code valmi.sync.run}, with the
 * low-cardinality key values {@code job.id}, {@code source.mode}, {@code destination.mode} and, once the run has
 * ended, {@code outcome} ({@code succeeded}, {@code failed}, {@code cancelled}, {@code skipped}); the run's id is
 * only a high-cardinality key value ({@code run.id}: a span attribute, never a meter's tag). Its contextual name (a
 * span's name) is {@code sync <job id>}.
 */
public class DefaultSyncRunObservationConvention implements SyncRunObservationConvention {
    /** The convention as it is. */
    public static final DefaultSyncRunObservationConvention INSTANCE = new DefaultSyncRunObservationConvention();

    /** The convention; extend it to add key values. */
    public DefaultSyncRunObservationConvention() {
    }

    @Override
    public String getName() {
        return MeterNames.RUN;
    }

    @Override
    public String getContextualName(SyncRunObservationContext context) {
        return "sync " + context.getSyncContext().jobId();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(SyncRunObservationContext context) {
        SyncContext run = context.getSyncContext();
        KeyValues values = KeyValues.of(MeterNames.JOB, run.jobId(),
            MeterNames.SOURCE_MODE, MeterNames.value(run.mapping().sourceMode()),
            MeterNames.DESTINATION_MODE, MeterNames.value(run.destinationMode()));
        SyncResult result = context.getResult();
        return result == null ? values : values.and(MeterNames.OUTCOME, MeterNames.value(result.status()));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(SyncRunObservationContext context) {
        return KeyValues.of(MeterNames.RUN_ID, context.getSyncContext().runId());
    }
}
