package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What a session does with the settings it pinned when it ends, and what it pins on every server. */
@WithPostgres
class SessionRestoreTest {

    @Test
    void aConnectionWhoseSettingsCannotBeRestoredIsEndedNotHandedBack(TestDatabase db) throws Exception {
        try (Connection physical = db.dataSource().getConnection()) {
            // The restore is the one statement of only set_config calls; it fails here, as on a broken server.
            DataSource failingRestore = dataSource(physical, true);
            Session session = Session.open(failingRestore, "restore");
            session.run("a transaction", c -> Sql.select(c, org.jooq.impl.DSL.selectOne()));
            session.close();
            // The connection would have gone back with TimeZone UTC, search_path pg_catalog, lock_timeout 30s, ...:
            // it is ended instead, and a pool discards it.
            assertThat(physical.isClosed()).isTrue();
        }
    }

    @Test
    void aTransactionTimeoutOfTheDatabaseDoesNotEndALongPlan(TestDatabase db) throws Exception {
        Assumptions.assumeTrue(db.server().majorVersion() >= 17, "transaction_timeout exists from PostgreSQL 17");
        db.execute("alter database \"" + db.name() + "\" set transaction_timeout = '300ms'");
        try (Connection physical = db.dataSource().getConnection()) {
            Session session = Session.open(dataSource(physical, false), "long");
            // A plan statement of a large table runs for long in one transaction.
            session.run("a long transaction", c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("select pg_catalog.pg_sleep(0.6)");
                }
            });
            session.close();
            try (Statement s = physical.createStatement(); ResultSet rs = s.executeQuery("show transaction_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).as("given back").isEqualTo("300ms");
            }
        } finally {
            db.execute("alter database \"" + db.name() + "\" reset transaction_timeout");
        }
    }

    /** One connection, handed out again and again (close() hands it back); optionally failing the restore. */
    private static DataSource dataSource(Connection physical, boolean failRestore) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
            (p, m, args) -> {
                if (!m.getName().equals("getConnection")) {
                    throw new UnsupportedOperationException(m.getName());
                }
                return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (p2, m2, args2) -> {
                        if (m2.getName().equals("close")) {
                            return null;
                        }
                        if (failRestore && m2.getName().equals("prepareStatement")
                            && ((String) args2[0]).startsWith("select \"pg_catalog\".\"set_config\"")) {
                            throw new SQLException("restore refused by the test", "XX000");
                        }
                        try {
                            return m2.invoke(physical, args2);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            });
    }
}
