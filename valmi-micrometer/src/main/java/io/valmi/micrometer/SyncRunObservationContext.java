package io.valmi.micrometer;

import io.micrometer.observation.Observation;
import io.valmi.SyncContext;
import io.valmi.SyncResult;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Observation.Context} of a {@code valmi.sync.run} observation: the run's {@link SyncContext} from its
 * start, its {@link SyncResult} at its stop. A {@link SyncRunObservationConvention} reads its key values from here.
 */
public class SyncRunObservationContext extends Observation.Context {
    private final SyncContext syncContext;
    private volatile @Nullable SyncResult result;

    /**
     * A context of a run.
     *
     * @param syncContext the job and the run
     */
    public SyncRunObservationContext(SyncContext syncContext) {
        this.syncContext = syncContext;
    }

    /**
     * The job and the run.
     *
     * @return the context the runner gave its listeners
     */
    public SyncContext getSyncContext() {
        return syncContext;
    }

    /**
     * How the run ended.
     *
     * @return the result, or {@code null} while the run is under way
     */
    public @Nullable SyncResult getResult() {
        return result;
    }

    /**
     * Sets the result; the listener does so just before it stops the observation.
     *
     * @param result how the run ended
     */
    public void setResult(SyncResult result) {
        this.result = result;
    }
}
