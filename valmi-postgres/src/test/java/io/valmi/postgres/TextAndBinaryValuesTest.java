package io.valmi.postgres;

import static io.valmi.postgres.ResultFormats.BINARY;
import static io.valmi.postgres.ResultFormats.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pgjdbc reads a result as text until a statement has run {@code prepareThreshold} (default 5) times on a
 * connection; from then on it asks the server for the binary form of the types it knows. A run's batches repeat one
 * statement, so its first batches are read as text and the later ones as binary: a destination must get the same Java
 * value for the same database value either way.
 *
 * <p>Every row of the table holds the same edge values, one per column, so each value is read in the first batches
 * (text) and in the later ones (binary) of a run of one-row batches; {@link ResultFormats} shows that both forms
 * really were read.
 */
@WithPostgres
class TextAndBinaryValuesTest {
    private static final int ROWS = 24;

    /**
     * The types of the table that pgjdbc 42.7 receives in binary form from a server-side prepared statement (point and
     * box too, but the batches select those as text).
     */
    private static final Set<String> RECEIVED_IN_BINARY = Set.of("int2", "int4", "int8", "float4", "float8", "numeric",
        "date", "time", "timetz", "timestamp", "timestamptz", "uuid", "bytea", "_int2", "_int4", "_int8", "_oid",
        "_float4", "_float8", "_text", "_varchar", "_bytea");

    /** One edge value: the column's type, the value's literal and the Java value {@code Values} must deliver. */
    private record Edge(String type, @Nullable String literal, @Nullable Object expected) {
        String column(int index) {
            return "e" + (index + 1);
        }
    }

    private static List<Edge> edges = List.of();

    @BeforeAll
    static void createTable(TestDatabase db) {
        edges = edges(db.server().majorVersion());
        StringBuilder columns = new StringBuilder();
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < edges.size(); i++) {
            Edge e = edges.get(i);
            columns.append(", ").append(e.column(i)).append(' ').append(e.type());
            values.append(", ").append(e.literal() == null ? "null" : "'" + e.literal() + "'").append("::")
                .append(e.type());
        }
        db.execute("create table edges (id int primary key, rev int not null" + columns + ")",
            "insert into edges select g, 0" + values + " from generate_series(1, " + ROWS + ") g");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"the fixture's data source", "prepareThreshold=1", "prepareThreshold=0",
        "prepareThreshold=-1"})
    void everyBatchDeliversTheSameJavaValueForTheSameDatabaseValue(String connection, TestDatabase db) {
        DataSource ds = connection.startsWith("prepareThreshold") ? db.dataSource(connection) : db.dataSource();
        Mapping.Builder b = Mapping.builder().key("id");
        for (int i = 0; i < edges.size(); i++) {
            b.map(edges.get(i).column(i));
        }
        b.map("rev");
        for (SourceMode mode : SourceMode.values()) {
            String job = "edges " + mode + " " + connection;
            Mapping mapping = b.sourceMode(mode).build();
            // The first sync (empty snapshot): batches read from the table, ahead, on three connections.
            syncAndCheck(job, mapping, ds, connection, ChangeKind.ADDED, mode + " first sync");
            // Every row changed: batches read from the plan table, on the run's connection.
            db.execute("update edges set rev = rev + 1");
            syncAndCheck(job, mapping, ds, connection, ChangeKind.CHANGED, mode + " after an update");
        }
    }

    /** Runs the job in one-row batches; checks every row's values and that they were read as the connection says. */
    private static void syncAndCheck(String job, Mapping mapping, DataSource ds, String connection, ChangeKind kind,
                                     String what) {
        ResultFormats formats = new ResultFormats();
        CollectingDestination dest = new CollectingDestination();
        Syncs.run(job, Syncs.source(formats.watch(ds), "public", "edges"), dest, mapping, 1).orThrow();
        assertEveryRowHoldsTheEdgeValues(dest.takeReceived(), kind, what);

        // Proof that both forms were read (only text with prepareThreshold=0, only binary with -1: forced).
        Map<String, Set<String>> seen = formats.byType();
        Set<String> formsOfBinaryTypes = connection.endsWith("=0") ? Set.of(TEXT)
            : connection.endsWith("=-1") ? Set.of(BINARY) : Set.of(TEXT, BINARY);
        SoftAssertions.assertSoftly(soft -> {
            seen.forEach((type, forms) -> soft.assertThat(forms).as("%s: forms of %s", what, type)
                .isEqualTo(RECEIVED_IN_BINARY.contains(type) ? formsOfBinaryTypes : Set.of(TEXT)));
            soft.assertThat(seen.keySet()).as("%s: types read", what).containsAll(RECEIVED_IN_BINARY);
        });
    }


    private static void assertEveryRowHoldsTheEdgeValues(List<Change> changes, ChangeKind kind, String what) {
        assertThat(changes).as(what).extracting(Change::kind).containsOnly(kind);
        assertThat(changes).as(what).extracting(Change::key)
            .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, ROWS).boxed().collect(Collectors.toList()));
        SoftAssertions.assertSoftly(soft -> {
            for (int i = 0; i < edges.size(); i++) {
                Edge e = edges.get(i);
                Set<@Nullable Object> got = new HashSet<>();
                for (Change c : changes) {
                    got.add(comparable(c.requireRow().get(e.column(i))));
                }
                soft.assertThat(got).as("%s: %s '%s'", what, e.type(), e.literal())
                    .containsExactly(comparable(e.expected()));
            }
        });
    }

    /** The value with every byte[] (compared by identity) as its hex text, so that equals compares contents. */
    private static @Nullable Object comparable(@Nullable Object value) {
        if (value instanceof byte[]) {
            return "bytes " + HexFormat.of().formatHex((byte[]) value);
        }
        if (value instanceof List) {
            List<@Nullable Object> items = new ArrayList<>();
            for (Object item : (List<?>) value) {
                items.add(comparable(item));
            }
            return items;
        }
        return value;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static List<Edge> edges(int majorVersion) {
        ZoneOffset utc = ZoneOffset.UTC;
        List<Edge> list = new ArrayList<>(List.of(
            new Edge("smallint", "-32768", -32768),
            new Edge("smallint", "32767", 32767),
            new Edge("integer", "-2147483648", Integer.MIN_VALUE),
            new Edge("bigint", "-9223372036854775808", Long.MIN_VALUE),
            new Edge("bigint", "9223372036854775807", Long.MAX_VALUE),
            new Edge("numeric", "NaN", Double.NaN),
            new Edge("numeric", "1.50", new BigDecimal("1.50")),
            new Edge("numeric", "1.5", new BigDecimal("1.5")),
            new Edge("numeric(10,4)", "1.5", new BigDecimal("1.5000")),
            new Edge("numeric", "0", BigDecimal.ZERO),
            new Edge("numeric", "0.000", new BigDecimal("0.000")),
            new Edge("numeric", "-0.0010", new BigDecimal("-0.0010")),
            new Edge("numeric", "100000000000000000000", new BigDecimal("100000000000000000000")),
            new Edge("numeric", "0.00000000000000000001", new BigDecimal("0.00000000000000000001")),
            new Edge("numeric", "-12345678901234567890.123456789", new BigDecimal("-12345678901234567890.123456789")),
            new Edge("real", "-0", -0.0f),
            new Edge("real", "NaN", Float.NaN),
            new Edge("real", "Infinity", Float.POSITIVE_INFINITY),
            new Edge("real", "-Infinity", Float.NEGATIVE_INFINITY),
            new Edge("real", "1.4e-45", Float.MIN_VALUE),
            new Edge("real", "3.4028235e38", Float.MAX_VALUE),
            new Edge("real", "0.1", 0.1f),
            new Edge("double precision", "-0", -0.0d),
            new Edge("double precision", "NaN", Double.NaN),
            new Edge("double precision", "Infinity", Double.POSITIVE_INFINITY),
            new Edge("double precision", "-Infinity", Double.NEGATIVE_INFINITY),
            new Edge("double precision", "4.9e-324", Double.MIN_VALUE),
            new Edge("double precision", "1.7976931348623157e308", Double.MAX_VALUE),
            new Edge("double precision", "0.1", 0.1d),
            new Edge("boolean", "false", false),
            new Edge("date", "infinity", LocalDate.MAX),
            new Edge("date", "-infinity", LocalDate.MIN),
            new Edge("date", "0044-03-15 BC", LocalDate.of(-43, 3, 15)),
            new Edge("date", "4713-01-01 BC", LocalDate.of(-4712, 1, 1)),
            new Edge("date", "294276-12-31", LocalDate.of(294276, 12, 31)),
            new Edge("date", "1582-10-10", LocalDate.of(1582, 10, 10)),
            new Edge("date", "1969-12-31", LocalDate.of(1969, 12, 31)),
            new Edge("time", "00:00", LocalTime.MIDNIGHT),
            new Edge("time", "23:59:59.999999", LocalTime.of(23, 59, 59, 999_999_000)),
            new Edge("time", "24:00:00", LocalTime.MAX),
            new Edge("timetz", "00:00+00", OffsetTime.of(LocalTime.MIDNIGHT, utc)),
            new Edge("timetz", "13:45:59.123456+05:30",
                OffsetTime.of(13, 45, 59, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30))),
            new Edge("timetz", "23:59:59.999999-15:59",
                OffsetTime.of(23, 59, 59, 999_999_000, ZoneOffset.ofHoursMinutes(-15, -59))),
            new Edge("timetz", "12:00:00+01:02:03",
                OffsetTime.of(12, 0, 0, 0, ZoneOffset.ofHoursMinutesSeconds(1, 2, 3))),
            new Edge("timetz", "24:00:00+14", OffsetTime.of(LocalTime.MAX, ZoneOffset.ofHours(14))),
            new Edge("timestamp", "infinity", LocalDateTime.MAX),
            new Edge("timestamp", "-infinity", LocalDateTime.MIN),
            new Edge("timestamp", "0044-03-15 12:00:00.5 BC", LocalDateTime.of(-43, 3, 15, 12, 0, 0, 500_000_000)),
            new Edge("timestamp", "4713-01-01 00:00:00 BC", LocalDateTime.of(-4712, 1, 1, 0, 0)),
            new Edge("timestamp", "294276-12-31 23:59:59.999999",
                LocalDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000)),
            new Edge("timestamp", "1582-10-10 00:00", LocalDateTime.of(1582, 10, 10, 0, 0)),
            new Edge("timestamp", "1969-12-31 23:59:59.999999",
                LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000)),
            new Edge("timestamp", "2000-01-01 00:00:00.000001", LocalDateTime.of(2000, 1, 1, 0, 0, 0, 1_000)),
            new Edge("timestamptz", "infinity", OffsetDateTime.MAX),
            new Edge("timestamptz", "-infinity", OffsetDateTime.MIN),
            new Edge("timestamptz", "0044-03-15 12:00:00 BC", OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 0, utc)),
            new Edge("timestamptz", "2024-02-29 13:45:59.123456+05:30",
                OffsetDateTime.of(2024, 2, 29, 8, 15, 59, 123_456_000, utc)),
            new Edge("timestamptz", "1969-12-31 23:59:59.999999+00",
                OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000, utc)),
            new Edge("timestamptz", "294276-12-31 23:59:59.999999+00",
                OffsetDateTime.of(294276, 12, 31, 23, 59, 59, 999_999_000, utc)),
            new Edge("uuid", "00000000-0000-0000-0000-000000000000", new UUID(0, 0)),
            new Edge("uuid", "ffffffff-ffff-ffff-ffff-ffffffffffff", new UUID(-1, -1)),
            new Edge("bytea", "\\x", bytes()),
            new Edge("bytea", "\\x00ff5c", bytes(0x00, 0xff, 0x5c)),
            new Edge("point", "(1,-0)", "(1,-0)"),
            new Edge("point", "(1.5,1e+20)", "(1.5,1e+20)"),
            new Edge("box", "(0,0),(1,2)", "(1,2),(0,0)"),
            new Edge("text", "h\u00e9llo \u2603", "h\u00e9llo \u2603"),
            new Edge("interval", "1 day 00:00:00.5", "P1DT0.5S"),
            new Edge("inet", "192.168.0.1", "192.168.0.1"),
            new Edge("inet", "192.168.0.1/24", "192.168.0.1/24"),
            new Edge("cidr", "10.0.0.0/8", "10.0.0.0/8"),
            new Edge("macaddr", "08:00:2b:01:02:03", "08:00:2b:01:02:03"),
            new Edge("jsonb", "{\"b\": [1, 2.50], \"a\": null}", "{\"a\": null, \"b\": [1, 2.50]}"),
            new Edge("int2[]", "{-32768,NULL,32767}", Arrays.asList(-32768, null, 32767)),
            new Edge("int4[]", "{}", List.of()),
            new Edge("int4[]", "[0:1]={5,6}", List.of(5, 6)),
            new Edge("int4[][]", "{{1,2},{3,NULL}}", List.of(List.of(1, 2), Arrays.asList(3, null))),
            new Edge("int8[]", "{-9223372036854775808,NULL}", Arrays.asList(Long.MIN_VALUE, null)),
            new Edge("oid[]", "{0,4294967295}", List.of(0L, 4294967295L)),
            new Edge("real[]", "{-0,NaN,Infinity,-Infinity,NULL,1.4e-45}",
                Arrays.asList(-0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, null,
                    Float.MIN_VALUE)),
            new Edge("double precision[]", "{-0,NaN,-Infinity,NULL,0.1}",
                Arrays.asList(-0.0d, Double.NaN, Double.NEGATIVE_INFINITY, null, 0.1d)),
            new Edge("double precision[]", "{}", List.of()),
            new Edge("text[]", "{\"x,y\",\"\",NULL,\"NULL\",\"\\\\\"}", Arrays.asList("x,y", "", null, "NULL", "\\")),
            new Edge("text[][]", "{{a,b},{c,NULL}}", List.of(List.of("a", "b"), Arrays.asList("c", null))),
            new Edge("varchar(5)[]", "{a,NULL}", Arrays.asList("a", null)),
            new Edge("bytea[]", "{\"\\\\x00ff\",NULL,\"\\\\x\"}", Arrays.asList(bytes(0x00, 0xff), null, bytes())),
            new Edge("numeric[]", "{1.50,NULL}", Arrays.asList(new BigDecimal("1.50"), null)),
            new Edge("timestamptz[]", "{\"2024-02-29 13:45:59.123456+05:30\"}",
                List.of(OffsetDateTime.of(2024, 2, 29, 8, 15, 59, 123_456_000, utc))),
            // Arrays of dates, times and numerics read element by element as the scalars are.
            new Edge("timestamptz[]", "{infinity,-infinity,\"0044-03-15 12:00:00.5+00 BC\",NULL}",
                Arrays.asList(OffsetDateTime.MAX, OffsetDateTime.MIN,
                    OffsetDateTime.of(-43, 3, 15, 12, 0, 0, 500_000_000, utc), null)),
            new Edge("timestamp[]", "{infinity,\"4713-01-01 00:00:00 BC\",\"2000-01-01 00:00:00.000001\"}",
                List.of(LocalDateTime.MAX, LocalDateTime.of(-4712, 1, 1, 0, 0), LocalDateTime.of(2000, 1, 1, 0, 0, 0, 1_000))),
            new Edge("date[]", "{infinity,-infinity,\"0044-03-15 BC\",1582-10-10}",
                List.of(LocalDate.MAX, LocalDate.MIN, LocalDate.of(-43, 3, 15), LocalDate.of(1582, 10, 10))),
            new Edge("date[][]", "{{2024-01-01,infinity},{1582-10-10,NULL}}",
                List.of(List.of(LocalDate.of(2024, 1, 1), LocalDate.MAX), Arrays.asList(LocalDate.of(1582, 10, 10), null))),
            new Edge("time[]", "{24:00:00,00:00}", List.of(LocalTime.MAX, LocalTime.MIDNIGHT)),
            new Edge("timetz[]", "{24:00:00+14,13:45:59.123456+05:30}",
                List.of(OffsetTime.of(LocalTime.MAX, ZoneOffset.ofHours(14)),
                    OffsetTime.of(13, 45, 59, 123_456_000, ZoneOffset.ofHoursMinutes(5, 30)))),
            new Edge("numeric[]", "{1.50,NaN,NULL}", Arrays.asList(new BigDecimal("1.50"), Double.NaN, null))));
        if (majorVersion >= 14) {
            list.add(new Edge("numeric", "Infinity", Double.POSITIVE_INFINITY));
            list.add(new Edge("numeric", "-Infinity", Double.NEGATIVE_INFINITY));
        }
        for (String type : List.of("smallint", "numeric", "real", "date", "time", "timetz", "timestamptz", "uuid",
            "bytea", "point", "int4[]", "bytea[]")) {
            list.add(new Edge(type, null, null));
        }
        return list;
    }
}
