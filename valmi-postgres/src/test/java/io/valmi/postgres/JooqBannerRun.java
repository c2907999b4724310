package io.valmi.postgres;

import io.valmi.Mapping;
import io.valmi.SyncJob;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A sync in a fresh JVM, for {@link JooqBannerTest}: jOOQ logs its banner once per JVM, so only a process of its own
 * shows what the first run of an application logs. Prints the run's status and whether jOOQ's banner properties are
 * set after it.
 */
public final class JooqBannerRun {
    private JooqBannerRun() {
    }

    /**
     * Runs one sync.
     *
     * @param args {@code application-first} (the application's own jOOQ renders a query before the sync, as an
     *     application that uses jOOQ itself would) or {@code valmi-only}; JDBC URL, user, password ("-" for none),
     *     source table
     */
    public static void main(String[] args) {
        if (args[0].equals("application-first")) {
            System.out.println("APPLICATION SQL " + DSL.using(SQLDialect.POSTGRES).render(DSL.selectOne()));
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[1]);
        ds.setUser(args[2]);
        if (!args[3].equals("-")) {
            ds.setPassword(args[3]);
        }
        PostgresSource source = Syncs.source(ds, "public", args[4]);
        SyncResult result = SyncRunner.create().run(SyncJob.builder("jooq-banner-" + args[0]).source(source)
            .destination(new CollectingDestination()).mapping(Mapping.builder().key("id").map("v").build()).build());
        System.out.println("STATUS " + result.status() + " " + result.counts().delivered());
        System.out.println("PROPERTIES " + System.getProperty("org.jooq.no-logo") + " "
            + System.getProperty("org.jooq.no-tips"));
        System.exit(0);
    }
}
