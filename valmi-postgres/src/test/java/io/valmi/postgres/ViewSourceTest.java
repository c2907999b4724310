package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

@WithPostgres
class ViewSourceTest {
    private static final Mapping BY_EMAIL = Mapping.builder().key("email").map("name").map("orders")
        .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();

    @Test
    void viewAndMaterializedViewKeyedByAChosenColumn(TestDatabase db) {
        db.execute("create table people (id serial primary key, email text, name text)",
            "create table orders (person int, amount int)",
            "insert into people (email, name) values ('a@x', 'Ann'), ('b@x', 'Bob')",
            "insert into orders values (1, 10), (1, 5), (2, 7)",
            "create view people_orders as select p.email, p.name, count(o.*) as orders from people p"
                + " left join orders o on o.person = p.id group by p.email, p.name",
            "create materialized view people_orders_mv as select * from people_orders");
        CollectingDestination viewDest = new CollectingDestination();
        CollectingDestination mvDest = new CollectingDestination();
        PostgresSource view = Syncs.source(db.dataSource(), "public", "people_orders");
        PostgresSource mv = Syncs.source(db.dataSource(), "public", "people_orders_mv");

        Syncs.runOk("view", view, viewDest, BY_EMAIL);
        Syncs.runOk("mv", mv, mvDest, BY_EMAIL);
        assertThat(viewDest.takeReceived()).extracting(Change::key).containsExactly("a@x", "b@x");
        assertThat(mvDest.takeReceived()).extracting(Change::key).containsExactly("a@x", "b@x");
        assertThat(viewDest.state.get("a@x").get("orders")).isEqualTo(2L);

        db.execute("insert into orders values (2, 1)", "insert into people (email, name) values ('a@x', 'Ann again')");
        Syncs.runOk("view", view, viewDest, BY_EMAIL);
        // The view now has a duplicated key: a@x is held; b@x changed.
        assertThat(viewDest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, "b@x"));
        assertThat(viewDest.state).containsKey("a@x");

        // The materialized view changes only when refreshed.
        Syncs.runOk("mv", mv, mvDest, BY_EMAIL);
        assertThat(mvDest.takeReceived()).isEmpty();
        db.execute("refresh materialized view people_orders_mv");
        Syncs.runOk("mv", mv, mvDest, BY_EMAIL);
        assertThat(mvDest.takeReceived()).extracting(Change::kind, Change::key)
            .containsExactly(tuple(ChangeKind.CHANGED, "b@x"));
    }
}
