package io.valmi.postgres;

import io.valmi.testing.TestDatabase;
import java.util.UUID;

/**
 * A login role for one test (test helper). Roles belong to the whole server, not to the test's database, so a role
 * a test makes outlives it unless dropped: {@link #close()} drops what the role owns in the test database, revokes
 * what it was granted there and on the server ({@code DROP OWNED}), and drops the role. The name ends in a random
 * suffix, so reruns and other tests against the same (possibly external) server never meet it.
 */
final class TestRole implements AutoCloseable {
    private final TestDatabase db;
    private final String name;

    private TestRole(TestDatabase db, String prefix) {
        if (!prefix.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("Role prefix must be a plain lower-case identifier: " + prefix);
        }
        this.db = db;
        this.name = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Creates a login role.
     *
     * @param db the test database, where {@link #close()} drops what the role owns
     * @param prefix the start of the name
     * @param password the role's password
     * @return the role, to close when the test is done with it
     */
    static TestRole create(TestDatabase db, String prefix, String password) {
        TestRole role = new TestRole(db, prefix);
        db.execute("create role " + role.name + " login password '" + password.replace("'", "''") + "'");
        return role;
    }

    /**
     * A unique name for a role the test creates itself (e.g. with a setup script); {@link #close()} drops the role
     * if it exists by then.
     *
     * @param db the test database, where {@link #close()} drops what the role owns
     * @param prefix the start of the name
     * @return the role, to close when the test is done with it
     */
    static TestRole reserve(TestDatabase db, String prefix) {
        return new TestRole(db, prefix);
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        if (db.queryLong("select count(*) from pg_roles where rolname = '" + name + "'") > 0) {
            db.execute("drop owned by " + name, "drop role " + name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
