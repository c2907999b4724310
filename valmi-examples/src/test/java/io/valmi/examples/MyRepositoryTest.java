package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

// The README's fixture example, compiled and run.
// tag::fixture[]
@WithPostgres
class MyRepositoryTest {
    @Test
    void works(TestDatabase db) {
        db.execute("create table t (id int primary key)");
        assertThat(db.queryLong("select count(*) from t")).isZero();
    }
}
// end::fixture[]
