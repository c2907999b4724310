package io.valmi.examples;

import io.valmi.InvalidReason;
import io.valmi.InvalidRow;
import io.valmi.Rejection;
import io.valmi.SyncCounts;
import io.valmi.SyncResult;
import java.io.PrintStream;

/** Prints a short, readable report of a run. */
public final class RunReport {
    private RunReport() {
    }

    /**
     * Prints the report.
     *
     * @param title what the run was
     * @param result its result
     * @param output where the changes went
     * @param out where to print
     */
    public static void print(String title, SyncResult result, String output, PrintStream out) {
        SyncCounts c = result.counts();
        out.println();
        out.println("== " + title + ": " + result.status() + " in " + result.duration().toMillis() + " ms ==");
        out.printf("  planned    %,8d   (added %,d, changed %,d, unchanged %,d, removed %,d)%n", c.planned(), c.added(),
            c.changed(), c.unchanged(), c.removed());
        out.printf("  delivered  %,8d   rejected %,d, skipped by mode %,d, in doubt %,d%n", c.delivered(), c.rejected(),
            c.skipped(), c.inDoubt());
        out.printf("  invalid    %,8d   (NULL key %,d, duplicated key %,d): never sent, checked again next run%n",
            c.invalidTotal(), c.invalid(InvalidReason.NULL_KEY), c.invalid(InvalidReason.DUPLICATE_KEY));
        for (InvalidRow row : result.invalidSamples()) {
            out.println("    - " + row.reason() + (row.key() == null ? "" : " key=" + row.key()) + "  " + row.detail());
        }
        for (Rejection r : result.rejectionSamples()) {
            out.println("    - rejected key=" + r.key() + ": " + r.reason());
        }
        out.println("  output     " + output);
        if (result.error() != null) {
            out.println("  error      " + result.error().getMessage());
        }
    }
}
