package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Row;
import io.valmi.SourceMode;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@WithPostgres
class TypesTest {
    static final List<String> COLUMNS = List.of("c_smallint", "c_int", "c_bigint", "c_numeric", "c_real", "c_double",
        "c_text", "c_varchar", "c_char", "c_bool", "c_date", "c_time", "c_ts", "c_tstz", "c_interval", "c_uuid", "c_json",
        "c_jsonb", "c_bytea", "c_int_array", "c_text_array", "c_mood", "c_inet");

    @BeforeAll
    static void createTable(TestDatabase db) {
        db.execute("create type mood as enum ('happy', 'sad')",
            "create table every_type (id int primary key, c_smallint smallint, c_int int, c_bigint bigint,"
                + " c_numeric numeric(20,6), c_real real, c_double double precision, c_text text, c_varchar varchar(20),"
                + " c_char char(3), c_bool boolean, c_date date, c_time time, c_ts timestamp, c_tstz timestamptz,"
                + " c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb, c_bytea bytea, c_int_array int[],"
                + " c_text_array text[], c_mood mood, c_inet inet)",
            "insert into every_type values (1, 32767, -2147483648, 9223372036854775807, 12345678901234.123456, 1.5,"
                + " 0.1, 'héllo \u2603', 'v', 'ab', true, '2024-02-29', '13:45:59.123456',"
                + " '2024-02-29 13:45:59.123456', '2024-02-29 13:45:59.123456+02', '1 year 2 mons 3 days 04:05:06.5',"
                + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', '{\"b\": null}', '\\xdeadbeef',"
                + " '{1,NULL,3}', '{\"x,y\",\"\"}', 'sad', '192.168.0.1/24')",
            "insert into every_type (id) values (2)");
    }

    @ParameterizedTest
    @EnumSource(SourceMode.class)
    void everyTypeArrivesAsTheDocumentedJavaType(SourceMode mode, TestDatabase db) {
        Mapping.Builder b = Mapping.builder().key("id").sourceMode(mode).destinationMode(DestinationMode.UPSERT);
        COLUMNS.forEach(b::map);
        CollectingDestination dest = new CollectingDestination();
        PostgresSource source = Syncs.source(db.dataSource(), "public", "every_type");

        Syncs.runOk("types-" + mode, source, dest, b.build());

        List<Change> got = dest.takeReceived();
        assertThat(got).extracting(Change::key).containsExactly(1, 2);
        Row r = got.get(0).requireRow();
        assertThat(r.get("c_smallint")).isEqualTo(32767);
        assertThat(r.get("c_int")).isEqualTo(-2147483648);
        assertThat(r.get("c_bigint")).isEqualTo(9223372036854775807L);
        assertThat(r.get("c_numeric")).isEqualTo(new BigDecimal("12345678901234.123456"));
        assertThat(r.get("c_real")).isEqualTo(1.5f);
        assertThat(r.get("c_double")).isEqualTo(0.1d);
        assertThat(r.get("c_text")).isEqualTo("héllo \u2603");
        assertThat(r.get("c_varchar")).isEqualTo("v");
        assertThat(r.get("c_char")).isEqualTo("ab ");
        assertThat(r.get("c_bool")).isEqualTo(true);
        assertThat(r.get("c_date")).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(r.get("c_time")).isEqualTo(LocalTime.of(13, 45, 59, 123_456_000));
        assertThat(r.get("c_ts")).isEqualTo(LocalDateTime.of(2024, 2, 29, 13, 45, 59, 123_456_000));
        assertThat(r.get("c_tstz")).isEqualTo(OffsetDateTime.of(2024, 2, 29, 11, 45, 59, 123_456_000, ZoneOffset.UTC));
        assertThat(r.get("c_interval")).isEqualTo("P1Y2M3DT4H5M6.5S");
        assertThat(r.get("c_uuid")).isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        assertThat(r.get("c_json")).isEqualTo("{\"a\": [1, 2]}");
        assertThat(r.get("c_jsonb")).isEqualTo("{\"b\": null}");
        assertThat((byte[]) r.get("c_bytea")).containsExactly(0xde, 0xad, 0xbe, 0xef);
        assertThat(r.get("c_int_array")).isEqualTo(Arrays.asList(1, null, 3));
        assertThat(r.get("c_text_array")).isEqualTo(List.of("x,y", ""));
        assertThat(r.get("c_mood")).isEqualTo("sad");
        assertThat(r.get("c_inet")).isEqualTo("192.168.0.1/24");

        Row nulls = got.get(1).requireRow();
        for (String c : COLUMNS) {
            assertThat(nulls.get(c)).as(c).isNull();
        }

        // A second run sends nothing new (INCREMENTAL) or everything as UNCHANGED (FULL_TABLE): hashing is stable
        // for every type, json included.
        Syncs.runOk("types-" + mode, source, dest, b.build());
        List<Change> again = dest.takeReceived();
        if (mode == SourceMode.INCREMENTAL) {
            assertThat(again).isEmpty();
        } else {
            assertThat(again).hasSize(2).extracting(Change::kind).containsOnly(ChangeKind.UNCHANGED);
        }
    }

    @Test
    void nullAndEmptyStringDiffer(TestDatabase db) {
        db.execute("create table null_vs_empty (id int primary key, a text, b text)",
            "insert into null_vs_empty values (1, null, '')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "null_vs_empty");
        Mapping m = Mapping.builder().key("id").map("a").map("b").sourceMode(SourceMode.INCREMENTAL).build();
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("nve", source, dest, m);
        dest.takeReceived();
        db.execute("update null_vs_empty set a = '', b = null");
        Syncs.runOk("nve", source, dest, m);
        assertThat(dest.takeReceived()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ChangeKind.CHANGED);
            assertThat(c.requireRow().get("a")).isEqualTo("");
            assertThat(c.requireRow().get("b")).isNull();
        });
    }

    @Test
    void changeDetectionIgnoresTheApplicationsSessionSettings(TestDatabase db) {
        db.execute("create table settings_t (id int primary key, ts timestamptz, f float8, i interval, b bytea, n numeric)",
            "insert into settings_t values (1, '2024-01-01 12:00+00', 0.1, '1 day 2 hours', '\\x00ff', 1.50)");
        Mapping m = Mapping.builder().key("id").map("ts").map("f").map("i").map("b").map("n")
            .sourceMode(SourceMode.INCREMENTAL).build();
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("settings", Syncs.source(db.dataSource(), "public", "settings_t"), dest, m);
        assertThat(dest.takeReceived()).hasSize(1);

        // The application's pool hands out connections with other settings: nothing must look changed.
        javax.sql.DataSource odd = new SettingsDataSource(db.dataSource(), "SET TimeZone = 'Asia/Kolkata'",
            "SET extra_float_digits = 0", "SET IntervalStyle = 'sql_standard'", "SET bytea_output = 'escape'",
            "SET search_path = '\"$user\"'");
        assertThat(Syncs.runOk("settings", Syncs.source(odd, "public", "settings_t"), dest, m).counts().planned())
            .isZero();
        assertThat(dest.takeReceived()).isEmpty();
    }

    @Test
    void changesOfTemporalAndNumericValuesAreSeenDownToTheLastDigit(TestDatabase db) {
        db.execute("create table fine (id int primary key, ts timestamptz, t timestamp, d date, n numeric, f float8)",
            "insert into fine values (1, '2024-01-01 00:00:00.000001+00', '2024-01-01 00:00', '2024-01-01', 1.5, 0),"
                + " (2, 'infinity', '-infinity', 'infinity', 'NaN', null), (3, null, null, null, null, 'NaN')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "fine");
        Mapping m = Mapping.builder().key("id").map("ts").map("t").map("d").map("n").map("f")
            .sourceMode(SourceMode.INCREMENTAL).build();
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("fine", source, dest, m);
        assertThat(dest.takeReceived()).hasSize(3);

        String[] updates = {
            "update fine set ts = ts + interval '1 microsecond' where id = 1",
            "update fine set t = t + interval '1 microsecond' where id = 1",
            "update fine set d = d + 1 where id = 1",
            "update fine set n = 1.50 where id = 1",
            "update fine set n = null where id = 2",
            "update fine set n = 'NaN' where id = 3",
            "update fine set ts = '-infinity' where id = 2",
            "update fine set d = null where id = 2",
            "update fine set f = 'Infinity' where id = 3",
        };
        for (String update : updates) {
            db.execute(update);
            Syncs.runOk("fine", source, dest, m);
            assertThat(dest.takeReceived()).as(update).hasSize(1).allSatisfy(c ->
                assertThat(c.kind()).isEqualTo(ChangeKind.CHANGED));
        }
        // Same value, same text: nothing to send.
        db.execute("update fine set n = 1.50, ts = ts where id = 1");
        Syncs.runOk("fine", source, dest, m);
        assertThat(dest.takeReceived()).isEmpty();
    }
}
