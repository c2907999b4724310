package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.ConfigurationException;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithPostgres
class DiscoveryTest {
    static final String WEIRD_SCHEMA = "Shop \"Data\"; drop table x; --";
    static final String WEIRD_TABLE = "Order Items\"; drop table x; -- ünï";

    @BeforeAll
    static void createRelations(TestDatabase db) {
        db.execute("create schema shop",
            "create table shop.orders (id bigint primary key, customer text not null, total numeric(10,2))",
            "create table shop.no_key (a int, b text)",
            "create table shop.with_unique (id int, email text unique, code text not null, a_partial int,"
                + " constraint code_uq unique (code))",
            "create unique index with_unique_id_idx on shop.with_unique (id)",
            "create unique index with_unique_partial on shop.with_unique (a_partial) where a_partial > 0",
            "create view shop.order_view as select id, customer from shop.orders",
            "create materialized view shop.order_totals as select customer, sum(total) as total from shop.orders group by customer",
            "create unique index on shop.order_totals (customer)",
            "create table shop.events (id int, at date not null) partition by range (at)",
            "create table shop.events_2024 partition of shop.events for values from ('2024-01-01') to ('2025-01-01')",
            "create extension if not exists postgres_fdw",
            "create server other_db foreign data wrapper postgres_fdw options (dbname 'nowhere')",
            "create foreign table shop.remote_things (id int, name text) server other_db",
            "create schema \"" + WEIRD_SCHEMA.replace("\"", "\"\"") + "\"",
            "create table \"" + WEIRD_SCHEMA.replace("\"", "\"\"") + "\".\"" + WEIRD_TABLE.replace("\"", "\"\"")
                + "\" (\"Weird Id\" int primary key, \"Naïve; Col\" text)");
    }

    @Test
    void namespacesLeaveOutSystemAndBookkeepingSchemas(TestDatabase db) {
        db.execute("create schema if not exists valmi_scratch_computed_");
        List<String> namespaces = PostgresCatalog.of(db.dataSource()).namespaces();
        assertThat(namespaces).contains("public", "shop", WEIRD_SCHEMA)
            .doesNotContain("pg_catalog", "information_schema", "valmi_scratch_computed_", "pg_toast");
        assertThat(namespaces).noneMatch(n -> n.startsWith("pg_temp") || n.startsWith("pg_toast"));
    }

    @Test
    void relationsOfEveryKindWithoutPartitions(TestDatabase db) {
        List<Relation> relations = PostgresCatalog.of(db.dataSource()).relations("shop");
        assertThat(relations).extracting(Relation::name, Relation::kind).containsExactly(
            tuple("events", RelationKind.PARTITIONED_TABLE),
            tuple("no_key", RelationKind.TABLE),
            tuple("order_totals", RelationKind.MATERIALIZED_VIEW),
            tuple("order_view", RelationKind.VIEW),
            tuple("orders", RelationKind.TABLE),
            tuple("remote_things", RelationKind.FOREIGN_TABLE),
            tuple("with_unique", RelationKind.TABLE));
    }

    @Test
    void columnsAndCandidateKeys(TestDatabase db) {
        PostgresCatalog catalog = PostgresCatalog.of(db.dataSource());
        RelationDetails orders = catalog.describe("shop", "orders");
        assertThat(orders.columns()).extracting(Column::name, Column::typeName, Column::nullable).containsExactly(
            tuple("id", "bigint", false), tuple("customer", "text", false), tuple("total", "numeric(10,2)", true));
        assertThat(orders.candidateKeys()).containsExactly(
            new CandidateKey("id", CandidateKey.Origin.PRIMARY_KEY, true));
        assertThat(orders.suggestedKey()).map(CandidateKey::column).hasValue("id");

        RelationDetails unique = catalog.describe("shop", "with_unique");
        assertThat(unique.candidateKeys()).extracting(CandidateKey::column, CandidateKey::origin, CandidateKey::notNull)
            .containsExactlyInAnyOrder(
                tuple("code", CandidateKey.Origin.UNIQUE_CONSTRAINT, true),
                tuple("email", CandidateKey.Origin.UNIQUE_CONSTRAINT, false),
                tuple("id", CandidateKey.Origin.UNIQUE_INDEX, false));
        assertThat(unique.suggestedKey()).map(CandidateKey::column).hasValue("code");

        assertThat(catalog.describe("shop", "no_key").candidateKeys()).isEmpty();
        assertThat(catalog.describe("shop", "no_key").suggestedKey()).isEmpty();
        assertThat(catalog.describe("shop", "order_view").columns()).allMatch(Column::nullable);
        assertThat(catalog.describe("shop", "order_totals").candidateKeys()).extracting(CandidateKey::column)
            .containsExactly("customer");
    }

    @Test
    void hostileNamesAreJustNames(TestDatabase db) {
        PostgresCatalog catalog = PostgresCatalog.of(db.dataSource());
        assertThat(catalog.relations(WEIRD_SCHEMA)).extracting(Relation::name).containsExactly(WEIRD_TABLE);
        RelationDetails weird = catalog.describe(WEIRD_SCHEMA, WEIRD_TABLE);
        assertThat(weird.columns()).extracting(Column::name).containsExactly("Weird Id", "Naïve; Col");
        assertThat(weird.candidateKeys()).extracting(CandidateKey::column).containsExactly("Weird Id");
        assertThatThrownBy(() -> catalog.describe("shop", "ORDERS")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("case-sensitive");
    }
}
