package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunStatus;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

@WithPostgres
class PermissionsTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.UPSERT).build();

    @Test
    void setupScriptQuotesIdentifiersAndCoversTheGuide() {
        String script = PostgresPermissions.setupScript("valmi \"user\"", List.of("public", "Sales EU"));
        assertThat(script).contains("CREATE USER \"valmi \"\"user\"\"\" WITH PASSWORD '<choose a strong password>';")
            .contains("DO 'BEGIN CREATE ROLE \"valmi_scratch_computed__owner\" NOLOGIN; EXCEPTION WHEN duplicate_object"
                + " THEN NULL; END';")
            .contains("GRANT \"valmi_scratch_computed__owner\" TO \"valmi \"\"user\"\"\";")
            .contains("CREATE SCHEMA IF NOT EXISTS \"valmi_scratch_computed_\" AUTHORIZATION"
                + " \"valmi_scratch_computed__owner\";")
            .contains("ALTER SCHEMA \"valmi_scratch_computed_\" OWNER TO \"valmi_scratch_computed__owner\";")
            .contains("GRANT USAGE ON SCHEMA \"Sales EU\" TO \"valmi \"\"user\"\"\";")
            .contains("GRANT SELECT ON ALL TABLES IN SCHEMA \"Sales EU\" TO \"valmi \"\"user\"\"\";")
            .contains("ALTER DEFAULT PRIVILEGES IN SCHEMA \"Sales EU\" GRANT SELECT ON TABLES TO \"valmi \"\"user\"\"\";")
            .contains("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA \"public\" TO \"valmi \"\"user\"\"\";")
            .contains("ALTER DEFAULT PRIVILEGES IN SCHEMA \"public\" GRANT EXECUTE ON FUNCTIONS TO \"valmi \"\"user\"\"\";");
        assertThat(script).as("the text is the statements with a placeholder for the password").isEqualTo(
            String.join(";\n", PostgresPermissions.setupStatements("valmi \"user\"", "<choose a strong password>",
                List.of("public", "Sales EU"))) + ";\n");
        assertThat(PostgresPermissions.setupStatements("valmi", "it's", List.of("public"), "bk").get(0))
            .isEqualTo("CREATE USER \"valmi\" WITH PASSWORD 'it''s'");
        assertThatThrownBy(() -> PostgresPermissions.setupStatements("valmi", "", List.of("public")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a password for user \"valmi\"");
    }

    @Test
    void setupScriptLetsAFreshUserSyncAndAMissingGrantIsNamed(TestDatabase db) {
        try (TestRole role = TestRole.reserve(db, "valmi")) {
            syncsAsAFreshUserOfTheSetupScript(db, role.name());
        } finally {
            // (The owner role the script made belongs to the server; what it owns, to this database.)
            db.execute("drop schema if exists valmi_scratch_computed_ cascade",
                "do $$ begin if exists (select from pg_roles where rolname = 'valmi_scratch_computed__owner') then"
                    + " drop owned by valmi_scratch_computed__owner; drop role valmi_scratch_computed__owner;"
                    + " end if; end $$");
        }
    }

    private static void syncsAsAFreshUserOfTheSetupScript(TestDatabase db, String user) {
        // Quotes, a backslash, a semicolon and a comment: the literal is jOOQ's, so the password is just a password.
        String password = "it's \"pw\" \\ ; -- " + UUID.randomUUID();
        db.execute("create schema sales", "create table sales.orders (id int primary key, name text)",
            "insert into sales.orders values (1, 'one'), (2, 'two')");
        List<String> statements = PostgresPermissions.setupStatements(user, password, List.of("sales"));
        assertThat(statements).noneMatch(statement -> statement.endsWith(";"));
        for (String statement : statements) {
            db.execute(statement);
        }
        db.execute("create table sales.secret (id int primary key, name text)",
            "revoke select on sales.secret from " + user);
        DataSource asUser = db.dataSource(user, password);

        CollectingDestination dest = new CollectingDestination();
        SyncResult ok = Syncs.runOk("orders", Syncs.source(asUser, "sales", "orders"), dest, MAPPING);
        assertThat(ok.counts().delivered()).isEqualTo(2);
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_runs where job_id = 'orders'"))
            .isEqualTo(1);

        assertThat(Syncs.source(asUser, "sales", "secret").checkPermissions(MAPPING))
            .extracting(MissingGrant::fix).containsExactly("GRANT SELECT ON \"sales\".\"secret\" TO \"" + user + "\";");
        SyncResult denied = Syncs.run("secret", Syncs.source(asUser, "sales", "secret"), dest, MAPPING, 10);
        assertThat(denied.status()).isEqualTo(RunStatus.FAILED);
        assertThat(denied.error()).isInstanceOf(MissingGrantException.class)
            .hasMessageContaining("GRANT SELECT ON \"sales\".\"secret\" TO \"" + user + "\";")
            .hasMessageContaining("cannot SELECT");
        // Failed before touching anything: no job was recorded.
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = 'secret'"))
            .isZero();

        // Column-level grants cover the mapped columns but not the row version (xmin): rows are hashed instead.
        db.execute("create table sales.cols (id int primary key, name text, hidden text)",
            "insert into sales.cols values (1, 'one', 'x'), (2, 'two', 'y')",
            "revoke select on sales.cols from " + user, "grant select (id, name) on sales.cols to " + user);
        dest.takeReceived();
        assertThat(Syncs.runOk("cols", Syncs.source(asUser, "sales", "cols"), dest, MAPPING).counts().delivered())
            .isEqualTo(2);
        db.execute("update sales.cols set name = 'uno' where id = 1", "update sales.cols set hidden = 'z' where id = 2");
        dest.takeReceived();
        Syncs.runOk("cols", Syncs.source(asUser, "sales", "cols"), dest, MAPPING);
        assertThat(dest.takeReceived()).extracting(c -> c.key(), c -> c.row().get("name"))
            .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "uno"));
    }

    @Test
    void missingSchemaUsageAndBookkeepingSchemaAreNamed(TestDatabase db) {
        db.execute("create schema hidden", "create table hidden.t (id int primary key, name text)",
            "revoke create on database \"" + db.name() + "\" from public");
        try (TestRole role = TestRole.create(db, "nobody", "pw")) {
            String user = role.name();
            List<MissingGrant> missing = PostgresPermissions.check(db.dataSource(user, "pw"), "fresh_bookkeeping",
                "hidden", "t", List.of("id", "name"));
            assertThat(missing).extracting(MissingGrant::fix).containsExactly(
                "create schema if not exists \"fresh_bookkeeping\"; GRANT ALL ON SCHEMA \"fresh_bookkeeping\" TO \""
                    + user + "\";",
                "GRANT USAGE ON SCHEMA \"hidden\" TO \"" + user + "\";",
                "GRANT SELECT ON \"hidden\".\"t\" TO \"" + user + "\";");
        }
    }
}
