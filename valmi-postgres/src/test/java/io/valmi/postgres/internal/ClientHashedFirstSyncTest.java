package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.DestinationCapabilities;
import io.valmi.Mapping;
import io.valmi.RetryPolicy;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import io.valmi.WriteResult;
import io.valmi.postgres.PostgresSource;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A first sync hashes its rows on the client when it can, and records exactly the hashes the server computes for
 * the same rows (later runs compare with those): with batches read as text and in binary form.
 */
@WithPostgres
class ClientHashedFirstSyncTest {
    private static final List<String> COLUMNS = List.of("i8", "n", "t", "tz", "d", "u", "b", "j");
    private static final List<String> TYPES = List.of("bigint", "numeric", "text", "timestamp with time zone", "date",
        "uuid", "boolean", "jsonb");

    @BeforeAll
    static void createTable(TestDatabase db) {
        db.execute("create table hashed_sync (id int primary key, i8 bigint, n numeric, t text, tz timestamptz, d date,"
                + " u uuid, b boolean, j jsonb)",
            "insert into hashed_sync select g, g * 4294967297, (g - 20) / 4.0, 't' || g || repeat('\u00e9', g % 5),"
                + " timestamptz '2000-01-01 00:00:00+00' + g * interval '1 hour 0.000001 second',"
                + " date '0044-03-15 BC' + g * 10000, md5(g::text)::uuid, g % 2 = 0, jsonb_build_object('g', g)"
                + " from generate_series(1, 40) g",
            "insert into hashed_sync values (0, null, null, null, null, null, null, null, null),"
                + " (41, -1, 'NaN', '', 'infinity', '-infinity', '00000000-0000-0000-0000-000000000000', false, 'null')");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"prepareThreshold=5", "prepareThreshold=-1"})
    void theSnapshotHoldsTheServersHashesOfTheRows(String property, TestDatabase db) throws Exception {
        List<String> statements = new CopyOnWriteArrayList<>();
        DataSource ds = recording(db.dataSource(property), statements);
        String job = "hashed " + property;
        Mapping.Builder mapping = Mapping.builder().key("id").sourceMode(SourceMode.FULL_TABLE);
        COLUMNS.forEach(mapping::map);
        List<Change> received = new ArrayList<>();
        io.valmi.Destination dest = collecting(received);
        SyncRunner.create().run(SyncJob.builder(job).source(PostgresSource.builder().dataSource(ds, "test")
                .table("public", "hashed_sync").build())
            .destination(dest).mapping(mapping.build()).batchSize(3).retryPolicy(RetryPolicy.none()).build())
            .orThrow();
        assertThat(received).hasSize(42);

        // The batches were hashed on the client: no batch statement over the table computes a hash.
        List<String> batches = statements.stream().filter(s -> s.contains("\"hashed_sync\"") && s.contains("fetch next"))
            .filter(s -> !s.contains("offset")).toList();
        assertThat(batches).isNotEmpty().noneMatch(s -> s.contains("hashtextextended"));

        // Every recorded hash is the one the server computes for the row.
        List<Field<Object>> values = new ArrayList<>();
        for (String c : COLUMNS) {
            values.add(DSL.field(DSL.name("s", c)));
        }
        JobTables tables = new JobTables("valmi_scratch_computed_", job);
        var query = DSL.select(DSL.field(DSL.name("s", "id")), RowHash.sql(values, TYPES),
                DSL.field(DSL.name("p", JobTables.HASH)))
            .from(DSL.table(DSL.name("public", "hashed_sync")).as("s"))
            .join(DSL.table(tables.snapshotName()).as("p"))
            .on(DSL.field(DSL.name("p", JobTables.KEY)).eq(DSL.field(DSL.name("s", "id"))));
        Map<Integer, long[]> hashes = new HashMap<>();
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = Sql.prepare(c, query);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                hashes.put(rs.getInt(1), new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        assertThat(hashes).hasSize(42);
        hashes.forEach((id, h) -> assertThat(h[1]).as("hash of row %s", id).isEqualTo(h[0]));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"smallint", "integer", "bigint", "uuid", "text", "varchar(12)"})
    void snapshotRowsWrittenInBinaryHoldTheKeysVersionsAndHashesTheServerSees(String keyType, TestDatabase db)
        throws Exception {
        // The keys whose binary form the client writes (FirstSyncRun.BinaryKey), at the edges of their types: signs,
        // extremes, a uuid with its high bits set, texts with what the text format escapes (and its NULL, \N),
        // multibyte characters.
        String keys = switch (keyType) {
            case "smallint" -> "values (-32768), (-1), (0), (1), (32767)";
            case "integer" -> "values (-2147483648), (-1), (0), (2147483647)";
            case "bigint" -> "values (-9223372036854775808), (-1), (0), (4294967296), (9223372036854775807)";
            case "uuid" -> "values ('00000000-0000-0000-0000-000000000000'), ('ffffffff-ffff-ffff-ffff-ffffffffffff'),"
                + " ('80000000-0000-0000-8000-000000000001'), ('0123abcd-4567-89ab-cdef-0123456789ab')";
            default -> "values (''), (' '), (E'a\\tb'), (E'back\\\\slash'), (E'new\\nline'), (E'cr\\r'),"
                + " ('\u00e9\u20ac\ud83d\ude00'), ('\\N')";
        };
        String declared = keyType.equals("varchar(12)") ? "character varying(12)" : keyType;
        assertThat(FirstSyncRun.BinaryKey.of(new ColumnType(declared, "", null))).as("written in binary").isNotNull();
        String table = "binary_" + keyType.replaceAll("[^a-z0-9]", "_");
        db.execute("create table " + table + " (id " + keyType + " primary key, v text)",
            "insert into " + table + " select k::" + keyType + ", 'v' || row_number() over ()"
                + " from (" + keys + ") as x(k)");
        long rows = db.queryLong("select count(*) from " + table);
        String job = "binary " + keyType;
        Mapping mapping = Mapping.builder().key("id").map("v").sourceMode(SourceMode.INCREMENTAL).build();
        List<Change> received = new ArrayList<>();
        SyncJob sync = SyncJob.builder(job).source(PostgresSource.builder().dataSource(db.dataSource(), "test")
                .table("public", table).build())
            .destination(collecting(received)).mapping(mapping).batchSize(2).retryPolicy(RetryPolicy.none()).build();
        SyncRunner.create().run(sync).orThrow();
        assertThat(received).hasSize((int) rows);

        // Each source row has its snapshot row: the same key, its version, not in doubt, the server's hash.
        JobTables tables = new JobTables("valmi_scratch_computed_", job);
        var matching = DSL.selectCount()
            .from(DSL.table(DSL.name("public", table)).as("s"))
            .join(DSL.table(tables.snapshotName()).as("p"))
            .on(DSL.field(DSL.name("p", JobTables.KEY)).eq(DSL.field(DSL.name("s", "id"))))
            .where(DSL.condition("p.xr::text = s.xmin::text and p.xe is not null and not p.d"))
            .and(DSL.field(DSL.name("p", JobTables.HASH), Long.class)
                .eq(RowHash.sql(List.of(DSL.field(DSL.name("s", "v"))), List.of("text"))));
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = Sql.prepare(c, matching);
             ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(rows);
        }
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_." + tables.snapshotName().last()))
            .isEqualTo(rows);
        // And the next run finds nothing changed.
        assertThat(SyncRunner.create().run(sync).orThrow().counts().planned()).isZero();
    }

    @org.junit.jupiter.api.Test
    void aDatabaseInAnotherEncodingIsHashedOnTheServer(TestDatabase db) throws Exception {
        // The probes hold characters LATIN1 cannot represent: the server refuses them, and the server hashes.
        String name = "latin1_" + Long.toHexString(System.nanoTime());
        db.execute("create database " + name + " encoding 'LATIN1' lc_collate 'C' lc_ctype 'C' template template0");
        try {
            DataSource latin1 = db.server().dataSource(name, db.server().adminUser(), db.server().adminPassword());
            try (Connection c = latin1.getConnection(); java.sql.Statement s = c.createStatement()) {
                s.execute("create table t (id int primary key, v text, n numeric)");
                s.execute("insert into t select g, 'caf\u00e9 ' || g, g / 3.0 from generate_series(1, 25) g");
            }
            List<String> statements = new CopyOnWriteArrayList<>();
            List<Change> received = new ArrayList<>();
            io.valmi.Destination dest = collecting(received);
            SyncRunner.create().run(SyncJob.builder("latin1").source(PostgresSource.builder()
                    .dataSource(recording(latin1, statements), "test").table("public", "t").build())
                .destination(dest).mapping(Mapping.builder().key("id").map("v").map("n").build()).batchSize(4)
                .retryPolicy(RetryPolicy.none()).build()).orThrow();
            assertThat(received).hasSize(25);
            assertThat(received.get(0).requireRow().get("v")).isEqualTo("caf\u00e9 1");
            assertThat(statements.stream().filter(st -> st.contains("\"kind\"") && st.contains("\"public\".\"t\"")))
                .isNotEmpty().allMatch(st -> st.contains("hashtextextended"));
        } finally {
            db.execute("drop database if exists " + name + (db.server().majorVersion() >= 13 ? " with (force)" : ""));
        }
    }

    /** A destination of every mode that keeps what it is sent. */
    private static io.valmi.Destination collecting(List<Change> received) {
        return new io.valmi.Destination() {
            @Override
            public DestinationCapabilities capabilities() {
                return DestinationCapabilities.all();
            }

            @Override
            public WriteResult write(List<Change> batch) {
                received.addAll(batch);
                return WriteResult.ok();
            }
        };
    }

    private static DataSource recording(DataSource target, List<String> statements) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
            (p, m, args) -> {
                Object result = invoke(m, target, args);
                if (result instanceof Connection) {
                    Connection c = (Connection) result;
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                        (p2, m2, args2) -> {
                            if (m2.getName().equals("prepareStatement")) {
                                statements.add((String) args2[0]);
                            }
                            return invoke(m2, c, args2);
                        });
                }
                return result;
            });
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * A first sync in physical order keeps its rows' hashes for the answers to its batches: when the server hashes,
     * from their text as the server prints a {@code bigint}, signs and extremes included.
     */
    @org.junit.jupiter.api.Test
    void aHashPrintedByTheServerIsReadBackExactly(TestDatabase db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
            "select x::text, x from (values ('-9223372036854775808'::bigint), (-1), (0), (42),"
                + " (9223372036854775807)) v(x)"); ResultSet rs = ps.executeQuery()) {
            int rows = 0;
            while (rs.next()) {
                assertThat(FirstSyncRun.parseSigned(rs.getBytes(1))).isEqualTo(rs.getLong(2));
                rows++;
            }
            assertThat(rows).isEqualTo(5);
        }
    }
}
