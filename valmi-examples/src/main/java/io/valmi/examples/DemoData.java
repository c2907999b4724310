package io.valmi.examples;

import io.valmi.testing.TestDatabase;

/** The demo schema of the examples: a realistic customers table without any constraint on its key. */
public final class DemoData {
    private DemoData() {
    }

    /**
     * Creates {@code crm.customers} with the given number of customers, plus a row with a NULL key and a second
     * row with key 42.
     *
     * @param db the database
     * @param customers how many customers
     */
    public static void create(TestDatabase db, int customers) {
        db.execute("create schema crm",
            "create table crm.customers (customer_id bigint, email text, full_name text, country text,"
                + " lifetime_value numeric(12,2), signed_up_at timestamptz, notes text)",
            "insert into crm.customers select g, 'customer' || g || '@example.com',"
                + " (array['Ada','Grace','Linus','Margaret','Dennis','Barbara'])[1 + g % 6] || ' ' ||"
                + " (array['Lovelace','Hopper','Torvalds','Hamilton','Ritchie','Liskov'])[1 + (g / 6) % 6],"
                + " (array['DE','FR','IN','US','BR','JP','NG'])[1 + g % 7], round((g * 37 % 10000) / 7.0, 2),"
                + " timestamptz '2023-01-01 00:00:00+00' + g * interval '97 minutes', null"
                + " from generate_series(1, " + customers + ") g",
            "insert into crm.customers values (null, 'nobody@example.com', 'No Key', 'DE', 0, now(), 'NULL key'),"
                + " (42, 'twin@example.com', 'Second Forty-Two', 'FR', 1, now(), 'duplicated key')");
    }

    /**
     * Changes the demo table: 25 new customers, 40 updated, 10 deleted, 100 with new notes (an unmapped column),
     * and the duplicate of key 42 removed.
     *
     * @param db the database
     */
    public static void change(TestDatabase db) {
        db.execute("insert into crm.customers (customer_id, email, full_name, country, lifetime_value, signed_up_at)"
                + " select g, 'new' || g || '@example.com', 'New Customer ' || g, 'US', 0, now()"
                + " from generate_series(1000001, 1000025) g",
            "update crm.customers set lifetime_value = lifetime_value + 10 where customer_id between 100 and 139",
            "delete from crm.customers where customer_id between 200 and 209",
            "update crm.customers set notes = 'called on Monday' where customer_id between 300 and 399",
            "delete from crm.customers where customer_id = 42 and full_name = 'Second Forty-Two'");
    }
}
