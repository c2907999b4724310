package io.valmi.examples;

import io.valmi.Alerts;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RunHandle;
import io.valmi.Source;
import io.valmi.SyncContext;
import io.valmi.SyncJob;
import io.valmi.SyncListener;
import io.valmi.SyncResult;
import io.valmi.SyncRunner;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The README's code for a rate-limited destination's job, and for alerts: compiled, so that it stays true. */
final class DeliveryExamples {
    private static final Logger log = LoggerFactory.getLogger(DeliveryExamples.class);

    private DeliveryExamples() {
    }

    static SyncResult rateLimitedJob(Source source, String token) {
        // tag::api-job[]
        SyncJob job = SyncJob.builder("contacts-to-crm").source(source)
            .destination(new RateLimitedApiDestination(URI.create("https://crm.example.com/v1/contacts/batch"), token))
            .mapping(Mapping.builder().key("id").map("email").map("name").destinationMode(DestinationMode.UPSERT)
                .build())
            .concurrency(4)
            .build();
        SyncRunner runner = SyncRunner.builder().listener(new SyncListener() {
            @Override
            public void batchDelivered(SyncContext context, Progress p) {
                log.info("{} of {} changes, {} rows/s, ETA {}", p.delivered() + p.rejected(), p.toSend(),
                    Math.round(p.rowsPerSecond()), p.eta().map(Duration::toString).orElse("?"));
            }
        }).build();
        RunHandle run = runner.start(job);      // run.cancel(Duration.ofSeconds(30)) stops it gracefully
        SyncResult result = run.join();
        // end::api-job[]
        return result;
    }

    static SyncRunner alerting(Consumer<String> pager) {
        // tag::alerts[]
        SyncRunner runner = SyncRunner.builder()
            .listener(Alerts.builder(alert -> pager.accept(alert.summary()))   // FAILED, RECOVERED, REJECTIONS, ...
                .rejectedAbove(100).invalidAbove(0).build())
            .build();
        // end::alerts[]
        return runner;
    }
}
