package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

@WithPostgres
class HostileNamesTest {

    @Test
    void hostileJobIdAndRelationNamesCreateNothingOutsideTheBookkeepingTables(TestDatabase db) {
        String schema = "Sales \"EU\"";
        String table = "Order Items\"; drop table victim; --";
        db.execute("create table victim (id int)",
            "create schema \"Sales \"\"EU\"\"\"",
            "create table \"Sales \"\"EU\"\"\".\"Order Items\"\"; drop table victim; --\" (\"Key; 1\" int primary key,"
                + " \"Ünïcode Näme\" text)",
            "insert into \"Sales \"\"EU\"\"\".\"Order Items\"\"; drop table victim; --\" values (1, 'x'), (2, 'y')");
        long relationsBefore = db.queryLong("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname <> 'valmi_scratch_computed_' and c.relkind in ('r','v','m','p','f','S')");
        String jobId = "job'); drop table victim; -- \"x\" ünï " + "z".repeat(150);
        PostgresSource source = Syncs.source(db.dataSource(), schema, table);
        CollectingDestination dest = new CollectingDestination();
        Mapping mapping = Mapping.builder().key("Key; 1").map("Ünïcode Näme", "name")
            .sourceMode(SourceMode.INCREMENTAL).destinationMode(DestinationMode.MIRROR).build();

        Syncs.runOk(jobId, source, dest, mapping);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(1, 2);
        db.execute("delete from \"Sales \"\"EU\"\"\".\"Order Items\"\"; drop table victim; --\" where \"Key; 1\" = 2");
        Syncs.runOk(jobId, source, dest, mapping);
        assertThat(dest.takeReceived()).extracting(Change::key).containsExactly(2);

        assertThat(db.queryLong("select count(*) from victim")).isZero();
        assertThat(db.queryLong("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname <> 'valmi_scratch_computed_' and c.relkind in ('r','v','m','p','f','S')"))
            .isEqualTo(relationsBefore);
        // At most three tables for the job (snapshot, issues; the plan is dropped after each run) plus the five
        // schema-wide ones (jobs, runs, in-doubt marks, sync log, the schema's version), all with names PostgreSQL
        // accepts.
        assertThat(db.query("select tablename from pg_tables where schemaname = 'valmi_scratch_computed_'"
            + " order by tablename")).extracting(r -> (String) r.get(0))
            .hasSize(7)
            .contains("valmi_jobs", "valmi_runs", "valmi_in_doubt", "valmi_schema", "valmi_sync_log")
            .allMatch(n -> n.matches("[a-z0-9_]+") && n.length() <= 63);
        assertThat(db.queryLong("select count(*) from valmi_scratch_computed_.valmi_jobs where job_id = '"
            + jobId.replace("'", "''") + "'")).isEqualTo(1);
    }
}
