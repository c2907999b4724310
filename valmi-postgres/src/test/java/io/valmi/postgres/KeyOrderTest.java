package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@code SyncContext.keyOrder()} sorts keys as PostgreSQL's {@code ORDER BY} does: random keys of each type get their
 * rank from the server ({@code row_number() OVER (ORDER BY k)}), and the comparator must sort them into that rank.
 */
@WithPostgres
class KeyOrderTest {
    private static final int KEYS = 400;
    private static final Mapping MAPPING = Mapping.builder().key("k").map("r").sourceMode(SourceMode.FULL_TABLE)
        .destinationMode(DestinationMode.UPSERT).build();

    /** Keeps the run's context and every change, in the order they came. */
    private static final class Capture implements Destination {
        @Nullable SyncContext context;
        final List<Change> received = new ArrayList<>();

        @Override
        public void open(SyncContext c) {
            this.context = c;
        }

        @Override
        public WriteResult write(List<Change> batch) {
            received.addAll(batch);
            return WriteResult.ok();
        }
    }

    @Test
    void integerKeysSortAsTheServerSortsThem(TestDatabase db) throws Exception {
        Random random = new Random(1);
        Set<String> smallints = new LinkedHashSet<>(List.of("-32768", "32767", "0", "-1"));
        Set<String> ints = new LinkedHashSet<>(List.of(String.valueOf(Integer.MIN_VALUE),
            String.valueOf(Integer.MAX_VALUE), "0"));
        Set<String> bigints = new LinkedHashSet<>(List.of(String.valueOf(Long.MIN_VALUE),
            String.valueOf(Long.MAX_VALUE), "0", "4294967297"));
        while (bigints.size() < KEYS) {
            smallints.add(String.valueOf((short) random.nextInt()));
            ints.add(String.valueOf(random.nextInt()));
            bigints.add(String.valueOf(random.nextLong() >> random.nextInt(64)));
        }
        sortsAsTheServer(db, "smallint", smallints);
        sortsAsTheServer(db, "integer", ints);
        sortsAsTheServer(db, "bigint", bigints);
    }

    @Test
    void uuidKeysSortByTheirUnsignedBytesNotAsUuidCompareTo(TestDatabase db) throws Exception {
        Random random = new Random(2);
        Set<String> uuids = new LinkedHashSet<>(List.of("00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000",
            "7fffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-8000-000000000000",
            "00000000-0000-0000-7fff-ffffffffffff"));
        while (uuids.size() < KEYS) {
            uuids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        List<Change> sorted = sortsAsTheServer(db, "uuid", uuids);

        List<Change> byCompareTo = new ArrayList<>(sorted);
        byCompareTo.sort(Comparator.comparing(c -> (UUID) c.key()));
        assertThat(ranks(byCompareTo)).as("UUID.compareTo's order is not the server's").isNotEqualTo(ranks(sorted));
    }

    @Test
    void numericKeysSortByValueWithTheInfinitiesAndNanWhereTheServerPutsThem(TestDatabase db) throws Exception {
        Random random = new Random(3);
        Set<BigDecimal> values = new TreeSet<>(); // (by compareTo: 1.5 and 1.50 are one key to the server as well)
        values.add(BigDecimal.ZERO);
        values.add(new BigDecimal("-0.000001"));
        values.add(new BigDecimal("123456789012345678901234.5"));
        while (values.size() < KEYS) {
            values.add(BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(8) - 2));
        }
        Set<String> texts = new LinkedHashSet<>();
        values.forEach(v -> texts.add(v.toPlainString()));
        texts.add("NaN");
        if (db.queryLong("select current_setting('server_version_num')::int") >= 140000) {
            texts.add("Infinity");
            texts.add("-Infinity");
        }
        sortsAsTheServer(db, "numeric", texts);
        Set<String> scaled = new LinkedHashSet<>();
        values.stream().filter(v -> v.abs().compareTo(new BigDecimal("1000000")) < 0)
            .forEach(v -> scaled.add(v.setScale(3, java.math.RoundingMode.DOWN).toPlainString()));
        sortsAsTheServer(db, "numeric(12,3)", scaled);
    }

    @Test
    void datesAndTimestampsSortByTimeWithTheInfinitiesAtTheEnds(TestDatabase db) throws Exception {
        Random random = new Random(4);
        Set<String> dates = new LinkedHashSet<>(List.of("infinity", "-infinity", "0001-01-01", "0001-12-31 BC",
            "4713-01-01 BC", "2000-02-29"));
        Set<String> timestamps = new LinkedHashSet<>(List.of("infinity", "-infinity", "2000-01-01 00:00:00",
            "2000-01-01 00:00:00.000001", "1999-12-31 23:59:59.999999"));
        Set<String> timestamptzs = new LinkedHashSet<>(List.of("infinity", "-infinity",
            "2000-01-01 00:00:00+00", "2000-01-01 05:30:00.000001+05:30"));
        Set<String> millis = new LinkedHashSet<>(List.of("infinity", "-infinity"));
        String[] zones = {"+00", "+05:30", "-08", "+14"};
        while (timestamptzs.size() < KEYS) {
            int year = 1 + random.nextInt(3000);
            String day = String.format("%04d-%02d-%02d", year, 1 + random.nextInt(12), 1 + random.nextInt(28));
            dates.add(random.nextBoolean() ? day : day + " BC");
            String time = String.format("%s %02d:%02d:%02d.%06d", day, random.nextInt(24), random.nextInt(60),
                random.nextInt(60), random.nextInt(1_000_000));
            timestamps.add(time);
            timestamptzs.add(time + zones[random.nextInt(zones.length)]);
            millis.add(time.substring(0, time.length() - 3) + zones[random.nextInt(zones.length)]);
        }
        sortsAsTheServer(db, "date", dates);
        sortsAsTheServer(db, "timestamp", timestamps);
        sortsAsTheServer(db, "timestamptz", timestamptzs);
        sortsAsTheServer(db, "timestamp(3) with time zone", millis);
    }

    @Test
    void textKeysUnderCollationCSortByCodePointNotAsStringCompareTo(TestDatabase db) throws Exception {
        Random random = new Random(5);
        // Supplementary characters (two UTF-16 units from U+D800) against characters from U+E000: String.compareTo
        // puts them the other way round.
        String[] pieces = {"a", "B", "z", "0", " ", "é", "ß", "\u00a0", "\uff21", "\ue000", "\ud83d\ude00",
            "\ud800\udc00", "\uffff"};
        Set<String> texts = new LinkedHashSet<>(List.of("", "\ud83d\ude00", "\uff21"));
        while (texts.size() < KEYS) {
            StringBuilder s = new StringBuilder();
            for (int i = random.nextInt(6); i >= 0; i--) {
                s.append(pieces[random.nextInt(pieces.length)]);
            }
            texts.add(s.toString());
        }
        List<Change> sorted = sortsAsTheServer(db, "text collate \"C\"", texts);
        List<Change> byCompareTo = new ArrayList<>(sorted);
        byCompareTo.sort(Comparator.comparing(c -> (String) c.key()));
        assertThat(ranks(byCompareTo)).as("String.compareTo's order is not the server's").isNotEqualTo(ranks(sorted));
        sortsAsTheServer(db, "varchar(20) collate \"POSIX\"", texts);
        if (keyOrder(db, "text", List.of("a")).isPresent()) { // (the database's default collation sorts by code point)
            sortsAsTheServer(db, "text", texts);
        }
    }

    @Test
    void keysWhoseOrderJavaCannotReproduceHaveNone(TestDatabase db) throws Exception {
        List<List<Object>> linguistic = db.query("select quote_ident(collname) from pg_collation"
            + " where collprovider in ('c', 'i') and coalesce(collcollate, '') not in ('C', 'POSIX')"
            + " and collencoding in (-1, (select encoding from pg_database where datname = current_database()))"
            + " order by collname limit 1");
        if (!linguistic.isEmpty()) {
            assertThat(keyOrder(db, "text collate " + linguistic.get(0).get(0), List.of("a", "B"))).isEmpty();
        }
        assertThat(keyOrder(db, "character(3)", List.of("a", "b"))).isEmpty();
        assertThat(keyOrder(db, "real", List.of("1.5", "-2"))).isEmpty();
        assertThat(keyOrder(db, "integer[]", List.of("{1}", "{2,1}"))).isEmpty();
    }

    private static int tables;

    private static java.util.Optional<Comparator<Object>> keyOrder(TestDatabase db, String type,
                                                                    java.util.Collection<String> keys) throws Exception {
        Capture capture = new Capture();
        sync(db, type, keys, capture);
        return java.util.Objects.requireNonNull(capture.context).keyOrder();
    }

    /**
     * Syncs a table of the keys (each with its rank by the server's {@code ORDER BY}), sorts the delivered keys by the
     * run's key order, and checks that they come out in rank order, as they came.
     */
    private static List<Change> sortsAsTheServer(TestDatabase db, String type, java.util.Collection<String> keys)
        throws Exception {
        Capture capture = new Capture();
        sync(db, type, keys, capture);
        Comparator<Object> order = java.util.Objects.requireNonNull(capture.context).keyOrder().orElseThrow();
        List<Change> received = capture.received;
        assertThat(received).as(type).hasSize(keys.size());
        List<Change> shuffled = new ArrayList<>(received);
        Collections.shuffle(shuffled, new Random(6));
        shuffled.sort(Comparator.comparing(Change::key, order));
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= keys.size(); i++) {
            expected.add(i);
        }
        assertThat(ranks(shuffled)).as(type + " sorted by the key order").isEqualTo(expected);
        assertThat(ranks(received)).as(type + " as handed out").isEqualTo(expected);
        return shuffled;
    }

    private static void sync(TestDatabase db, String type, java.util.Collection<String> keys, Capture capture)
        throws Exception {
        String table = "keys_" + (++tables);
        String cast = type.replaceAll(" collate .*", "");
        db.execute("create table " + table + " (k " + type + " primary key, r int)");
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement insert = c.prepareStatement("insert into " + table + " (k) values (?::" + cast + ")")) {
            for (String key : keys) {
                insert.setString(1, key);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        db.execute("update " + table + " t set r = s.rn from (select k, row_number() over (order by k) as rn from "
            + table + ") s where t.k = s.k");
        Syncs.run(table, Syncs.source(db.dataSource(), "public", table), capture, MAPPING, 50).orThrow();
    }

    private static List<Integer> ranks(List<Change> changes) {
        List<Integer> ranks = new ArrayList<>(changes.size());
        for (Change c : changes) {
            ranks.add((Integer) java.util.Objects.requireNonNull(c.row()).get("r"));
        }
        return ranks;
    }
}
