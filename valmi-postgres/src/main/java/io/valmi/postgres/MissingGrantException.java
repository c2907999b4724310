package io.valmi.postgres;

import io.valmi.ConfigurationException;
import java.util.List;

/**
 * The database user lacks privileges a sync needs. Thrown before anything is read or written; the message lists
 * each missing privilege with the GRANT that fixes it.
 */
public class MissingGrantException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    private final transient List<MissingGrant> missing;

    /**
     * Creates the exception.
     *
     * @param user the database user
     * @param what what was attempted, e.g. {@code sync job 'orders'}
     * @param missing the missing privileges
     */
    public MissingGrantException(String user, String what, List<MissingGrant> missing) {
        super(message(user, what, missing));
        this.missing = List.copyOf(missing);
    }

    private static String message(String user, String what, List<MissingGrant> missing) {
        StringBuilder sb = new StringBuilder("The database user \"").append(user).append("\" lacks privileges for ")
            .append(what).append(". Ask an administrator to run:");
        for (MissingGrant m : missing) {
            sb.append("\n  ").append(m.fix()).append("   -- ").append(m.problem());
        }
        sb.append("\n(PostgresPermissions.setupScript prints the complete setup.)");
        return sb.toString();
    }

    /**
     * The missing privileges.
     *
     * @return each with its fix
     */
    public List<MissingGrant> missing() {
        return missing;
    }
}
