package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncResult;
import io.valmi.WriteResult;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The key column's type or collation changes under a job. When every key reads the same in the new type (int to
 * bigint, varchar to text, another collation) the job just goes on, removals included; otherwise the run says what
 * to do, and what it says works.
 */
@WithPostgres
class KeyChangeTest {
    private static final Mapping MAPPING = Mapping.builder().key("k").map("v").sourceMode(SourceMode.INCREMENTAL)
        .destinationMode(DestinationMode.MIRROR).build();

    /** A destination keyed by the key's text, as a remote API is. */
    static final class ByText implements Destination {
        final Map<String, Object> state = new TreeMap<>();

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.all();
        }

        @Override
        public WriteResult write(List<Change> batch) {
            for (Change c : batch) {
                if (c.kind() == ChangeKind.REMOVED) {
                    state.remove(String.valueOf(c.key()));
                } else {
                    state.put(String.valueOf(c.key()), c.row().get("v"));
                }
            }
            return WriteResult.ok();
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "int_bigint   | integer                       | bigint",
        "small_int    | smallint                      | integer",
        "varchar_text | varchar(10)                   | text",
        "text_varchar | text                          | varchar(20)",
        "collation    | text collate \"POSIX\"          | text collate \"C\"",
        "collation2   | text                          | text collate \"C\"",
        "int_text     | integer                       | text"})
    void aKeyWhoseTextStaysTheSameJustWorksRemovalsIncluded(String name, String before, String after,
                                                            TestDatabase db) {
        String table = "kc_" + name;
        db.execute("create table " + table + " (k " + before + " primary key, v text)",
            "insert into " + table + " select (g * 10)::text::" + before.replaceAll(" collate.*", "") + ", 'v' || g"
                + " from generate_series(1, 5) g");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        ByText dest = new ByText();
        Syncs.runOk(table, source, dest, MAPPING);
        assertThat(dest.state).containsOnlyKeys("10", "20", "30", "40", "50");

        db.execute("delete from " + table + " where v = 'v5'", "update " + table + " set v = 'changed' where v = 'v2'",
            "alter table " + table + " alter column k type " + after + " using k::text::"
                + after.replaceAll(" collate.*", ""));
        SyncResult result = Syncs.runOk(table, source, dest, MAPPING);

        assertThat(result.counts().removed()).isEqualTo(1);
        assertThat(result.counts().changed()).isEqualTo(1);
        assertThat(dest.state).containsOnlyKeys("10", "20", "30", "40");
        assertThat(dest.state.get("20")).isEqualTo("changed");
        assertThat(Syncs.runOk(table, source, dest, MAPPING).counts().planned()).isZero();
    }

    @org.junit.jupiter.api.Test
    void twoKeysTheNewTypeReadsAsOneFailWithTheSameAdvice(TestDatabase db) {
        db.execute("create table kc_numeric (k text primary key, v text)",
            "insert into kc_numeric values ('1.0', 'a'), ('1.00', 'b'), ('2', 'c')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", "kc_numeric");
        ByText dest = new ByText();
        Syncs.runOk("kc-numeric", source, dest, MAPPING);
        db.execute("delete from kc_numeric where k = '1.00'",
            "alter table kc_numeric alter column k type numeric using k::numeric");

        SyncResult failed = Syncs.run("kc-numeric", source, dest, MAPPING, 10);

        assertThat(failed.error()).isInstanceOf(io.valmi.ConfigurationException.class)
            .hasMessageContaining("cannot all be read as numeric without two of them becoming one")
            .hasMessageContaining("PostgresSource.resetJob(\"kc-numeric\")");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"kc_uuid"})
    void aKeyTheNewTypeCannotReadFailsWithAFixThatWorks(String table, TestDatabase db) {
        db.execute("create table " + table + " (k text primary key, v text)",
            "insert into " + table + " values ('10', 'a'), ('20', 'b'), ('gone', 'c')");
        PostgresSource source = Syncs.source(db.dataSource(), "public", table);
        ByText dest = new ByText();
        Syncs.runOk(table, source, dest, MAPPING);
        db.execute("delete from " + table + " where k = 'gone'",
            "alter table " + table + " alter column k type int using k::int");

        SyncResult failed = Syncs.run(table, source, dest, MAPPING, 10);
        assertThat(failed.error()).isInstanceOf(io.valmi.ConfigurationException.class)
            .hasMessageContaining("key column changed from text to integer")
            .hasMessageContaining("remove them there, then call PostgresSource.resetJob(\"" + table + "\")");

        // As the message says: the key the source can no longer have is removed at the destination, then the reset.
        dest.state.remove("gone");
        source.resetJob(table);
        SyncResult after = Syncs.runOk(table, source, dest, MAPPING);
        assertThat(after.counts().added()).isEqualTo(2);
        assertThat(dest.state).containsOnlyKeys("10", "20");
        db.execute("delete from " + table + " where k = 20");
        Syncs.runOk(table, source, dest, MAPPING);
        assertThat(dest.state).containsOnlyKeys("10");
    }
}
