package io.valmi.examples;

import io.valmi.SyncContext;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import java.io.PrintStream;

/**
 * A console progress bar with the throughput and the time left, redrawn after every batch: an example of a
 * {@link SyncListener}.
 */
public final class ProgressBar implements SyncListener {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private boolean drawn;

    /**
     * Draws on the given stream.
     *
     * @param out usually {@code System.out}
     */
    public ProgressBar(PrintStream out) {
        this.out = out;
    }

    @Override
    public void batchDelivered(SyncContext context, Progress progress) {
        int filled = (int) Math.round(progress.fraction() * WIDTH);
        String eta = progress.eta().map(left -> left.toSeconds() + " s").orElse("-");
        long answered = progress.delivered() + progress.rejected();
        out.printf("\r  delivering [%s%s] %3d%%  %,d of %,d  %,.0f rows/s, ETA %s   ", "#".repeat(filled),
            " ".repeat(WIDTH - filled), Math.round(progress.fraction() * 100), answered, progress.toSend(),
            progress.rowsPerSecond(), eta);
        out.flush();
        drawn = true;
    }

    @Override
    public void runFinished(SyncResult result) {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }
}
