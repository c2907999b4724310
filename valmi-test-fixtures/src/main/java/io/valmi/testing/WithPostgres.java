package io.valmi.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a fresh database on a real PostgreSQL: declare a {@link TestDatabase} parameter on a test
 * method, a lifecycle method or the constructor.
 *
 * <pre>{@code
 * @WithPostgres
 * class MyTest {
 *     @Test
 *     void works(TestDatabase db) {
 *         db.execute("create table t (id int primary key)");
 *     }
 * }
 * }</pre>
 *
 * <p>The server is shared by the JVM and chosen by {@link ServerChoice#choose}; the database is created before
 * the class's first test and dropped after its last, so test classes never see each other's tables.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PostgresExtension.class)
public @interface WithPostgres {
}
