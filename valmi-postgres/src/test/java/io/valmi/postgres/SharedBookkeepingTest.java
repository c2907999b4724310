package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A bookkeeping schema shared by several database roles: the database owner that ran the first syncs, and users made
 * by the setup script for two applications. Each can run its own jobs and the others', the permission check says
 * exactly what a role lacks, and the schema's tables are changed only when their version is older than the library's.
 */
@WithPostgres
class SharedBookkeepingTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    private static PostgresSource source(DataSource ds, String bookkeeping, String table) {
        return PostgresSource.builder().dataSource(ds, "test").table("sales", table).bookkeepingSchema(bookkeeping)
            .build();
    }

    private static DataSource setUp(TestDatabase db, String user, String bookkeeping) {
        String password = "pw-" + UUID.randomUUID();
        for (String statement : PostgresPermissions.setupStatements(user, password, List.of("sales"), bookkeeping)) {
            db.execute(statement);
        }
        return db.dataSource(user, password);
    }

    @Test
    void theDatabaseOwnerAndTwoUsersOfTheSetupScriptShareOneBookkeepingSchema(TestDatabase db) {
        String bookkeeping = "bk_" + UUID.randomUUID().toString().substring(0, 8);
        String owner = PostgresPermissions.ownerRole(bookkeeping);
        db.execute("create schema sales", "create table sales.orders (id int primary key, name text)",
            "insert into sales.orders select g, 'o' || g from generate_series(1, 5) g",
            "create table sales.items (id int primary key, name text)",
            "insert into sales.items select g, 'i' || g from generate_series(1, 5) g");
        try (TestRole dbOwner = TestRole.create(db, "dbo", "dbo-pw");
             TestRole one = TestRole.reserve(db, "app_one");
             TestRole two = TestRole.reserve(db, "app_two")) {
            db.execute("grant create on database \"" + db.name() + "\" to " + dbOwner.name(),
                "grant usage on schema sales to " + dbOwner.name(),
                "grant select on all tables in schema sales to " + dbOwner.name());
            DataSource asDbOwner = db.dataSource(dbOwner.name(), "dbo-pw");
            CollectingDestination orders = new CollectingDestination();
            CollectingDestination items = new CollectingDestination();

            // The database's owner syncs first: the schema and its tables are its own.
            Syncs.runOk("orders", source(asDbOwner, bookkeeping, "orders"), orders, MAPPING);
            assertThat(orders.state).hasSize(5);

            // An administrator sets up two applications' users: the schema and its tables move to the owner role.
            DataSource asOne = setUp(db, one.name(), bookkeeping);
            DataSource asTwo = setUp(db, two.name(), bookkeeping);
            assertThat(source(asOne, bookkeeping, "orders").checkPermissions(MAPPING)).isEmpty();
            assertThat(source(asTwo, bookkeeping, "items").checkPermissions(MAPPING)).isEmpty();

            // Each runs the job the database owner made, and jobs of its own and of the other.
            db.execute("update sales.orders set name = 'one' where id = 1");
            assertThat(Syncs.runOk("orders", source(asOne, bookkeeping, "orders"), orders, MAPPING).counts()
                .delivered()).isEqualTo(1);
            Syncs.runOk("items", source(asOne, bookkeeping, "items"), items, MAPPING);
            db.execute("update sales.orders set name = 'two' where id = 2", "delete from sales.items where id = 5");
            assertThat(Syncs.runOk("orders", source(asTwo, bookkeeping, "orders"), orders, MAPPING).counts()
                .delivered()).isEqualTo(1);
            assertThat(Syncs.runOk("items", source(asTwo, bookkeeping, "items"), items, MAPPING).counts()
                .delivered()).isEqualTo(1);
            source(asTwo, bookkeeping, "orders").resetJob("orders");
            assertThat(Syncs.runOk("orders", source(asOne, bookkeeping, "orders"), orders, MAPPING).counts()
                .delivered()).isEqualTo(5);
            assertThat(items.state).hasSize(4);
            assertThat(db.queryLong("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = '" + bookkeeping + "' and c.relkind in ('r', 'p')"
                + " and pg_get_userbyid(c.relowner) <> '" + owner + "'")).as("tables not owned by the owner role")
                .isZero();

            // The database owner is no member of the owner role: the check names the grant, which then suffices.
            List<MissingGrant> missing = source(asDbOwner, bookkeeping, "orders").checkPermissions(MAPPING);
            assertThat(missing).extracting(MissingGrant::fix)
                .containsExactly("GRANT \"" + owner + "\" TO \"" + dbOwner.name() + "\";");
            assertThat(missing.get(0).problem()).contains("cannot change the tables of the bookkeeping schema");
            SyncResult refused = Syncs.run("orders", source(asDbOwner, bookkeeping, "orders"), orders, MAPPING, 3);
            assertThat(refused.error()).isInstanceOf(MissingGrantException.class)
                .hasMessageContaining("GRANT \"" + owner + "\" TO \"" + dbOwner.name() + "\";");
            db.execute(missing.get(0).fix());
            db.execute("update sales.orders set name = 'three' where id = 3");
            assertThat(Syncs.runOk("orders", source(asDbOwner, bookkeeping, "orders"), orders, MAPPING).counts()
                .delivered()).isEqualTo(1);
        } finally {
            db.execute("drop schema if exists \"" + bookkeeping + "\" cascade",
                "do $$ begin if exists (select from pg_roles where rolname = '" + owner + "') then"
                    + " execute 'drop owned by \"" + owner + "\"'; execute 'drop role \"" + owner + "\"'; end if; end $$");
        }
    }

    @Test
    void aRunChangesTheSchemaWideTablesOnlyWhenTheirVersionIsOlder(TestDatabase db) {
        db.execute("create schema if not exists sales", "create table sales.ddl (id int primary key, name text)",
            "insert into sales.ddl select g, 'd' || g from generate_series(1, 5) g",
            "create table ddl_log (tag text, query text)",
            // (At the start of each command: a CREATE ... IF NOT EXISTS of something that exists counts too.)
            "create function log_ddl() returns event_trigger language plpgsql as $$ begin"
                + " insert into public.ddl_log values (tg_tag, current_query()); end $$",
            "create event trigger valmi_ddl_log on ddl_command_start execute procedure log_ddl()");
        try {
            PostgresSource source = source(db.dataSource(), "bk_ddl", "ddl");
            CollectingDestination dest = new CollectingDestination();
            Syncs.runOk("ddl", source, dest, MAPPING);
            assertThat(db.queryLong("select count(*) from ddl_log where query like '%valmi_runs%'")).isPositive();
            db.execute("truncate ddl_log", "update sales.ddl set name = 'x' where id = 1");

            Syncs.runOk("ddl", source, dest, MAPPING);
            // Only the run's scratch plan table is made (and dropped) again.
            assertThat(db.query("select tag, query from ddl_log where query not like '%\"plan\\_%' escape '\\'"))
                .isEmpty();

            // A schema of a build before versions (no version table, no tables_version): migrated once, then used.
            db.execute("drop table bk_ddl.valmi_schema", "alter table bk_ddl.valmi_jobs drop column tables_version",
                "truncate ddl_log", "update sales.ddl set name = 'y' where id = 1");
            assertThat(Syncs.runOk("ddl", source, dest, MAPPING).counts().delivered()).isEqualTo(1);
            assertThat(db.queryLong("select count(*) from ddl_log where query like '%valmi_jobs%'")).isPositive();
            assertThat(db.queryLong("select version from bk_ddl.valmi_schema")).isEqualTo(6);
            db.execute("truncate ddl_log");
            Syncs.runOk("ddl", source, dest, MAPPING);
            assertThat(db.query("select tag, query from ddl_log where query not like '%\"plan\\_%' escape '\\'"))
                .isEmpty();
        } finally {
            db.execute("drop event trigger if exists valmi_ddl_log");
        }
    }

    /**
     * A schema of version 2 (before several batches could be out) with the marks a run of that version left in its job
     * record: migrated to version 3 once, and the marks folded into the snapshot like the marks of today's runs.
     */
    @Test
    void marksAnEarlierVersionLeftInTheJobRecordAreFolded(TestDatabase db) {
        db.execute("create schema if not exists sales", "create table sales.legacy (id int primary key, name text)",
            "insert into sales.legacy select g, 'l' || g from generate_series(1, 5) g");
        PostgresSource source = source(db.dataSource(), "bk_v2", "legacy");
        CollectingDestination dest = new CollectingDestination();
        Syncs.runOk("legacy", source, dest, MAPPING);
        // As version 2 left it: a run died with keys 2 and 3 marked in the job record; then row 3 was deleted.
        db.execute("drop table bk_v2.valmi_in_doubt", "alter table bk_v2.valmi_jobs drop column first_sync_ahead",
            "update bk_v2.valmi_schema set version = 2",
            "update bk_v2.valmi_jobs set in_doubt = '{2,3}' where job_id = 'legacy'",
            "delete from sales.legacy where id = 3");
        dest.takeReceived();

        Syncs.runOk("legacy", source, dest, MAPPING);

        assertThat(db.queryLong("select version from bk_v2.valmi_schema")).isEqualTo(6);
        assertThat(db.queryLong("select count(*) from bk_v2.valmi_jobs where in_doubt is not null")).isZero();
        assertThat(dest.takeReceived()).extracting(c -> c.key() + " " + c.kind())
            .containsExactly("2 CHANGED", "3 REMOVED");
    }
}
