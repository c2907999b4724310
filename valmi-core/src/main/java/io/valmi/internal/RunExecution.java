package io.valmi.internal;

import io.valmi.Acknowledgement;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.InvalidRow;
import io.valmi.Mapping;
import io.valmi.Plan;
import io.valmi.RateLimit;
import io.valmi.RunPath;
import io.valmi.RunRequest;
import io.valmi.RunStatus;
import io.valmi.RunTimings;
import io.valmi.SourceRun;
import io.valmi.SyncContext;
import io.valmi.SyncCounts;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.ValmiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** One run of one job: plan, deliver batch by batch, acknowledge, finish. */
public final class RunExecution {
    /** MDC key holding the job id during a run. */
    public static final String MDC_JOB = "valmi.job";
    /** MDC key holding the run id during a run. */
    public static final String MDC_RUN = "valmi.run";

    private static final Logger log = LoggerFactory.getLogger("io.valmi.SyncRunner");
    private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();

    private final SyncJob job;
    private final List<SyncListener> listeners;
    private final Sleeper sleeper;
    private final Clock clock;
    private final String runId = UUID.randomUUID().toString();
    private final RunControl control;
    /** The run's context, once made (a run refused before it has none yet). */
    private @Nullable SyncContext context;

    private @Nullable Plan plan;
    /** Which way the source's run went, once it is planned. */
    private RunPath path = RunPath.UNKNOWN;
    /** The phases' durations ({@link RunTimings}), each set when its phase ends (or fails). */
    private Duration prepareTime = Duration.ZERO;
    private Duration deliverTime = Duration.ZERO;
    private Duration finishTime = Duration.ZERO;
    private final Delivery.Tally tally = new Delivery.Tally();
    private long skipped;
    private long toSend;
    private boolean cancelled;
    /** The destination's secrets, masked in everything the run repeats: its error, rejections, log lines. */
    private Redactor redactor = Redactor.NONE;

    public RunExecution(SyncJob job, List<SyncListener> listeners, Sleeper sleeper, Clock clock, RunControl control) {
        this.control = control;
        this.job = job;
        this.listeners = listeners;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    public SyncResult execute() {
        Instant startedAt = clock.instant();
        String previousJob = MDC.get(MDC_JOB);
        String previousRun = MDC.get(MDC_RUN);
        MDC.put(MDC_JOB, job.id());
        MDC.put(MDC_RUN, runId);
        SyncResult result;
        try {
            // (Announced once the job is released: a listener may start the job's next run from runFinished.)
            result = announce(runGuarded(startedAt));
        } finally {
            restore(MDC_JOB, previousJob);
            restore(MDC_RUN, previousRun);
        }
        return result;
    }

    private SyncResult runGuarded(Instant startedAt) {
        Mapping mapping = job.mapping();
        if (!RUNNING.add(job.id())) {
            return finished(startedAt, new io.valmi.JobBusyException(job.id(), true, "Sync job '" + job.id()
                + "' is already running in this process: wait for that run to end (one run per job at a time)"));
        }
        try {
            redactor = Redactor.of(job.destination().secrets());
            DestinationCapabilities caps = job.destination().capabilities();
            int batchSize = Math.min(job.options().batchSize(), caps.maxBatchSize());
            SyncContext context = new SyncContext(job.id(), runId, job.source().description(), mapping, batchSize);
            this.context = context;
            log.info("Sync job '{}' run {} started: {} -> {} ({} / {})", job.id(), runId, context.source(),
                job.destination().getClass().getSimpleName(), mapping.sourceMode(), mapping.destinationMode());
            notify(l -> l.runStarted(context));
            if (!caps.supports(mapping.destinationMode())) {
                throw new ConfigurationException("Destination " + job.destination().getClass().getName()
                    + " of sync job '" + job.id() + "' does not support destination mode "
                    + mapping.destinationMode() + "; it supports " + caps.modes()
                    + ": choose one of those in the Mapping, or declare the mode in Destination.capabilities()");
            }
            return deliver(context, startedAt);
        } catch (RuntimeException e) {
            return finished(startedAt, e);
        } finally {
            RUNNING.remove(job.id());
        }
    }

    private SyncResult deliver(SyncContext started, Instant startedAt) {
        Mapping mapping = started.mapping();
        Set<ChangeKind> deliver = mapping.destinationMode().kinds();
        RunRequest request = new RunRequest(job.id(), runId, mapping, deliver, job.options().maxSamples(),
            started.batchSize(), job.options().writeTimeout(), job.options().quarantineAfter(),
            job.options().onMappingChange(), job.options().syncLog());
        Instant preparing = clock.instant();
        SourceRun startedRun;
        try {
            startedRun = job.source().startRun(request);
        } finally {
            prepareTime = since(preparing);
        }
        try (SourceRun run = startedRun) {
            Plan p = run.plan();
            this.plan = p;
            this.path = run.path();
            SyncContext context = typed(started, run.columns()).withKeyOrder(run.keyOrder());
            this.context = context;
            prepareTime = since(preparing);
            Instant delivering = clock.instant();
            @Nullable Throwable failure;
            try {
                failure = deliverPlanned(run, context, p, deliver);
            } finally {
                deliverTime = since(delivering);
            }
            SyncResult result = result(startedAt, failure);
            Instant finishing = clock.instant();
            try {
                run.finish(result);
            } catch (RuntimeException e) {
                finishTime = since(finishing);
                Throwable reported = result.error();
                if (reported == null) {
                    return finished(startedAt, e);
                }
                reported.addSuppressed(redactor.redact(e));
            }
            finishTime = since(finishing);
            return new SyncResult(result.jobId(), result.runId(), result.status(), result.startedAt(),
                result.finishedAt(), result.counts(), result.invalidSamples(), result.rejectionSamples(),
                result.error(), result.path(), timings());
        }
    }

    /**
     * The deliver phase of a planned run: guards, the destination's open, every batch, its close.
     *
     * @return the failure that ends the run, or {@code null}
     */
    private @Nullable Throwable deliverPlanned(SourceRun run, SyncContext context, Plan p, Set<ChangeKind> deliver) {
        Mapping mapping = context.mapping();
        for (ChangeKind kind : ChangeKind.values()) {
            if (deliver.contains(kind)) {
                toSend += p.count(kind);
            } else {
                skipped += p.count(kind);
            }
        }
        log.info("Sync job '{}' planned: {} added, {} changed, {} unchanged, {} removed, {} invalid,"
                + " {} quarantined; {} to send, {} skipped by mode {}", job.id(), p.count(ChangeKind.ADDED),
            p.count(ChangeKind.CHANGED), p.count(ChangeKind.UNCHANGED), p.count(ChangeKind.REMOVED),
            p.invalidTotal(), p.quarantined(), toSend, skipped, mapping.destinationMode());
        notify(l -> l.planned(context, p));
        checkGuards(p, deliver);
        @Nullable Throwable failure = null;
        boolean opened = false;
        if (control.cancelled()) {
            cancelled = true;
            log.info("Sync job '{}' asked to stop while it planned: nothing is sent", job.id());
        }
        try {
            if (cancelled) {
                throw new SkipDelivery();
            }
            job.destination().open(context);
            opened = true;
            redactor = Redactor.of(job.destination().secrets());
            sendAll(run, context);
        } catch (SkipDelivery e) {
            // (Cancelled before anything was sent.)
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failure = e;
        } finally {
            if (opened) {
                try {
                    job.destination().close();
                } catch (Exception e) {
                    Throwable shown = redactor.redact(e);
                    log.warn("Destination {} of sync job '{}' failed to close: {}",
                        job.destination().getClass().getName(), job.id(), redactor.redact(e.toString()), shown);
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        return failure;
    }

    private Duration since(Instant from) {
        Duration d = Duration.between(from, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    private RunTimings timings() {
        return new RunTimings(prepareTime, deliverTime, finishTime);
    }

    private void checkGuards(Plan p, Set<ChangeKind> deliver) {
        checkInvalidShare(p);
        if (!deliver.contains(ChangeKind.REMOVED)) {
            return;
        }
        long removed = p.count(ChangeKind.REMOVED);
        long known = p.knownKeys();
        if (!job.options().allowEmptySource() && known > 0 && p.validRows() == 0 && removed >= known) {
            throw new io.valmi.GuardException("Sync job '" + job.id() + "' stopped before sending anything: the source "
                + job.source().description() + " has no valid row (" + p.invalidTotal() + " invalid), so this run would"
                + " remove all " + known + " keys from the destination. If that is intended, set"
                + " SyncOptions.withAllowEmptySource(true) for one run");
        }
        double limit = job.options().maxRemovedFraction();
        if (limit < 1.0 && known > 0 && removed > limit * known) {
            throw new io.valmi.GuardException("Sync job '" + job.id() + "' stopped before sending anything: it would remove "
                + removed + " of " + known + " keys (" + Math.round(100.0 * removed / known) + " %), more than the "
                + Math.round(100 * limit) + " % that SyncOptions.maxRemovedFraction allows. If that is intended, raise"
                + " the limit for one run");
        }
    }

    /** The invalid-row guard ({@link io.valmi.SyncOptions#maxInvalidFraction()}), whatever the mode. */
    private void checkInvalidShare(Plan p) {
        long invalid = p.invalidTotal();
        double limit = job.options().maxInvalidFraction();
        if (invalid == 0 || limit >= 1.0) {
            return;
        }
        long valid = p.validRows();
        if (job.mapping().sourceMode() == io.valmi.SourceMode.INCREMENTAL) {
            // The plan leaves unchanged rows out: the source holds at least the known keys not removed, plus the new.
            valid = Math.max(valid, p.knownKeys() - p.count(ChangeKind.REMOVED) + p.count(ChangeKind.ADDED));
        }
        long rows = valid + invalid;
        if (invalid > limit * rows) {
            throw new io.valmi.GuardException("Sync job '" + job.id() + "' stopped before sending anything: " + invalid
                + " of " + rows + " rows (" + Math.round(100.0 * invalid / rows) + " %) are invalid ("
                + p.invalid().get(io.valmi.InvalidReason.DUPLICATE_KEY) + " share their key with another row, "
                + p.invalid().get(io.valmi.InvalidReason.NULL_KEY) + " have a NULL key), more than the "
                + Math.round(100 * limit) + " % that SyncOptions.maxInvalidFraction allows. Invalid rows are never sent:"
                + " check that key column \"" + job.mapping().keyColumn() + "\" of the Mapping is unique and never NULL"
                + " (the source's primary key or a unique column; SyncResult.invalidSamples() shows rows), or that the"
                + " source does not repeat rows (a view's join). If these rows are expected, raise the limit"
                + " (SyncOptions.withMaxInvalidFraction; 1.0 turns the guard off)");
        }
    }

    /** Delivers the run's batches ({@link Delivery}), with the job's concurrency as the destination allows it. */
    private void sendAll(SourceRun run, SyncContext context) throws Exception {
        DestinationCapabilities caps = job.destination().capabilities();
        int concurrency = Math.min(job.options().concurrency(), caps.maxConcurrency());
        if (concurrency < job.options().concurrency()) {
            log.info("Sync job '{}' asks for {} batches at once; destination {} takes {} at most", job.id(),
                job.options().concurrency(), job.destination().getClass().getSimpleName(), caps.maxConcurrency());
        }
        // The run's own limit is paused when the destination throttles; shared limits are paused too.
        List<RateLimit> limits = new ArrayList<>();
        limits.add(RateLimit.none());
        RateLimit jobLimit = job.rateLimit();
        if (jobLimit != null) {
            limits.add(jobLimit);
        }
        RateLimit destinationLimit = caps.rateLimit();
        if (destinationLimit != null && destinationLimit != jobLimit) {
            limits.add(destinationLimit);
        }
        Delivery delivery = new Delivery(job, run, context, control, sleeper, tally, this::notify, redactor,
            concurrency, limits, toSend);
        if (delivery.deliver() == Delivery.End.CANCELLED) {
            cancelled = true;
        }
    }

    /** The context with the source's columns, by destination field (and the key by its column name). */
    private static SyncContext typed(SyncContext context, List<io.valmi.SourceColumn> columns) {
        List<io.valmi.FieldMapping> fields = context.mapping().fields();
        if (columns.size() != fields.size() + 1) {
            return context;
        }
        Map<String, io.valmi.SourceColumn> byField = new java.util.HashMap<>();
        byField.put(context.mapping().keyColumn(), columns.get(0));
        for (int i = 0; i < fields.size(); i++) {
            byField.put(fields.get(i).destinationField(), columns.get(i + 1));
        }
        return context.withSourceColumns(byField);
    }

    /** A run cancelled before delivery: neither open nor write. */
    private static final class SkipDelivery extends Exception {
        private static final long serialVersionUID = 1L;

        SkipDelivery() {
            super(null, null, false, false);
        }
    }

    private SyncResult finished(Instant startedAt, Throwable failure) {
        return result(startedAt, failure);
    }

    private SyncResult announce(SyncResult result) {
        if (result.status() == RunStatus.SKIPPED) {
            log.info("Sync job '{}' skipped: {}", job.id(), String.valueOf(result.error() == null ? null
                : result.error().getMessage()));
        } else if (result.status() == RunStatus.CANCELLED) {
            log.info("Sync job '{}' run {} cancelled after {} ms: {} delivered, {} rejected, {} in doubt (sent again"
                    + " next run); path {} ({})", job.id(), runId, result.duration().toMillis(),
                result.counts().delivered(), result.counts().rejected(), result.counts().inDoubt(), result.path(),
                result.timings());
        } else if (result.succeeded()) {
            log.info("Sync job '{}' run {} succeeded in {} ms: {} delivered, {} rejected, {} skipped, {} invalid;"
                    + " path {} ({})", job.id(), runId, result.duration().toMillis(), result.counts().delivered(),
                result.counts().rejected(), result.counts().skipped(), result.counts().invalidTotal(), result.path(),
                result.timings());
        } else {
            Throwable error = result.error();
            log.error("Sync job '{}' run {} failed after {} ms ({} delivered, {} in doubt; path {}, {}): {}",
                job.id(), runId, result.duration().toMillis(), result.counts().delivered(), result.counts().inDoubt(),
                result.path(), result.timings(), String.valueOf(error), error);
        }
        SyncContext known = context;
        SyncContext finishedContext = known != null ? known
            : new SyncContext(job.id(), runId, job.source().description(), job.mapping(), job.options().batchSize());
        notify(l -> l.runFinished(finishedContext, result));
        return result;
    }

    private static long count(@Nullable Plan plan, ChangeKind kind) {
        return plan == null ? 0L : plan.count(kind);
    }

    private SyncResult result(Instant startedAt, @Nullable Throwable failure) {
        Plan p = plan;
        Map<io.valmi.InvalidReason, Long> invalid = p == null ? Map.of() : p.invalid();
        SyncCounts syncCounts = new SyncCounts(p == null ? 0 : p.total(), count(p, ChangeKind.ADDED),
            count(p, ChangeKind.CHANGED), count(p, ChangeKind.UNCHANGED), count(p, ChangeKind.REMOVED), invalid,
            tally.delivered, tally.rejected, skipped, tally.inDoubt, tally.batches, tally.retries.get(),
            tally.throttles.get(), tally.splits.get(), tally.deliveredByKind, p == null ? 0L : p.quarantined());
        List<InvalidRow> invalidSamples = p == null ? List.of() : p.invalidSamples();
        RunStatus status = failure instanceof io.valmi.JobBusyException && p == null ? RunStatus.SKIPPED
            : failure != null ? RunStatus.FAILED : cancelled ? RunStatus.CANCELLED : RunStatus.SUCCEEDED;
        return new SyncResult(job.id(), runId, status, startedAt, clock.instant(), syncCounts, invalidSamples,
            tally.samples,
            failure == null ? null : redactor.redact(failure), path, timings());
    }

    private synchronized void notify(java.util.function.Consumer<SyncListener> event) {
        for (SyncListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                Throwable shown = redactor.redact(e);
                log.warn("SyncListener {} threw; ignored: {}", listener.getClass().getName(), redactor.redact(e.toString()),
                    shown);
            }
        }
    }

    private static void restore(String key, @Nullable String previous) {
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }
}
