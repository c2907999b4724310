package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** With {@link IsolationFirstTest}: each class creates the same table, which works only in separate databases. */
@WithPostgres
class IsolationSecondTest {
    @Test
    void ownDatabase(TestDatabase db) {
        assertThat(db.queryLong("select count(*) from pg_tables where tablename = 'isolation_marker'")).isZero();
        db.execute("create table isolation_marker (owner text)", "insert into isolation_marker values ('second')");
        assertThat(db.name()).contains("isolationsecondtest");
    }
}
