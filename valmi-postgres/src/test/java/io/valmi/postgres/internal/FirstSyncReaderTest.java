package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batches read ahead (as a relay: each starts after the last key of the one before) are handed out in key order:
 * rows added ahead of the reading are read, no row is skipped or handed out twice, and no batch exceeds its size.
 */
@WithPostgres
class FirstSyncReaderTest {

    @ParameterizedTest
    @ValueSource(strings = {"ahead", "one-by-one", "no-connection-to-spare"})
    void everyKeyOnceInOrderThoughARangeGainedRows(String readAhead, TestDatabase db) {
        String table = "ranges_" + readAhead.replace('-', '_');
        db.execute("create table " + table + " (id int primary key, v text)",
            "insert into " + table + " select g * 10, 'v' from generate_series(1, 10) g");
        AtomicBoolean inserted = new AtomicBoolean();
        FirstSyncReader.Fetcher fetcher = (c, lo, relay) -> {
            if ("30".equals(lo) && inserted.compareAndSet(false, true)) {
                // Rows added after the batches before were read (and committed before this batch reads).
                try (java.sql.Connection other = db.dataSource().getConnection(); Statement s = other.createStatement()) {
                    s.execute("insert into public." + table + " values (31, 'new'), (32, 'new'), (101, 'too late')");
                }
            }
            return upToThree(c, table, lo, "100", relay);
        };
        Supplier<Session> opener;
        if (readAhead.equals("ahead")) {
            opener = () -> Session.open(db.dataSource(), "reader");
        } else if (readAhead.equals("no-connection-to-spare")) {
            opener = () -> {
                throw new io.valmi.SourceException("the pool is empty", null, true);
            };
        } else {
            opener = null;
        }
        List<Object> handedOut = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        try (Session main = Session.open(db.dataSource(), "main");
             FirstSyncReader reader = new FirstSyncReader(main, opener, fetcher, "ranges")) {
            for (FirstSyncReader.Batch b = reader.next(); b != null; b = reader.next()) {
                sizes.add(b.fetched().changes().size());
                b.fetched().changes().forEach(c -> handedOut.add(c.key()));
                assertThat(b.from()).as("a batch starts where the one before ended")
                    .isEqualTo(handedOut.size() == b.fetched().changes().size() ? null
                        : String.valueOf(handedOut.get(handedOut.size() - b.fetched().changes().size() - 1)));
            }
        }
        assertThat(inserted).isTrue();
        assertThat(handedOut).containsExactly(10, 20, 30, 31, 32, 40, 50, 60, 70, 80, 90, 100);
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(1, 3));
        assertThat(sizes.subList(0, sizes.size() - 1)).as("only the last batch is short").allMatch(n -> n == 3);
    }

    @org.junit.jupiter.api.Test
    void aConnectionThatComesTooLateIsClosedAndTheRunGoesOnWithout(TestDatabase db) throws Exception {
        db.execute("create table late (id int primary key, v text)",
            "insert into late select g, 'v' from generate_series(1, 7) g");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<Session> opened = java.util.Collections.synchronizedList(new ArrayList<>());
        Supplier<Session> slowPool = () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Session s = Session.open(db.dataSource(), "late reader");
            opened.add(s);
            return s;
        };
        FirstSyncReader.Fetcher fetcher = (c, lo, relay) -> upToThree(c, "late", lo, "7", relay);
        List<Object> handedOut = new ArrayList<>();
        try (Session main = Session.open(db.dataSource(), "main");
             FirstSyncReader reader = new FirstSyncReader(main, slowPool, fetcher, "late", 200)) {
            for (FirstSyncReader.Batch b = reader.next(); b != null; b = reader.next()) {
                b.fetched().changes().forEach(c -> handedOut.add(c.key()));
            }
            release.countDown();
            // The connection that arrived after the limit is closed as soon as it arrives.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (opened.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(100);
            assertThat(opened).hasSize(1);
            assertThat(opened.get(0).connection().isClosed()).isTrue();
        }
        assertThat(handedOut).containsExactly(1, 2, 3, 4, 5, 6, 7);
    }

    /** Reads up to three keys of a range, as a batch of removals (the reader does not look at the kind). */
    private static FirstSyncReader.Fetched upToThree(java.sql.Connection c, String table, String lo, String hi,
                                                     FirstSyncReader.@org.jspecify.annotations.Nullable Relay relay)
        throws java.sql.SQLException {
        List<Change> changes = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select id, id::text from public." + table
            + " where (?::int is null or id > ?::int) and id <= ?::int order by 1 limit 3")) {
            ps.setString(1, lo);
            ps.setString(2, lo);
            ps.setString(3, hi);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changes.add(Change.removed(rs.getInt(1)));
                    keys.add(rs.getString(2));
                }
            }
        }
        String last = keys.isEmpty() ? null : keys.get(keys.size() - 1);
        String next = keys.size() < 3 || hi.equals(last) ? null : last;
        if (relay != null) {
            relay.arrived(next);
        }
        return new FirstSyncReader.Fetched(changes, keys, 0, 0, next);
    }
}
