package io.valmi.micrometer;

import io.valmi.SyncContext;
import io.valmi.SyncResult;

/**
 * Times whole runs as {@code valmi.sync.run}: either with meters of its own ({@link MeterRunTiming}) or as an
 * observation whose handlers make the meters and spans ({@link ObservedRunTiming}), never both (the meters would be
 * counted twice, under one name).
 */
interface RunTiming {

    /**
     * A run started.
     *
     * @param context the job and the run
     */
    void started(SyncContext context);

    /**
     * A run ended; for a run refused before it started (the job was running already), without {@link #started}.
     *
     * @param context the job and the run
     * @param result how it ended
     */
    void finished(SyncContext context, SyncResult result);
}
