package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.ConfigurationException;
import io.valmi.DestinationMode;
import io.valmi.InvalidReason;
import io.valmi.Mapping;
import io.valmi.Plan;
import io.valmi.SourceException;
import io.valmi.SourceMode;
import io.valmi.SyncContext;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An application's SQL query as the source ({@code PostgresSource.Builder.query}): read as a view is. */
@WithPostgres
class QuerySourceTest {
    /** Every relation outside the bookkeeping schema (toast tables of the bookkeeping tables left out). */
    private static final String RELATIONS_OUTSIDE = "select string_agg(n.nspname || '.' || c.relname || ':'"
        + " || c.relkind::text, ',' order by n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        + " where n.nspname not in ('valmi_scratch_computed_', 'pg_toast')";

    private static PostgresSource query(TestDatabase db, String name, String sql) {
        return PostgresSource.builder().dataSource(db.dataSource(), "test").query(name, sql).build();
    }

    private static void customersAndOrders(TestDatabase db) {
        db.execute("drop table if exists customers, orders, victim, calls cascade",
            "drop function if exists public.noisy(int)",
            "create table customers (id int primary key, name text, region text)",
            "create table orders (id serial primary key, customer int, amount numeric(10,2))",
            "insert into customers values (1, 'Ann', 'eu'), (2, 'Bob', 'us'), (3, 'Cy', 'eu')",
            "insert into orders (customer, amount) values (1, 10), (1, 5.50), (2, 7), (3, 1)");
    }

    @Test
    void anAggregateOverAJoinKeyedByItsGroupKeyIsSyncedIncrementally(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "customer_totals", "select c.id, c.name, sum(o.amount) as total,"
            + " count(*) as orders from public.customers c join public.orders o on o.customer = c.id"
            + " group by c.id, c.name");
        Mapping mapping = Mapping.builder().key("id").map("name").map("total").map("orders")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult first = Syncs.runOk("totals", source, dest, mapping);
        assertThat(first.counts().added()).isEqualTo(3);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.ADDED, 1), tuple(ChangeKind.ADDED, 2), tuple(ChangeKind.ADDED, 3));
        assertThat(dest.state.get(1).get("total")).isEqualTo(new BigDecimal("15.50"));
        assertThat(dest.state.get(1).get("orders")).isEqualTo(2L);

        Syncs.runOk("totals", source, dest, mapping);
        assertThat(dest.takeReceived()).isEmpty();

        // An order more changes customer 2's total; customer 3's orders are gone, so its row leaves the result.
        db.execute("insert into orders (customer, amount) values (2, 3)", "delete from orders where customer = 3");
        Syncs.runOk("totals", source, dest, mapping);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.CHANGED, 2), tuple(ChangeKind.REMOVED, 3));
        assertThat(dest.state.get(2).get("total")).isEqualTo(new BigDecimal("10.00"));
        assertThat(dest.state).containsOnlyKeys(1, 2);
    }

    @Test
    void aCteWithJsonAndJsonbColumnsInFullTableMode(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "customer_docs", "with t as (select c.id, c.name, c.region"
            + " from public.customers c where c.region = 'eu')\n"
            + "select t.id, json_build_object('name', t.name) as doc, jsonb_build_object('region', t.region,"
            + " 'orders', (select count(*) from public.orders o where o.customer = t.id)) as facts from t;\n");
        Mapping mapping = Mapping.builder().key("id").map("doc").map("facts")
            .sourceMode(SourceMode.FULL_TABLE).destinationMode(DestinationMode.UPSERT).build();
        CollectingDestination dest = new CollectingDestination();

        Syncs.runOk("docs", source, dest, mapping);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.ADDED, 1), tuple(ChangeKind.ADDED, 3));
        assertThat(dest.state.get(1).get("doc")).isEqualTo("{\"name\" : \"Ann\"}");
        assertThat(dest.state.get(1).get("facts")).isEqualTo("{\"orders\": 2, \"region\": \"eu\"}");

        // FULL_TABLE: every valid row each run; the changed one as CHANGED.
        db.execute("update customers set name = 'Anna' where id = 1");
        Syncs.runOk("docs", source, dest, mapping);
        assertThat(dest.takeReceived()).extracting(Change::kind, Change::key).containsExactly(
            tuple(ChangeKind.CHANGED, 1), tuple(ChangeKind.UNCHANGED, 3));
        assertThat(dest.state.get(1).get("doc")).isEqualTo("{\"name\" : \"Anna\"}");
    }

    @Test
    void nullAndDuplicatedKeysOfTheResultAreInvalid(TestDatabase db) {
        customersAndOrders(db);
        // Keyed by region: "eu" twice, and one order without a customer gives a NULL region.
        db.execute("insert into orders (customer, amount) values (null, 2)");
        PostgresSource source = query(db, "by_region", "select c.region, o.amount from public.orders o"
            + " left join public.customers c on c.id = o.customer where o.customer is distinct from 2");
        Mapping mapping = Mapping.builder().key("region").map("amount")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        CollectingDestination dest = new CollectingDestination();

        SyncResult result = Syncs.run("regions", source, dest, mapping, 10);
        assertThat(result.counts().invalid()).containsEntry(InvalidReason.DUPLICATE_KEY, 3L)
            .containsEntry(InvalidReason.NULL_KEY, 1L);
        assertThat(dest.takeReceived()).isEmpty();
        assertThat(source.history("regions").invalidRows(10)).hasSize(4);
    }

    @Test
    void columnsAndTypesAreDiscoveredWithoutRunningTheQuery(TestDatabase db) {
        customersAndOrders(db);
        db.execute("create table calls (n int)",
            "create function public.noisy(i int) returns int language sql as 'insert into public.calls values (1)"
                + " returning i'");
        PostgresSource source = query(db, "discovered", "select c.id, c.name::varchar(20) as name, public.noisy(c.id)"
            + " as n, sum(o.amount) as total, count(*) as orders, json_build_object('a', 1) as j, '{}'::jsonb as jb,"
            + " 1 / (c.id - c.id) as boom from public.customers c join public.orders o on o.customer = c.id"
            + " group by c.id");

        RelationDetails details = source.details();
        assertThat(details.relation().kind()).isEqualTo(RelationKind.QUERY);
        assertThat(details.relation().name()).isEqualTo("discovered");
        assertThat(details.candidateKeys()).isEmpty();
        assertThat(details.columns()).extracting(Column::name, Column::typeName, Column::nullable).containsExactly(
            tuple("id", "integer", true), tuple("name", "character varying(20)", true), tuple("n", "integer", true),
            tuple("total", "numeric", true), tuple("orders", "bigint", true), tuple("j", "json", true),
            tuple("jb", "jsonb", true), tuple("boom", "integer", true));
        assertThat(source.columns()).hasSize(8);
        assertThat(db.queryLong("select count(*) from calls")).isZero();
        assertThat(source.description()).isEqualTo("postgres:test:query:discovered");
    }

    @Test
    void theDestinationLearnsTheQuerysColumnTypes(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "typed", "select c.id, sum(o.amount) as total, count(*) as orders"
            + " from public.customers c join public.orders o on o.customer = c.id group by c.id");
        Mapping mapping = Mapping.builder().key("id").map("total", "sum").map("orders")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.UPSERT).build();
        SyncContext[] seen = new SyncContext[1];
        CollectingDestination dest = new CollectingDestination() {
            @Override
            public void open(SyncContext context) {
                seen[0] = context;
                super.open(context);
            }
        };

        Syncs.runOk("typed", source, dest, mapping);
        assertThat(seen[0].sourceType("sum")).contains("numeric");
        assertThat(seen[0].sourceType("orders")).contains("bigint");
        assertThat(seen[0].sourceType("id")).contains("integer");
    }

    @Test
    void whatIsNotOneSelectIsRefusedBeforeAnythingRuns(TestDatabase db) {
        customersAndOrders(db);
        db.execute("create table victim (id int)", "insert into victim values (1)");
        Mapping mapping = Mapping.builder().key("id").map("name")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        Map<String, String> refused = Map.of(
            "with gone as (delete from public.victim returning id, 'x' as name) select * from gone",
                "a WITH clause holding INSERT, UPDATE, DELETE or MERGE is refused",
            "delete from public.victim returning id, 'x' as name", "it must be one SELECT statement",
            "insert into public.victim values (2) returning id, 'x' as name", "it must be one SELECT statement",
            "update public.victim set id = 3 returning id, 'x' as name", "it must be one SELECT statement",
            "select 1 as id, 'x' as name; delete from public.victim", "it must be one SELECT statement",
            // A parenthesis the text closes but did not open would let the second statement out of the subquery.
            "select 1 as id, 'x' as name) x; delete from public.victim; select (1",
                "holds more than one statement",
            "drop table public.victim", "it must be one SELECT statement",
            "select id, name from public.customers where name::jsonb ? 'a'", "JDBC reads as a parameter");
        String before = db.query(RELATIONS_OUTSIDE).get(0).get(0).toString();
        int i = 0;
        for (Map.Entry<String, String> e : refused.entrySet()) {
            PostgresSource source = query(db, "bad" + i, e.getKey());
            SyncResult result = Syncs.run("bad" + i++, source, new CollectingDestination(), mapping, 10);
            assertThat(result.succeeded()).as(e.getKey()).isFalse();
            assertThat(result.error()).as(e.getKey()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Cannot read query \"bad").hasMessageContaining(e.getValue())
                .hasMessageContaining("Nothing was changed");
            assertThatThrownBy(source::details).as(e.getKey()).hasMessageContaining(e.getValue());
        }
        assertThat(db.queryLong("select count(*) from victim")).isEqualTo(1);
        assertThat(db.query(RELATIONS_OUTSIDE).get(0).get(0)).hasToString(before);
        // Nothing of theirs was recorded: the runs failed before the job's lock.
        assertThat(db.queryLong("select count(*) from pg_class where relname like 'snap\\_bad%'")).isZero();
    }

    @Test
    void aTrailingSemicolonCommentsAndTheEscapedJsonbOperatorAreFine(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "kind", "  -- the customers with an order\n"
            + "select c.id, c.name from public.customers c /* ; ) */ where jsonb_build_object('k', 1) ?? 'k'"
            + " and c.name <> ';)' -- done;\n ;  ");
        Mapping mapping = Mapping.builder().key("id").map("name")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("kind", source, dest, mapping);
        assertThat(dest.state).containsOnlyKeys(1, 2, 3);
    }

    @Test
    void unqualifiedNamesAreExplained(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "unqualified", "select id, name from customers");
        assertThatThrownBy(source::details).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("relation \"customers\" does not exist")
            .hasMessageContaining("qualify your own tables");
    }

    @Test
    void aQueryThatFailsWhenItRunsNamesTheJobAndTheError(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "ratio", "select c.id, 10 / (c.id - 2) as ratio from public.customers c");
        Mapping mapping = Mapping.builder().key("id").map("ratio")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        SyncResult result = Syncs.run("ratio", source, new CollectingDestination(), mapping, 10);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.error()).isInstanceOf(SourceException.class)
            .hasMessageContaining("sync job 'ratio'").hasMessageContaining("query:ratio")
            .hasMessageContaining("division by zero");
    }

    @Test
    void aMappedColumnTheQueryNoLongerReturnsIsNamed(TestDatabase db) {
        customersAndOrders(db);
        Mapping mapping = Mapping.builder().key("id").map("name").map("region")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("changing", query(db, "changing", "select id, name, region from public.customers"), dest,
            mapping);

        SyncResult result = Syncs.run("changing", query(db, "changing", "select id, name from public.customers"),
            dest, mapping, 10);
        assertThat(result.error()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("Query \"changing\"").hasMessageContaining("returns no column [region]")
            .hasMessageContaining("it returns [id, name]");

        // A column whose type changed sends every row again.
        Syncs.runOk("changing", query(db, "changing", "select id, name, upper(region)::varchar(5) as region"
            + " from public.customers"), dest, mapping);
        assertThat(dest.takeReceived()).filteredOn(c -> c.kind() == ChangeKind.CHANGED).hasSize(3);
        assertThat(dest.state.get(1).get("region")).isEqualTo("EU");
    }

    @Test
    void nothingIsCreatedOutsideTheBookkeepingSchema(TestDatabase db) {
        customersAndOrders(db);
        String before = db.query(RELATIONS_OUTSIDE).get(0).get(0).toString();
        String namespaces = "select count(*) from pg_namespace where nspname <> 'valmi_scratch_computed_'";
        long namespacesBefore = db.queryLong(namespaces);
        PostgresSource source = query(db, "light", "select c.id, c.name from public.customers c");
        Mapping mapping = Mapping.builder().key("id").map("name")
            .sourceMode(SourceMode.FULL_TABLE).destinationMode(DestinationMode.MIRROR).build();
        CollectingDestination dest = new CollectingDestination();
        source.details();
        Syncs.runOk("light", source, dest, mapping);
        db.execute("delete from orders where customer = 2", "delete from customers where id = 2");
        Syncs.runOk("light", source, dest, mapping);
        assertThat(dest.state).containsOnlyKeys(1, 3);
        assertThat(source.checkPermissions(mapping)).isEmpty();

        assertThat(db.query(RELATIONS_OUTSIDE).get(0).get(0)).hasToString(before);
        // No temporary schema is left behind by the discovery's temporary view.
        assertThat(db.queryLong(namespaces)).isEqualTo(namespacesBefore);
    }

    @Test
    void aUserWhoMayNotReadWhatTheQueryReadsIsToldWhichGrantIsMissing(TestDatabase db) {
        customersAndOrders(db);
        db.execute("create role reader login password 'pw'", "grant create on database " + db.name() + " to reader",
            "grant usage on schema public to reader", "grant select on customers to reader");
        PostgresSource source = PostgresSource.builder().dataSource(db.dataSource("reader", "pw"), "test")
            .bookkeepingSchema("reader_books").query("secret", "select c.id, o.amount from public.customers c join public.orders o"
                + " on o.customer = c.id").build();
        Mapping mapping = Mapping.builder().key("id").map("amount")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();

        List<MissingGrant> missing = source.checkPermissions(mapping);
        assertThat(missing).singleElement().satisfies(m -> assertThat(m.problem())
            .contains("permission denied for table orders"));
        SyncResult result = Syncs.run("secret", source, new CollectingDestination(), mapping, 10);
        assertThat(result.error()).isInstanceOf(MissingGrantException.class)
            .hasMessageContaining("permission denied for table orders");
    }

    @Test
    void aDryRunOfAQueryPlansAndKeepsNothing(TestDatabase db) {
        customersAndOrders(db);
        PostgresSource source = query(db, "dry", "select c.id, c.name from public.customers c");
        Mapping mapping = Mapping.builder().key("id").map("name")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();
        Plan plan = SyncRunner.create().plan(SyncJob.builder("dry").source(source)
            .destination(new CollectingDestination()).mapping(mapping).build());
        assertThat(plan.count(ChangeKind.ADDED)).isEqualTo(3);
        assertThat(db.queryLong("select count(*) from pg_class where relname like 'snap\\_dry\\_%'")).isZero();
    }

    @Test
    void aQueryNeedsANameAndAText(TestDatabase db) {
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test").query(" ", "select 1")
            .build()).isInstanceOf(ConfigurationException.class).hasMessageContaining("needs a name for its query");
        assertThatThrownBy(() -> PostgresSource.builder().dataSource(db.dataSource(), "test").query("q", " ; ")
            .build()).isInstanceOf(ConfigurationException.class).hasMessageContaining("is empty");
    }
}
