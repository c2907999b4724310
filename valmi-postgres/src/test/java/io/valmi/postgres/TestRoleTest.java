package io.valmi.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import org.junit.jupiter.api.Test;

@WithPostgres
class TestRoleTest {

    private static long roles(TestDatabase db, String name) {
        return db.queryLong("select count(*) from pg_roles where rolname = '" + name + "'");
    }

    @Test
    void closeDropsARoleThatOwnsObjectsAndHoldsPrivileges(TestDatabase db) {
        String name;
        try (TestRole role = TestRole.create(db, "owner", "pw")) {
            name = role.name();
            db.execute("create schema owned_by_role authorization " + name,
                "create table owned_by_role.t (id int)",
                "alter table owned_by_role.t owner to " + name,
                "create table granted_to_role (id int)",
                "grant select, insert on granted_to_role to " + name,
                "grant create on database \"" + db.name() + "\" to " + name,
                "alter default privileges in schema public grant select on tables to " + name);
            assertThat(roles(db, name)).isEqualTo(1);
        }

        assertThat(roles(db, name)).isZero();
        assertThat(db.queryLong("select count(*) from pg_namespace where nspname = 'owned_by_role'")).isZero();
        assertThat(db.queryLong("select count(*) from pg_tables where tablename = 'granted_to_role'")).isEqualTo(1);
    }

    @Test
    void aReservedNameIsDroppedOnlyIfTheTestCreatedIt(TestDatabase db) {
        String created;
        try (TestRole role = TestRole.reserve(db, "scripted")) {
            created = role.name();
            db.execute("create user " + created + " with password 'pw'");
        }
        String neverCreated;
        try (TestRole role = TestRole.reserve(db, "scripted")) {
            neverCreated = role.name();
        }

        assertThat(created).startsWith("scripted_").isNotEqualTo(neverCreated);
        assertThat(roles(db, created)).isZero();
        assertThat(roles(db, neverCreated)).isZero();
    }
}
