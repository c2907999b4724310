package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import java.nio.charset.StandardCharsets;

/**
 * PostgreSQL's limits on names, checked before a name is used. PostgreSQL cuts a longer name to its first 63 bytes
 * ({@code NAMEDATALEN - 1}) without an error, so a schema created under a long name is not found by that name again;
 * and no name can hold NUL.
 */
final class Identifiers {
    /** The longest name PostgreSQL keeps whole, in bytes (its default {@code NAMEDATALEN} is 64, with the NUL). */
    public static final int MAX_BYTES = 63;

    private Identifiers() {
    }

    /**
     * Refuses a name PostgreSQL cannot hold as given: one with NUL, or longer than {@value #MAX_BYTES} bytes in UTF-8.
     *
     * @param name the name
     * @param what what it names, for the message (e.g. "bookkeeping schema")
     * @param fix what to do when it is too long, for the message
     * @throws ConfigurationException naming the name, the rule and the fix
     */
    public static void check(String name, String what, String fix) {
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            throw new ConfigurationException("The " + what + " name \"" + printable(name) + "\" contains NUL (U+0000 at"
                + " index " + nul + "), which no PostgreSQL name can hold: remove it");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new ConfigurationException("The " + what + " name \"" + name + "\" is " + bytes + " bytes in UTF-8;"
                + " PostgreSQL names are at most " + MAX_BYTES + " bytes (it cuts longer ones to " + MAX_BYTES
                + " bytes): " + fix);
        }
    }

    private static String printable(String name) {
        return name.replace("\0", "\\u0000");
    }
}
