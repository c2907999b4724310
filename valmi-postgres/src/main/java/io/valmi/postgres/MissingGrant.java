package io.valmi.postgres;

/**
 * A privilege the database user lacks, and the statement (to be run by an administrator) that grants it.
 *
 * @param problem what the user cannot do, e.g. {@code cannot SELECT from "public"."orders"}
 * @param fix the SQL that fixes it, e.g. {@code GRANT SELECT ON "public"."orders" TO "valmi";}
 */
public record MissingGrant(String problem, String fix) {
    @Override
    public String toString() {
        return problem + ": run " + fix;
    }
}
