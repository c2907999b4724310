package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Rejection;
import io.valmi.RetryPolicy;
import io.valmi.Row;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Random source changes and random destination faults (rejections, also naming keys as another Java type than the
 * source's, as a destination parsing a remote answer does; failures before and after applying a batch; an answer
 * naming a key not in the batch; a process dying inside write; the source connection killed), then one clean run: the destination must hold
 * exactly the valid source rows, and the run after that must find nothing to send. Even seeds deliver with several
 * batches out at once ({@link #CONCURRENCY}), answered in the order their writes happen to end.
 */
@WithPostgres
class RandomizedModelTest {

    /** A process dying inside {@code write}: no code of the run runs afterwards except finally blocks. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash inside write");
        }
    }

    /** Batches out at once in the runs of even seeds. */
    private static final int CONCURRENCY = 4;

    /**
     * A destination with random faults that applies changes to an in-memory keyed store. Its writes may be called from
     * several threads (even seeds): each waits a random moment, so that answers come in another order than the batches
     * were handed out, then runs alone (which batch meets which fault then depends on the threads' timing).
     */
    static final class FaultyDestination implements Destination {
        final Map<Object, Row> state = new HashMap<>();
        Random random;
        volatile boolean faults = true;
        int maxConcurrency = 1;
        Runnable killSourceConnection;
        /** Changes a key's value in the source (fault 12: the row changes while a late write is on its way). */
        java.util.function.IntConsumer changeInSource;
        /** Fault 12's batch: written late, after the next run, as a write of a run that lost its lock would land. */
        volatile List<Change> late;
        /** Counts the times the destination was replaced by an empty one: a write begun before goes to the old one. */
        private int replaced;
        /**
         * Writes under way: a run that "crashed" ({@link SimulatedCrash}) leaves its other writes running, and one of
         * them may still kill the source's connections after the faults are turned off.
         */
        final java.util.concurrent.atomic.AtomicInteger writing = new java.util.concurrent.atomic.AtomicInteger();

        /** Replaces the destination by an empty one (the job is reset). */
        synchronized void replace() {
            replaced++;
            state.clear();
        }

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all().withMaxConcurrency(maxConcurrency);
        }

        @Override
        public WriteResult write(List<Change> batch) throws InterruptedException {
            writing.incrementAndGet();
            try {
                int destination;
                synchronized (this) {
                    destination = replaced;
                }
                if (maxConcurrency > 1) {
                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(3));
                }
                synchronized (this) {
                    if (destination != replaced) {
                        // (A write of a run that crashed, still under way when the destination was replaced.)
                        return WriteResult.ok();
                    }
                    return writeAlone(batch);
                }
            } finally {
                writing.decrementAndGet();
            }
        }

        private WriteResult writeAlone(List<Change> batch) {
            int fault = faults ? random.nextInt(13) : 11;
            if (fault == 0) {
                throw new IllegalStateException("failed before applying");
            }
            if (fault == 12) {
                // The connection holding the run's lock dies while this write is on its way; the row changes; the
                // write lands only after the next run has sent the new value (see applyLate).
                killSourceConnection.run();
                changeInSource.accept((Integer) batch.get(0).key());
                late = List.copyOf(batch);
                return WriteResult.ok();
            }
            List<Rejection> rejections = new ArrayList<>();
            for (Change c : batch) {
                if ((fault == 1 || fault == 5) && random.nextBoolean()) {
                    // Fault 5: the key as a destination that parsed a remote answer names it (Long, String, ...).
                    rejections.add(new Rejection(fault == 1 ? c.key() : foreignForm((Integer) c.key()),
                        "random rejection"));
                    continue;
                }
                if (c.kind() == ChangeKind.REMOVED) {
                    state.remove(c.key());
                } else {
                    state.put(c.key(), c.row());
                }
            }
            if (fault == 2) {
                throw new IllegalStateException("timed out after applying");
            }
            if (fault == 3) {
                throw new SimulatedCrash();
            }
            if (fault == 4) {
                killSourceConnection.run();
            }
            if (fault == 6) {
                // Applied, but the answer names a key that is not in the batch: the batch fails, its keys in doubt.
                rejections.add(new Rejection(1000L + random.nextInt(1000), "a key from another batch"));
            }
            return WriteResult.rejected(rejections);
        }

        /** Lands a late write: the old values of a run that has lost its lock. */
        synchronized void applyLate(List<Change> batch) {
            for (Change c : batch) {
                if (c.kind() == ChangeKind.REMOVED) {
                    state.remove(c.key());
                } else {
                    state.put(c.key(), c.row());
                }
            }
        }

        private Object foreignForm(int key) {
            switch (random.nextInt(4)) {
                case 0:
                    return (long) key;
                case 1:
                    return String.valueOf(key);
                case 2:
                    return new BigDecimal(key).setScale(2);
                default:
                    return (short) key;
            }
        }
    }

    /**
     * Seeds 1 to 4: a key without constraint (NULLs and duplicates come and go). Seeds 5 to 8: a key declared unique
     * (NULLs only), whose first syncs read straight from the source; there the job is also reset now and then, with
     * a new, empty destination, so that first syncs meet the faults too. Seed 9: an identity key declared unique,
     * seed 10: a serial key without constraint (duplicates only), both also mapped as a field.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L})
    void destinationConvergesToTheValidSourceRows(long seed, TestDatabase db) throws InterruptedException {
        String table = "model_" + seed;
        boolean unique = seed > 4 && seed != 10;
        boolean generated = seed == 9 || seed == 10; // (the seeds whose key column is generated and also mapped)
        String keyColumn = seed == 9 ? "k int generated by default as identity unique" : seed == 10 ? "k serial"
            : "k int" + (unique ? " unique" : "");
        db.execute("create table " + table + " (" + keyColumn + ", v text, w int)",
            "insert into " + table + " select g, 'v' || g, 0 from generate_series(1, 20) g");
        PGSimpleDataSource ds = (PGSimpleDataSource) db.dataSource();
        PGSimpleDataSource sourceDs = new PGSimpleDataSource();
        sourceDs.setURL(ds.getURL());
        sourceDs.setUser(ds.getUser());
        sourceDs.setApplicationName("valmi-model-" + seed);
        PostgresSource source = Syncs.source(sourceDs, "public", table);
        Random random = new Random(seed);
        FaultyDestination dest = new FaultyDestination();
        dest.random = random;
        dest.maxConcurrency = seed % 2 == 0 ? CONCURRENCY : 1;
        dest.killSourceConnection = () -> db.execute("select pg_terminate_backend(pid) from pg_stat_activity"
            + " where application_name = 'valmi-model-" + seed + "'");
        dest.changeInSource = k -> db.execute("update " + table + " set v = 'raced" + random.nextInt(1000)
            + "' where k = " + k);
        SyncRunner runner = SyncRunner.create();

        int failed = 0;
        List<Change> landsAfterThisRound = null;
        for (int round = 0; round < 25; round++) {
            mutate(db, table, random, unique, generated);
            if (round % 3 == 0) {
                // Statistics: a table whose rows lie in key order is planned with a merge of both key indexes.
                db.execute("analyze " + table);
            }
            if (unique && random.nextInt(6) == 0) {
                source.resetJob(jobId(source));
                dest.replace();
                // (A write of an earlier run still on its way goes to the destination that was replaced.)
                landsAfterThisRound = null;
            }
            SourceMode mode = random.nextBoolean() ? SourceMode.INCREMENTAL : SourceMode.FULL_TABLE;
            try {
                if (!runner.run(job(source, dest, mode, 1 + random.nextInt(6))).succeeded()) {
                    failed++;
                }
            } catch (SimulatedCrash crash) {
                // The process "died": the next round starts as a new process would.
                failed++;
            }
            if (landsAfterThisRound != null) {
                dest.applyLate(landsAfterThisRound);
            }
            landsAfterThisRound = dest.late;
            dest.late = null;
        }
        if (landsAfterThisRound != null) {
            dest.applyLate(landsAfterThisRound);
        }

        assertThat(failed).as("faults were injected").isPositive();
        dest.faults = false;
        // (A write of a run that crashed may still be under way, and kill the source's connections: it ends first.)
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (dest.writing.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // Keys a late write may still land on stay in doubt for the write timeout after a run found them: once it has
        // passed, one run settles them.
        runner.run(job(source, dest, SourceMode.INCREMENTAL, 5)).orThrow();
        Thread.sleep(MODEL_WRITE_TIMEOUT.toMillis() + 300);
        SyncResult clean = runner.run(job(source, dest, SourceMode.INCREMENTAL, 5)).orThrow();
        Map<Integer, Long> keyCounts = new HashMap<>();
        Map<Integer, String> values = new HashMap<>();
        for (List<Object> row : db.query("select k, v from " + table + " where k is not null")) {
            keyCounts.merge((Integer) row.get(0), 1L, Long::sum);
            values.put((Integer) row.get(0), (String) row.get(1));
        }
        String context = "seed " + seed + ", last run " + clean.counts();
        for (Map.Entry<Integer, Long> e : keyCounts.entrySet()) {
            if (e.getValue() == 1) {
                assertThat(dest.state).as(context + ": key %s", e.getKey()).containsKey(e.getKey());
                assertThat(dest.state.get(e.getKey()).get("v")).as(context + ": value of key %s", e.getKey())
                    .isEqualTo(values.get(e.getKey()));
                if (generated) {
                    assertThat(dest.state.get(e.getKey()).get("k_copy")).as(context + ": key field %s", e.getKey())
                        .isEqualTo(e.getKey());
                }
            }
        }
        for (Object key : dest.state.keySet()) {
            assertThat(keyCounts).as(context + ": destination holds key %s that the source lacks", key)
                .containsKey((Integer) key);
        }
        SyncResult after = runner.run(job(source, dest, SourceMode.INCREMENTAL, 5)).orThrow();
        assertThat(after.counts().planned()).as(context).isZero();
    }

    /** The write timeout of the model's runs: the lease of keys a late write may land on. */
    private static final java.time.Duration MODEL_WRITE_TIMEOUT = java.time.Duration.ofSeconds(2);

    private static SyncJob job(PostgresSource source, FaultyDestination dest, SourceMode mode, int batchSize) {
        Mapping.Builder mapping = Mapping.builder().key("k").sourceMode(mode).destinationMode(DestinationMode.MIRROR);
        if (source.description().matches(".*model_(9|10)$")) {
            mapping.map("k", "k_copy");
        }
        return SyncJob.builder(jobId(source)).source(source).destination(dest).mapping(mapping.map("v").build())
            .batchSize(batchSize).retryPolicy(RetryPolicy.none()).writeTimeout(MODEL_WRITE_TIMEOUT)
            .concurrency(dest.maxConcurrency)
            // (The model makes keys NULL and duplicated at random, at times most of them: it checks what is sent then.)
            .maxInvalidFraction(1.0).build();
    }

    /** One job per seed: seeds share their test database, and so the bookkeeping schema. */
    private static String jobId(PostgresSource source) {
        return "model-" + source.description().replaceAll(".*model_", "");
    }

    private static void mutate(TestDatabase db, String table, Random random, boolean unique, boolean notNull) {
        int ops = 1 + random.nextInt(5);
        for (int i = 0; i < ops; i++) {
            try {
                mutateOnce(db, table, random);
            } catch (RuntimeException e) {
                // A unique key refuses duplicates, a generated one NULLs: that change simply did not happen.
                String message = String.valueOf(e.getMessage());
                if (!(unique && message.contains("duplicate key")) && !(notNull && message.contains("null value"))) {
                    throw e;
                }
            }
        }
    }

    private static void mutateOnce(TestDatabase db, String table, Random random) {
        int k = 1 + random.nextInt(30);
        switch (random.nextInt(7)) {
            case 0:
                db.execute("insert into " + table + " values (" + k + ", 'new" + random.nextInt(1000) + "', 0)");
                break;
            case 1:
                db.execute("update " + table + " set v = 'u" + random.nextInt(1000) + "' where k = " + k);
                break;
            case 2:
                db.execute("update " + table + " set w = w + 1 where k = " + k);
                break;
            case 3:
                db.execute("delete from " + table + " where ctid = (select ctid from " + table + " where k = " + k
                    + " limit 1)");
                break;
            case 4:
                db.execute("update " + table + " set k = null where k = " + k);
                break;
            case 5:
                db.execute("update " + table + " set k = " + (1 + random.nextInt(30)) + " where k is null");
                break;
            default:
                db.execute("update " + table + " set v = v where k = " + k);
                break;
        }
    }
}
