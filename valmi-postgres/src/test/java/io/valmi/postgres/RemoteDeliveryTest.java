package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunHandle;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The delivery engine against the real source: a poison row isolated and offered again, a cancelled run whose next
 * run sends exactly what was not acknowledged, several batches out at once ending as one at a time does.
 */
@WithPostgres
class RemoteDeliveryTest {

    /** A thread-safe remote API: latency, a refused key, every call recorded. */
    static final class Api implements Destination {
        final Map<Object, Change> held = new ConcurrentHashMap<>();
        final List<List<Object>> calls = Collections.synchronizedList(new ArrayList<>());
        volatile Set<Object> poison = Set.of();
        volatile long latencyMillis;
        final int maxConcurrency;

        Api(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all().withMaxConcurrency(maxConcurrency);
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            List<Object> keys = new ArrayList<>();
            for (Change c : batch) {
                keys.add(c.key());
            }
            calls.add(keys);
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            for (Object k : keys) {
                if (poison.contains(k)) {
                    throw new io.valmi.DestinationException("HTTP 400: record " + k + " has an invalid e-mail", null,
                        false);
                }
            }
            for (Change c : batch) {
                if (c.kind() == ChangeKind.REMOVED) {
                    held.remove(c.key());
                } else {
                    held.put(c.key(), c);
                }
            }
            return WriteResult.ok();
        }

        List<Object> sentSince(int call) {
            List<Object> keys = new ArrayList<>();
            synchronized (calls) {
                for (List<Object> c : calls.subList(call, calls.size())) {
                    keys.addAll(c);
                }
            }
            return keys;
        }
    }

    private static SyncJob.Builder job(String id, PostgresSource source, Destination dest, SourceMode mode) {
        return SyncJob.builder(id).source(source).destination(dest)
            .mapping(Mapping.builder().key("id").map("v").sourceMode(mode).destinationMode(DestinationMode.MIRROR)
                .build());
    }

    @ParameterizedTest
    @EnumSource(SourceMode.class)
    void aPoisonRowIsRejectedWithTheErrorTheRestArrivesAndItIsOfferedAgain(SourceMode mode, TestDatabase db) {
        String table = "poison_" + mode.name().toLowerCase(java.util.Locale.ROOT);
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, 64) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        Api api = new Api(1);
        api.poison = Set.of(37);
        SyncRunner runner = SyncRunner.create();

        SyncResult first = runner.run(job(table, source, api, mode).batchSize(16).build());

        assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(first.counts().delivered()).isEqualTo(63);
        assertThat(first.counts().added()).as("planned ADDED changes of a first sync").isEqualTo(64);
        assertThat(first.counts().delivered(io.valmi.ChangeKind.ADDED)).isEqualTo(63);
        assertThat(first.counts().rejected()).isEqualTo(1);
        assertThat(first.rejectionSamples()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(37);
            assertThat(r.reason()).startsWith("write failed: ").contains("HTTP 400: record 37 has an invalid e-mail");
        });
        assertThat(api.held).hasSize(63).doesNotContainKey(37);
        assertThat(api.calls.size() - 4).as("extra calls to isolate one row in a batch of 16").isBetween(1, 8);

        // The next run offers the rejected row again, and only it; once the destination takes it, nothing is left.
        int before = api.calls.size();
        SyncResult again = runner.run(job(table, source, api, mode).batchSize(16).build());
        assertThat(again.counts().rejected()).isEqualTo(1);
        if (mode == SourceMode.INCREMENTAL) {
            assertThat(api.sentSince(before)).containsOnly(37);
        }
        api.poison = Set.of();
        SyncResult fixed = runner.run(job(table, source, api, mode).batchSize(16).build());
        assertThat(fixed.counts().rejected()).isZero();
        assertThat(api.held).hasSize(64);
        if (mode == SourceMode.INCREMENTAL) {
            assertThat(runner.run(job(table, source, api, mode).batchSize(16).build()).counts().planned()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SourceMode.class)
    void theRunAfterACancelSendsExactlyWhatWasNotAcknowledged(SourceMode mode, TestDatabase db) throws Exception {
        String table = "cancel_" + mode.name().toLowerCase(java.util.Locale.ROOT);
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g, 'v' || g from generate_series(1, 300) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        Api api = new Api(1);
        api.latencyMillis = 15;
        SyncRunner runner = SyncRunner.create();
        SyncJob job = job(table, source, api, mode).batchSize(10).build();

        RunHandle handle = runner.start(job);
        while (api.held.size() < 50) {
            Thread.sleep(5);
        }
        handle.cancel(Duration.ofSeconds(5));
        SyncResult cancelled = handle.result().get(30, TimeUnit.SECONDS);
        assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
        long delivered = cancelled.counts().delivered();
        assertThat(delivered).isBetween(50L, 290L);
        Set<Object> acknowledged = Set.copyOf(api.held.keySet());
        assertThat(acknowledged).hasSize((int) delivered);

        int before = api.calls.size();
        SyncResult next = runner.run(job);
        assertThat(next.succeeded()).isTrue();
        List<Object> resent = api.sentSince(before);
        if (mode == SourceMode.INCREMENTAL) {
            assertThat(resent).doesNotContainAnyElementsOf(acknowledged).hasSize(300 - acknowledged.size());
        }
        assertThat(api.held).hasSize(300);
        assertThat(runner.run(job).counts().delivered()).isEqualTo(mode == SourceMode.INCREMENTAL ? 0 : 300);
    }
}
