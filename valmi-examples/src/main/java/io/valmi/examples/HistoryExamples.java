package io.valmi.examples;

import io.valmi.postgres.JobHistory;
import io.valmi.postgres.JobState;
import io.valmi.postgres.PostgresSource;
import io.valmi.postgres.RejectedKey;
import io.valmi.postgres.RunRecord;
import io.valmi.postgres.SyncLogEntry;
import java.io.PrintStream;

/** The README's code for a job's run history and sync log: compiled (and run by HistoryExamplesTest). */
final class HistoryExamples {
    private HistoryExamples() {
    }

    static void print(PostgresSource source, PrintStream out) {
        // tag::history[]
        JobHistory history = source.history("customers-to-crm");
        JobState state = history.state();
        out.printf("last success %s, %d rows known%n", state.lastSuccessAt(), state.rowsKnown());
        for (RunRecord run : history.runs(20)) {    // newest first; history.runs(20, lastRunId) for the next page
            out.printf("%s %s: %d delivered, %d rejected in %s%s%n", run.finishedAt(), run.status(),
                run.counts().delivered(), run.counts().rejected(), run.duration(),
                run.error() == null ? "" : ": " + run.error());
        }
        for (RejectedKey key : history.rejectedKeys(10)) {
            out.printf("key %s rejected on %d runs: %s%n", key.key(), key.rejections(), key.reason());
        }
        for (SyncLogEntry sent : history.log("42", 5)) {    // jobs with SyncJob.Builder.syncLog(true)
            out.printf("%s %s %s %s%n", sent.loggedAt(), sent.kind(), sent.outcome(),
                sent.reason() == null ? "" : sent.reason());
        }
        // end::history[]
    }
}
