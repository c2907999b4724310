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
import java.time.LocalDate;
import java.time.LocalDateTime;
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

        db.execute("create view keyed_view as select * from keyed");
        PostgresTableDestination view = PostgresTableDestination.builder(db.dataSource()).table("keyed_view")
            .createTable(true).build();
        assertThatThrownBy(() -> view.open(context(DestinationMode.UPDATE, "name")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"keyed_view\" is a view, not a table: write into a table, or set "
                + "another PostgresTableDestination.Builder.table(name)");
    }

    @Test
    void refusesAFieldMappedToTheConfiguredKeyColumnFromAnotherColumn(TestDatabase db) throws Exception {
        db.execute("create table by_customer (customer_id bigint primary key, name text)");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("by_customer")
            .keyColumn("customer_id").build();
        SyncContext nameAsKey = new SyncContext("job", "run", "test",
            Mapping.builder().key("id").map("name", "customer_id").build(), 100);
        assertThatThrownBy(() -> d.open(nameAsKey))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Field 'customer_id' (from source column 'name') is named like the key column \"customer_id\""
                + " of target table \"public\".\"by_customer\", which is written from the key (source column 'id'):"
                + " map column 'name' to another field name, or set another PostgresTableDestination.Builder"
                + ".keyColumn(name)");

        // The key column itself may be mapped to the target's key column: the same value.
        d.open(new SyncContext("job", "run", "test", Mapping.builder().key("id").map("id", "customer_id")
            .map("name").build(), 100));
        assertThat(d.write(List.of(Change.added(7L, Row.of(List.of("customer_id", "name"), 7L, "seven"))))
            .allApplied()).isTrue();
        assertThat(db.query("select customer_id, name from by_customer")).containsExactly(List.of(7L, "seven"));
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
            .createTable(true).columnType("name", "varchar(3)").build();
        d.open(context(DestinationMode.UPSERT, "name"));

        WriteResult result = d.write(List.of(Change.added(1L, Row.of(List.of("name"), "abc")),
            Change.added(2L, Row.of(List.of("name"), "too long"))));

        assertThat(result.rejections()).extracting(Rejection::key).containsExactly(2L);
        assertThat(db.query("select id, name from created_late")).containsExactly(List.of(1L, "abc"));
    }

    @Test
    void aCreatedTableTakesTheSourcesColumnTypesEvenWhenTheFirstBatchIsAllNull(TestDatabase db) {
        db.execute("create domain pos as int check (value > 0)",
            "create table typed_src (id bigint primary key, doc jsonb, amount numeric(12,2), at timestamptz,"
                + " n integer, name varchar(20), p pos, tags varchar(10)[], prices numeric(5,2)[])",
            "insert into typed_src values (1, '{\"a\": [1, 2]}', 12.5, '2026-12-07 10:00+00', null, 'x', 3,"
                + " '{a,b}', '{1.5}'), (2, null, null, null, null, null, null, null, null)");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "typed_src");
        PostgresTableDestination target = PostgresTableDestination.builder(db.dataSource()).table("typed_dst")
            .createTable(true).build();
        io.valmi.SyncRunner.create().run(io.valmi.SyncJob.builder("typed").source(source).destination(target)
            .mapping(io.valmi.Mapping.builder().key("id").map("doc").map("amount").map("at").map("n").map("name")
                .map("p").map("tags").map("prices").build()).build()).orThrow();

        assertThat(db.query("select column_name, data_type, coalesce(numeric_precision::text || ','"
            + " || numeric_scale::text, character_maximum_length::text, '') from information_schema.columns"
            + " where table_name = 'typed_dst' order by ordinal_position")).containsExactly(
            List.of("id", "bigint", "64,0"), List.of("doc", "jsonb", ""), List.of("amount", "numeric", "12,2"),
            List.of("at", "timestamp with time zone", ""), List.of("n", "integer", "32,0"),
            List.of("name", "character varying", "20"), List.of("p", "integer", "32,0"), List.of("tags", "ARRAY", ""),
            List.of("prices", "ARRAY", ""));
        // (Arrays keep their elements' modifiers.)
        assertThat(db.query("select format_type(atttypid, atttypmod) from pg_attribute where attrelid ="
            + " 'public.typed_dst'::regclass and attname in ('tags', 'prices') order by attnum"))
            .containsExactly(List.of("character varying(10)[]"), List.of("numeric(5,2)[]"));
        assertThat(db.query("select doc::text, amount::text, n from typed_dst order by id"))
            .containsExactly(java.util.Arrays.asList("{\"a\": [1, 2]}", "12.50", null),
                java.util.Arrays.asList(null, null, null));
    }

    @Test
    void aCreatedTableTakesTheDeclaredPostgresTypeNames(TestDatabase db) throws Exception {
        db.execute("create schema crm", "create type crm.\"Mood\" as enum ('happy', 'sad')");
        List<String> fields = List.of("amount", "at", "tags", "mood", "span", "big");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("declared")
            .createTable(true)
            .columnType("id", "INT8")
            .columnType("amount", "numeric(12,2)")
            .columnType("at", "timestamp(3)  WITH time zone")
            .columnType("tags", "varchar(20)[]")
            .columnType("mood", "crm.\"Mood\"[]")
            .columnType("span", "interval day to second(0)")
            .columnType("big", "double precision")
            .build();
        d.open(context(DestinationMode.UPSERT, fields.toArray(String[]::new)));
        assertThat(d.write(List.of(Change.added(1L, Row.of(fields, new BigDecimal("1.5"), null, List.of("a"),
            List.of("sad"), "P1DT2H", 2.5)))).allApplied()).isTrue();

        assertThat(db.query("select attname::text, format_type(atttypid, atttypmod) from pg_attribute"
            + " where attrelid = 'public.declared'::regclass and attnum > 0 order by attnum")).containsExactly(
            List.of("id", "bigint"), List.of("amount", "numeric(12,2)"), List.of("at", "timestamp(3) with time zone"),
            List.of("tags", "character varying(20)[]"), List.of("mood", "crm.\"Mood\"[]"),
            List.of("span", "interval day to second(0)"), List.of("big", "double precision"));
        assertThat(db.query("select amount::text, mood::text from declared")).containsExactly(List.of("1.50", "{sad}"));
    }

    @Test
    void aColumnTypeThatIsNoTypeNameIsRefusedNamingItsColumn(TestDatabase db) {
        db.execute("create table victim (id int)");
        for (String hostile : List.of("numeric(12,2); drop table victim", "int -- comment", "text' || 'x", "text /* c */",
                "numeric(12,2", "\"unclosed", "varchar(20)[", "a.b.c", "setof int", "")) {
            assertThatThrownBy(() -> PostgresTableDestination.builder(db.dataSource()).table("t").createTable(true)
                .columnType("amount", hostile).build())
                .as(hostile)
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("The column type declared for column \"amount\" is not a PostgreSQL type name")
                .hasMessageContaining("PostgresTableDestination.Builder.columnType(\"amount\", type)");
        }

        PostgresTableDestination unknown = PostgresTableDestination.builder(db.dataSource()).table("t")
            .createTable(true).columnType("amount", "no_such_type").build();
        assertThatThrownBy(() -> unknown.open(context(DestinationMode.UPSERT, "amount")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"t\" would be created with column \"amount\" of type no_such_type, "
                + "which PostgreSQL refuses (SQLSTATE 42704): type \"no_such_type\" does not exist. Fix "
                + "PostgresTableDestination.Builder.columnType(\"amount\", type), for example numeric(12,2), "
                + "varchar(20), timestamptz or text[]");
        PostgresTableDestination badModifier = PostgresTableDestination.builder(db.dataSource()).table("t")
            .createTable(true).columnType("amount", "numeric(0)").build();
        assertThatThrownBy(() -> badModifier.open(context(DestinationMode.UPSERT, "amount")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("column \"amount\" of type numeric(0), which PostgreSQL refuses (SQLSTATE 22023)");
        assertThat(db.queryLong("select count(*) from pg_class where relname = 't'")).isZero();
        assertThat(db.queryLong("select count(*) from victim")).isZero();
    }

    @Test
    void aColumnTypeForAColumnTheCreatedTableWouldNotHaveIsRefused(TestDatabase db) {
        PostgresTableDestination typo = PostgresTableDestination.builder(db.dataSource()).table("typo_t")
            .createTable(true).columnType("amount", "numeric(12,2)").columnType("amuont", "numeric(12,2)").build();
        assertThatThrownBy(() -> typo.open(context(DestinationMode.UPSERT, "amount")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"typo_t\" would be created without column \"amuont\" that"
                + " PostgresTableDestination.Builder.columnType declares a type for: its columns are the key \"id\""
                + " and the mapped fields [amount]. Declare the type of a destination field (the name the Mapping"
                + " gives it, not the source column's), or remove the declaration");
        assertThat(db.queryLong("select count(*) from pg_class where relname = 'typo_t'")).isZero();
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

    /** Logs the text of every statement that fires the table's statement-level trigger. */
    private static void logStatements(TestDatabase db, String table, String event) {
        db.execute("create table if not exists statement_log (n serial, tbl text, query text)",
            "create or replace function log_statement() returns trigger language plpgsql as $$ begin "
                + "insert into statement_log (tbl, query) values (tg_table_name, current_query()); return null; end $$",
            "create trigger log_" + event + " after " + event + " on " + table
                + " for each statement execute function log_statement()");
    }

    @Test
    void updateModeWritesABatchWithOneStatementAndKeepsEachColumnsTyping(TestDatabase db) throws Exception {
        db.execute("create table accounts (id int primary key, name text, code text, n int, amount numeric(6,2), "
                + "doc jsonb, seen timestamptz)",
            "insert into accounts (id, name) values (1, 'one'), (2, 'two'), (3, 'three')");
        logStatements(db, "accounts", "update");
        List<String> fields = List.of("name", "code", "n", "amount", "doc", "seen");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("accounts").build();
        d.open(context(DestinationMode.UPDATE, fields.toArray(String[]::new)));

        // Per column: text and an Integer mixed (sent as text), Integers only into text (typed, cast on assignment),
        // Longs into int, BigDecimals rounded by numeric(6,2), JSON text, and NULLs.
        WriteResult result = d.write(List.of(
            Change.changed(1L, Row.of(fields, "uno", 7, 10L, new BigDecimal("1.005"), "{\"a\": 1}",
                java.time.OffsetDateTime.of(2024, 1, 1, 12, 0, 0, 0, ZoneOffset.ofHours(2)))),
            Change.changed(3L, Row.of(fields, 33, 8, null, null, null, null)),
            Change.changed(4L, Row.of(fields, "ghost", 9, 4L, BigDecimal.ONE, "[]", null)),
            Change.unchanged(2L, Row.of(fields, "dos", null, 20L, new BigDecimal("2.5"), "\"s\"", null))));

        assertThat(result.rejections()).containsExactly(new Rejection(4L, "no row with id = 4 in \"public\"."
            + "\"accounts\" to update (UPDATE mode changes existing rows only)"));
        assertThat(db.query("select id, name, code, n, amount::text, doc::text, "
            + "to_char(seen at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from accounts order by id")).containsExactly(
                Arrays.asList(1, "uno", "7", 10, "1.01", "{\"a\": 1}", "2024-01-01 10:00"),
                Arrays.asList(2, "dos", null, 20, "2.50", "\"s\"", null),
                Arrays.asList(3, "33", "8", null, null, null, null));
        assertThat(db.queryLong("select count(*) from statement_log where tbl = 'accounts'"))
            .as("one UPDATE for the batch").isEqualTo(1);
    }

    @Test
    void mirrorRemovesTheKeysOfABatchWithOneStatementWhoseTextDoesNotDependOnTheirNumber(TestDatabase db)
        throws Exception {
        db.execute("create table removals (id bigint primary key, name text)",
            "insert into removals select g, 'n' || g from generate_series(1, 10) g");
        logStatements(db, "removals", "delete");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("removals").build();
        d.open(context(DestinationMode.MIRROR, "name"));

        assertThat(d.write(List.of(Change.removed(1L), Change.removed(2L))).allApplied()).isTrue();
        assertThat(d.write(List.of(Change.removed(3L), Change.removed(4L), Change.removed(99L),
            Change.added(11L, Row.of(List.of("name"), "new")))).allApplied()).isTrue();

        assertThat(db.query("select id from removals order by id")).extracting(r -> r.get(0))
            .containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
        List<List<Object>> statements = db.query("select query from statement_log where tbl = 'removals' order by n");
        assertThat(statements).as("one DELETE per batch").hasSize(2);
        assertThat(statements.get(0)).as("the same text for 2 and 3 keys").isEqualTo(statements.get(1));
        assertThat((String) statements.get(0).get(0)).contains("= ANY($1)");
    }

    @Test
    void refusesADeferrableKeyWhichOnConflictCannotUse(TestDatabase db) throws Exception {
        db.execute("create table deferred (id bigint primary key deferrable, name text)",
            "create table deferred_too (id bigint, name text, constraint \"one id\" unique (id) deferrable "
                + "initially immediate)",
            "create unique index also_on_id on deferred_too (id)");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("deferred").build();
        assertThatThrownBy(() -> d.open(context(DestinationMode.UPSERT, "name")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Target table \"public\".\"deferred\" has a DEFERRABLE primary key \"deferred_pkey\" on column "
                + "\"id\", and UPSERT mode's INSERT ... ON CONFLICT cannot use deferrable constraints: make it NOT "
                + "DEFERRABLE, for example ALTER TABLE \"public\".\"deferred\" DROP CONSTRAINT \"deferred_pkey\", "
                + "ADD CONSTRAINT \"deferred_pkey\" PRIMARY KEY (\"id\")");
        PostgresTableDestination also = PostgresTableDestination.builder(db.dataSource()).table("deferred_too").build();
        assertThatThrownBy(() -> also.open(context(DestinationMode.MIRROR, "name")))
            .as("PostgreSQL refuses ON CONFLICT even when an immediate unique index is there too")
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("has a DEFERRABLE unique constraint \"one id\" on column \"id\", and MIRROR mode's")
            .hasMessageEndingWith("DROP CONSTRAINT \"one id\", ADD CONSTRAINT \"one id\" UNIQUE (\"id\")");
        also.open(context(DestinationMode.UPDATE, "name"));

        db.execute("alter table \"public\".\"deferred\" drop constraint \"deferred_pkey\", "
            + "add constraint \"deferred_pkey\" primary key (\"id\")");
        d.open(context(DestinationMode.UPSERT, "name"));
        assertThat(d.write(List.of(Change.added(1L, Row.of(List.of("name"), "x")))).allApplied()).isTrue();
    }

    @Test
    void findsEachFieldByNameWhateverTheOrderOfARowsFields(TestDatabase db) throws Exception {
        db.execute("create table pairs (id bigint primary key, a text, b text)");
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("pairs").build();
        d.open(context(DestinationMode.UPSERT, "a", "b"));
        assertThat(d.write(List.of(Change.added(1L, Row.of(List.of("b", "a"), "B1", "A1")),
            Change.added(2L, Row.of(List.of("a", "b"), "A2", "B2")))).allApplied()).isTrue();
        d.open(context(DestinationMode.UPDATE, "a", "b"));
        assertThat(d.write(List.of(Change.changed(2L, Row.of(List.of("b", "a"), "b2", "a2")))).allApplied()).isTrue();

        assertThat(db.query("select id, a, b from pairs order by id"))
            .containsExactly(List.of(1L, "A1", "B1"), List.of(2L, "a2", "b2"));
    }

    @Test
    void datesBeforeTheYearOneArriveAsBcDates(TestDatabase db) throws Exception {
        db.execute("create table ancient (id bigint primary key, d date, ts timestamp, tstz timestamptz, ds date[])");
        List<String> fields = List.of("d", "ts", "tstz", "ds");
        Row row = Row.of(fields, LocalDate.of(-44, 3, 15), LocalDateTime.of(0, 1, 1, 12, 30),
            java.time.OffsetDateTime.of(-44, 3, 15, 10, 0, 0, 123_000, ZoneOffset.ofHours(-5)),
            List.of(LocalDate.of(-4, 2, 29), LocalDate.of(1, 1, 1)));
        PostgresTableDestination d = PostgresTableDestination.builder(db.dataSource()).table("ancient").build();
        d.open(context(DestinationMode.UPSERT, fields.toArray(String[]::new)));
        assertThat(d.write(List.of(Change.added(1L, row))).allApplied()).isTrue();
        d.open(context(DestinationMode.UPDATE, fields.toArray(String[]::new)));
        assertThat(d.write(List.of(Change.changed(1L, row))).allApplied()).isTrue();

        assertThat(db.query("select d::text, ts::text, (tstz at time zone 'UTC')::text, ds::text, "
            + "d = date '0045-03-15 BC' from ancient")).containsExactly(List.of("0045-03-15 BC",
                "0001-01-01 12:30:00 BC", "0045-03-15 15:00:00.000123 BC", "{\"0005-02-29 BC\",0001-01-01}", true));
    }
}
