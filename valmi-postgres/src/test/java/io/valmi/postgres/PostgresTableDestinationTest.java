package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@WithPostgres
class PostgresTableDestinationTest {
    private static SyncContext context(DestinationMode mode, String... fields) {
        Mapping.Builder mapping = Mapping.builder().key("id").destinationMode(mode);
        for (String field : fields) {
            mapping.map(field);
        }
        return new SyncContext("job", "run", "test", mapping.build(), 100);
    }

    @Test
    void writesEveryValueTypeIntoMatchingColumnsOfAHostilelyNamedTable(TestDatabase db) throws Exception {
        String table = "Order Items\"; drop table x; --";
        db.execute("create type \"mood\" as enum ('happy', 'sad')",
            "create table x (id int)",
            "create table " + TargetTables.quote(table) + " (id uuid primary key, \"Small Int\" smallint, i int, "
                + "r real, j jsonb, m mood, addr inet, span interval, b bytea, nums int[], words text[], "
                + "t time, tz timetz)");
        List<String> fields = List.of("Small Int", "i", "r", "j", "m", "addr", "span", "b", "nums", "words", "t", "tz");
        UUID key = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        Row row = Row.of(fields, 7, 42, 1.5f, "{\"b\": [1, 2], \"a\": null}", "happy", "192.168.0.1/24", "P1DT2H",
            new byte[] {0, 1, (byte) 0xff}, Arrays.asList(1, null, 3), List.of("a \"quoted\" word", "back\\slash", "{}"),
            LocalTime.of(23, 59, 59, 999_999_000), OffsetTime.of(7, 0, 0, 0, ZoneOffset.ofHours(2)));

        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table(table).build();
        d.open(context(DestinationMode.UPSERT, fields.toArray(String[]::new)));
        assertThat(d.write(List.of(Change.added(key, row))).allApplied()).isTrue();

        assertThat(db.query("select id::text, \"Small Int\", i, r, j->>'b', m::text, host(addr), span::text, "
            + "encode(b, 'hex'), array_to_string(nums, ',', 'NULL'), words[1], words[2], words[3], t::text, tz::text from "
            + TargetTables.quote(table))).containsExactly(List.of(key.toString(), 7, 42, 1.5f, "[1, 2]", "happy",
                "192.168.0.1", "1 day 02:00:00", "0001ff", "1,NULL,3", "a \"quoted\" word", "back\\slash", "{}",
                "23:59:59.999999", "07:00:00+02"));
        assertThat(db.queryLong("select count(*) from x")).as("the table named like an injection is just a name")
            .isZero();
    }

    @Test
    void saysWhatTheTargetTableLacks(TestDatabase db) {
        db.execute("create table no_key (id bigint, name text)", "create table keyed (id bigint primary key)");
        PostgresTableDestination missing = PostgresTableDestination.builder(db.dataSource()).table("nope").build();
        assertThatThrownBy(() -> missing.open(context(DestinationMode.UPSERT, "name")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"nope\" does not exist (or the user of the DataSource cannot see it): "
                + "create it, or set PostgresTableDestination.Builder.createTable(true)");

        PostgresTableDestination noKey = PostgresTableDestination.builder(db.dataSource()).table("no_key").build();
        assertThatThrownBy(() -> noKey.open(context(DestinationMode.MIRROR, "name")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("has no primary key or unique index on exactly column \"id\", which MIRROR mode needs");
        noKey.open(context(DestinationMode.UPDATE, "name"));

        PostgresTableDestination columns = PostgresTableDestination.builder(db.dataSource()).table("keyed").build();
        assertThatThrownBy(() -> columns.open(context(DestinationMode.UPSERT, "name", "email")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"keyed\" has no column [email, name] for the mapped fields: add the "
                + "columns, or map to the names the table has");
    }

    @Test
    void rejectsOnlyTheRowsPostgresRefusesAndTheKeysUpdateModeCannotFind(TestDatabase db) throws Exception {
        db.execute("create table short_names (id bigint primary key, name varchar(5) check (name <> 'bad'))",
            "insert into short_names values (1, 'old'), (2, 'old')");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("short_names").build();
        d.open(context(DestinationMode.UPSERT, "name"));
        WriteResult result = d.write(List.of(Change.changed(1L, Row.of(List.of("name"), "new")),
            Change.changed(2L, Row.of(List.of("name"), "far too long")), Change.added(3L, Row.of(List.of("name"), "bad")),
            Change.added(4L, Row.of(List.of("name"), "ok"))));

        assertThat(result.rejections()).extracting(Rejection::key).containsExactly(2L, 3L);
        assertThat(result.rejections().get(0).reason()).contains("SQLSTATE 22001").contains("character varying(5)");
        assertThat(result.rejections().get(1).reason()).contains("SQLSTATE 23514")
            .contains("constraint short_names_name_check")
            .doesNotContain("Failing row").doesNotContain("bad"); // reasons reach log lines: no row values
        assertThat(db.query("select id, name from short_names order by id")).containsExactly(
            List.of(1L, "new"), List.of(2L, "old"), List.of(4L, "ok"));

        d.open(context(DestinationMode.UPDATE, "name"));
        WriteResult update = d.write(List.of(Change.changed(1L, Row.of(List.of("name"), "upd")),
            Change.added(9L, Row.of(List.of("name"), "ghost"))));
        assertThat(update.rejections()).containsExactly(new Rejection(9L, "no row with id = 9 in \"public\"."
            + "\"short_names\" to update (UPDATE mode changes existing rows only)"));
        assertThat(db.queryLong("select count(*) from short_names where id = 9")).isZero();
        assertThat(db.query("select name from short_names where id = 1")).containsExactly(List.of("upd"));
    }

    @Test
    void appliesABatchInOneTransaction(TestDatabase db) throws Exception {
        db.execute("create table guarded (id bigint primary key, amount numeric)",
            "create function refuse() returns trigger language plpgsql as $$ begin "
                + "if new.id = 3 then raise exception 'row 3 is refused by a trigger'; end if; return new; end $$",
            "create trigger refuse before insert on guarded for each row execute function refuse()");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("guarded").build();
        d.open(context(DestinationMode.MIRROR, "amount"));
        List<Change> batch = List.of(Change.added(1L, Row.of(List.of("amount"), BigDecimal.ONE)),
            Change.added(2L, Row.of(List.of("amount"), BigDecimal.TEN)),
            Change.added(3L, Row.of(List.of("amount"), BigDecimal.ZERO)));

        assertThatThrownBy(() -> d.write(batch)).isInstanceOf(DestinationException.class)
            .hasMessageContaining("row 3 is refused by a trigger")
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
        assertThat(db.queryLong("select count(*) from guarded")).isZero();

        assertThat(d.write(batch.subList(0, 2)).allApplied()).isTrue();
        assertThat(d.write(List.of(Change.removed(1L))).allApplied()).isTrue();
        assertThat(db.query("select id, amount from guarded")).containsExactly(List.of(2L, BigDecimal.TEN));
    }

    @Test
    void failsFatallyWithoutPrivileges(TestDatabase db) throws Exception {
        try (TestRole reader = TestRole.create(db, "valmi_reader", "secret")) {
            db.execute("create table private_t (id bigint primary key, name text)",
                "grant select on private_t to " + reader.name());
            PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource(reader.name(), "secret"))
                .table("private_t").build();
            d.open(context(DestinationMode.UPSERT, "name"));
            assertThatThrownBy(() -> d.write(List.of(Change.added(1L, Row.of(List.of("name"), "x")))))
                .isInstanceOf(DestinationException.class)
                .hasMessageContaining("SQLSTATE 42501")
                .hasMessageContaining("Grant the user of the DataSource")
                .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
            assertThat(d).hasToString("PostgresTableDestination[\"public\".\"private_t\"]");
        }
    }

    @Test
    void aCreatedTableRolledBackWithItsFirstBatchIsCreatedAgain(TestDatabase db) throws Exception {
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("created_late")
            .createTable(true).columnType("name", org.jooq.impl.SQLDataType.VARCHAR(3)).build();
        d.open(context(DestinationMode.UPSERT, "name"));

        WriteResult result = d.write(List.of(Change.added(1L, Row.of(List.of("name"), "abc")),
            Change.added(2L, Row.of(List.of("name"), "too long"))));

        assertThat(result.rejections()).extracting(Rejection::key).containsExactly(2L);
        assertThat(db.query("select id, name from created_late")).containsExactly(List.of(1L, "abc"));
    }

    @Test
    void infiniteDatesAndTimestampsArriveAsInfinity(TestDatabase db) throws Exception {
        db.execute("create table forever (id bigint primary key, d date, ts timestamp, tstz timestamptz)");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("forever").build();
        d.open(context(DestinationMode.UPSERT, "d", "ts", "tstz"));

        WriteResult result = d.write(List.of(Change.added(1L, Row.of(List.of("d", "ts", "tstz"),
            java.time.LocalDate.MAX, java.time.LocalDateTime.MIN, java.time.OffsetDateTime.MAX))));

        assertThat(result.allApplied()).isTrue();
        assertThat(db.query("select d::text, ts::text, tstz::text from forever"))
            .containsExactly(List.of("infinity", "-infinity", "infinity"));
    }
}
