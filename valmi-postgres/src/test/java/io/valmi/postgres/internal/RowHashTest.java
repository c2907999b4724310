package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The row hash computed in Java ({@link RowHash.Client}) is the one the server computes in SQL ({@link RowHash#sql}),
 * for edge values of every kind the client hashes, whether pgjdbc read the values as text or in binary form; and the
 * hash sees the changes that version 4 missed.
 */
@WithPostgres
class RowHashTest {
    /** Column, type, literals (NULL included by the last row). */
    private record Column(String name, String type, List<String> literals) {
    }

    private static final List<Column> COLUMNS = List.of(
        new Column("i2", "smallint", List.of("0", "-32768", "32767", "1")),
        new Column("i4", "integer", List.of("0", "-2147483648", "2147483647", "-1", "42")),
        new Column("i8", "bigint", List.of("0", "4294967297", "-9223372036854775808", "9223372036854775807", "-1",
            "1733480000000")),
        new Column("b", "boolean", List.of("true", "false")),
        new Column("u", "uuid", List.of("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        new Column("t", "text", List.of("", "a", "h\u00e9llo \u2603", "abcdefghijkl", "abcdefghijklmnopqrstuvwxyz0123456789",
            "tab\tnew\nline\\", "\uD83D\uDE00")),
        new Column("vc", "character varying(40)", List.of("x", "abcdefghijk", "Gr\u00fc\u00dfe")),
        // Padded to its length on the way out, hashed without the padding (as its cast to text has it).
        new Column("ch", "character(12)", List.of("", "x", "a b  ", "abcdefghijkl", "Gr\u00fc\u00dfe \u2603")),
        new Column("ch1", "character(1)", List.of(" ", "z")),
        new Column("n", "numeric", List.of("0", "0.000", "5.00", "-5.00", "1.5", "1.50", "-0.0010", "NaN",
            "100000000000000000000", "0.00000000000000000001", "-12345678901234567890.123456789", "9999.9999",
            "10000", "0.5", "123456789")),
        new Column("n2", "numeric(12,2)", List.of("0", "1.5", "-1.5", "1234567890.12")),
        new Column("d", "date", List.of("2024-02-29", "infinity", "-infinity", "0044-03-15 BC", "4713-01-01 BC",
            "294276-12-31", "5874897-12-31", "1582-10-10", "1969-12-31", "0001-01-01", "10000-01-01")),
        new Column("ts", "timestamp without time zone", List.of("infinity", "-infinity", "0044-03-15 12:00:00.5 BC",
            "4713-01-01 00:00:00 BC", "294276-12-31 23:59:59.999999", "1582-10-10 00:00", "1969-12-31 23:59:59.999999",
            "2000-01-01 00:00:00.000001", "2024-01-01 12:34:56.12")),
        new Column("ts3", "timestamp(3) without time zone", List.of("2024-01-01 12:34:56.1234", "2024-01-01")),
        new Column("tz", "timestamp with time zone", List.of("infinity", "-infinity", "0044-03-15 12:00:00 BC",
            "2024-02-29 13:45:59.123456+05:30", "1969-12-31 23:59:59.999999+00", "294276-12-31 23:59:59.999999+00",
            "2024-01-01 00:00:00+00")),
        new Column("j", "jsonb", List.of("{\"b\": [1, 2.50], \"a\": null}", "[]", "\"\u00e9\"")));

    private static int rows;

    @BeforeAll
    static void createTable(TestDatabase db) {
        StringBuilder ddl = new StringBuilder("create table hashed (id int primary key");
        for (Column c : COLUMNS) {
            ddl.append(", ").append(c.name()).append(' ').append(c.type());
            rows = Math.max(rows, c.literals().size());
        }
        db.execute(ddl.append(')').toString());
        List<String> inserts = new ArrayList<>();
        for (int r = 0; r <= rows; r++) {
            StringBuilder insert = new StringBuilder("insert into hashed values (").append(r);
            for (Column c : COLUMNS) {
                // The last row is all NULLs; the others cycle through each column's literals.
                String literal = r == rows ? null : c.literals().get(r % c.literals().size());
                insert.append(", ").append(literal == null ? "null"
                    : "'" + literal.replace("'", "''") + "'::" + c.type());
            }
            inserts.add(insert.append(')').toString());
        }
        db.execute(inserts.toArray(new String[0]));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"prepareThreshold=0", "prepareThreshold=-1"})
    void theClientHashesEveryRowAsTheServerDoes(String property, TestDatabase db) throws SQLException {
        List<String> types = new ArrayList<>();
        List<Field<?>> selected = new ArrayList<>();
        List<RowHash.Kind> kinds = new ArrayList<>();
        for (Column c : COLUMNS) {
            boolean asText = c.type().equals("jsonb");
            Field<?> f = DSL.field(DSL.name(c.name()));
            selected.add(asText ? f.cast(SQLDataType.CLOB) : f);
            types.add(asText ? "text" : c.type());
            kinds.add(asText ? RowHash.Kind.TEXT : RowHash.kind(c.type()));
        }
        assertThat(RowHash.clientHashable(kinds)).isTrue();
        List<org.jooq.SelectField<?>> fields = new ArrayList<>(selected);
        fields.add(RowHash.sql(selected, types));
        var query = DSL.select(fields).from(DSL.table(DSL.name("hashed"))).orderBy(DSL.field(DSL.name("id")));

        int checked = 0;
        try (Connection c = db.dataSource(property).getConnection()) {
            // Twice: the second execution is read in binary form with prepareThreshold=-1 from the start anyway.
            for (int round = 0; round < 2; round++) {
                try (PreparedStatement ps = Sql.prepare(c, query); ResultSet rs = ps.executeQuery()) {
                    ValueReaders.Reader[] readers = ValueReaders.readers(rs.getMetaData(), 1, COLUMNS.size());
                    RowHash.Client client = new RowHash.Client(kinds);
                    while (rs.next()) {
                        Object[] values = new Object[COLUMNS.size()];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = readers[i].read(rs, i + 1);
                        }
                        assertThat(client.hash(rs, 1, values)).as("row %s with %s", checked % (rows + 1), property)
                            .isEqualTo(rs.getLong(COLUMNS.size() + 1));
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(2 * (rows + 1));
    }

    @Test
    void theProbesAgreeOnThisServer(TestDatabase db) throws SQLException {
        List<RowHash.Kind> kinds = List.of(RowHash.Kind.values()).subList(0, RowHash.Kind.PRINTED.ordinal());
        List<RowHash.Probe> probes = RowHash.probes(kinds);
        assertThat(probes).hasSizeGreaterThan(40);
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = Sql.prepare(c, RowHash.probeQuery(probes)); ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(RowHash.agrees(rs, probes)).isTrue();
        }
    }

    @Test
    void changesThatVersionFourMissedChangeTheHash(TestDatabase db) throws SQLException {
        // Pairs of values of one column whose version-4 hashes were equal.
        List<String[]> pairs = List.of(
            new String[] {"numeric", "5.00", "-5.00"},
            new String[] {"numeric", "NaN", "Infinity"},
            new String[] {"numeric", "-Infinity", "Infinity"},
            new String[] {"bigint", "0", "4294967297"},
            new String[] {"bigint", "8589934594", "12884901891"},
            // 0 and 2^32 + 1 microseconds after 2000-01-01, folded to the same 32 bits by timestamp_hash_extended
            new String[] {"timestamp without time zone", "2000-01-01 00:00:00", "2000-01-01 01:11:34.967297"});
        try (Connection c = db.dataSource().getConnection()) {
            for (String[] p : pairs) {
                if ((p[1] + p[2]).contains("Infinity") && db.server().majorVersion() < 14) {
                    continue;
                }
                long[] hashes = new long[2];
                for (int i = 0; i < 2; i++) {
                    Field<?> typed = DSL.field("{0}::{1}", Object.class, DSL.inline(p[i + 1]), DSL.keyword(p[0]));
                    try (PreparedStatement ps = Sql.prepare(c, DSL.select(RowHash.sql(List.of(typed), List.of(p[0]))));
                         ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        hashes[i] = rs.getLong(1);
                    }
                }
                assertThat(hashes[0]).as("%s %s vs %s", p[0], p[1], p[2]).isNotEqualTo(hashes[1]);
            }
        }
    }
}
