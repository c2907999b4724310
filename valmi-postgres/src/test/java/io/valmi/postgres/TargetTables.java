package io.valmi.postgres;

import io.valmi.testing.HeldRecord;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads a target table back as Java values of the types valmi delivers (test helper). */
final class TargetTables {
    private TargetTables() {
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static List<HeldRecord> read(DataSource dataSource, String schema, String table, String key) throws SQLException {
        List<HeldRecord> records = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select * from " + quote(schema) + "." + quote(table))) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> fields = new LinkedHashMap<>();
                Object keyValue = null;
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = value(rs, i, meta.getColumnTypeName(i));
                    if (meta.getColumnName(i).equals(key)) {
                        keyValue = value;
                    } else {
                        fields.put(meta.getColumnName(i), value);
                    }
                }
                records.add(new HeldRecord(keyValue, fields));
            }
        }
        return records;
    }

    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        switch (type) {
            case "timestamptz":
                return rs.getObject(i, OffsetDateTime.class);
            case "timestamp":
                return rs.getObject(i, LocalDateTime.class);
            case "date":
                return rs.getObject(i, LocalDate.class);
            case "time":
                return rs.getObject(i, LocalTime.class);
            case "timetz":
                return rs.getObject(i, OffsetTime.class);
            default:
                Object v = rs.getObject(i);
                if (v instanceof Array) {
                    return Arrays.asList((Object[]) ((Array) v).getArray());
                }
                return v instanceof org.postgresql.util.PGobject ? ((org.postgresql.util.PGobject) v).getValue() : v;
        }
    }
}
