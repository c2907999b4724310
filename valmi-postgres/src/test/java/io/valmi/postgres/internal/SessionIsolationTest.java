package io.valmi.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * A session's transactions read committed whatever the connection's default (a pool's or a role's): the first sync's
 * fence and the recovery rely on each statement seeing what committed before it. The connection gets its default back.
 */
@WithPostgres
class SessionIsolationTest {

    @Test
    void aSessionReadsCommittedWhateverTheConnectionsDefaultAndGivesTheDefaultBack(TestDatabase db) throws Exception {
        db.execute("alter database " + db.name() + " set default_transaction_isolation = 'repeatable read'");
        try (Connection raw = db.dataSource().getConnection()) {
            assertThat(show(raw)).isEqualTo("repeatable read");
            Session session = Session.open(pooled(raw), "isolation");
            String inSession;
            try {
                inSession = session.transaction("look at the isolation", c -> Sql.fetch(c,
                    DSL.select(DSL.field("pg_catalog.current_setting('transaction_isolation')", String.class)),
                    rs -> rs.getString(1)).get(0));
            } finally {
                session.close();
            }
            assertThat(inSession).isEqualTo("read committed");
            raw.setAutoCommit(true);
            assertThat(show(raw)).as("given back to the pool as it was").isEqualTo("repeatable read");
        }
    }

    private static String show(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("show default_transaction_isolation")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A pool of one connection: closing it gives it back (it stays open). */
    private static DataSource pooled(Connection raw) {
        Connection handle = proxy(Connection.class, (proxy, method, args) -> method.getName().equals("close") ? null
            : method.invoke(raw, args));
        return proxy(DataSource.class, (proxy, method, args) -> {
            if (method.getName().equals("getConnection")) {
                return handle;
            }
            throw new UnsupportedOperationException(method.getName());
        });
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
