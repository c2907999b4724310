package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.DestinationMode;
import io.valmi.JobBusyException;
import io.valmi.Mapping;
import io.valmi.SourceException;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a caller needs to act on a failure is data, not only text: a busy job, and the database's SQLSTATE. */
@WithPostgres
class ErrorsAsDataTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    @Test
    void aBusyJobIsOneRetriableExceptionWhereverItIsMet(TestDatabase db) throws Exception {
        db.execute("create table busy (id int primary key, v text)", "insert into busy values (1, 'a'), (2, 'b')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "busy");
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CollectingDestination slow = new CollectingDestination();
        slow.rejector = c -> {
            inWrite.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        SyncJob job = SyncJob.builder("busy").source(source).destination(slow).mapping(MAPPING).build();
        CompletableFuture<SyncResult> first = CompletableFuture.supplyAsync(() -> SyncRunner.create().run(job));
        try {
            assertThat(inWrite.await(30, TimeUnit.SECONDS)).isTrue();

            SyncResult second = SyncRunner.create().run(job);
            assertThat(second.status()).isEqualTo(io.valmi.RunStatus.SKIPPED);
            assertThat(second.error()).isInstanceOfSatisfying(JobBusyException.class, e -> {
                assertThat(e.jobId()).isEqualTo("busy");
                assertThat(e.inThisProcess()).isTrue();
                assertThat(e.isRetriable()).isTrue();
            });
            assertThatThrownBy(() -> SyncRunner.create().plan(job)).isInstanceOfSatisfying(JobBusyException.class,
                e -> assertThat(e.inThisProcess()).isTrue());
            assertThatThrownBy(() -> source.resetJob("busy")).isInstanceOf(JobBusyException.class);
        } finally {
            release.countDown();
        }
        assertThat(first.get(30, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    @Test
    void aFailureThePostgresServerReportsCarriesItsSqlState(TestDatabase db) {
        db.execute("create table killed (id int primary key, v text)", "insert into killed values (1, 'a')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "killed");
        CollectingDestination dest = new CollectingDestination();
        dest.rejector = c -> {
            db.queryLong("select count(pg_terminate_backend(pid)) from pg_locks where locktype = 'advisory'"
                + " and granted and database = (select oid from pg_database where datname = current_database())");
            return null;
        };

        SyncResult result = SyncRunner.create().run(SyncJob.builder("killed").source(source).destination(dest)
            .mapping(MAPPING).build());

        assertThat(result.error()).isInstanceOfSatisfying(SourceException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("57P01");
            assertThat(e.sqlStateClass()).isEqualTo("57");
            assertThat(e.getMessage()).contains("[SQLState 57P01]");
        });
    }
}
