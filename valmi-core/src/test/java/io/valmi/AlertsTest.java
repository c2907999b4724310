package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AlertsTest {

    @Test
    void failuresRecoveriesAndThresholdsBecomeAlerts() {
        List<Alerts.Alert> alerts = new ArrayList<>();
        AtomicBoolean broken = new AtomicBoolean(true);
        InMemorySource source = new InMemorySource("id", "name").rows(4);
        Destination destination = batch -> {
            if (broken.get()) {
                throw new DestinationException("HTTP 401: token revoked", null, false);
            }
            WriteResult.Builder result = WriteResult.builder();
            for (Change c : batch) {
                if (c.key().equals(2L) || c.key().equals(3L)) {
                    result.reject(c, "invalid e-mail");
                }
            }
            return result.build();
        };
        SyncRunner runner = SyncRunner.builder().listener(Alerts.builder(alerts::add).rejectedAbove(1).invalidAbove(0)
            .build()).listener(Alerts.builder(a -> {
                throw new IllegalStateException("the pager is down");
            }).build()).build();
        SyncJob job = SyncJob.builder("alerted").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("name").build()).isolateFailures(false)
            .retryPolicy(RetryPolicy.none()).build();

        runner.run(job);
        runner.run(job);
        assertThat(alerts).extracting(Alerts.Alert::kind, Alerts.Alert::consecutiveFailures)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(Alerts.Kind.FAILED, 1),
                org.assertj.core.groups.Tuple.tuple(Alerts.Kind.FAILED, 2));
        assertThat(alerts.get(1).summary()).contains("Sync job 'alerted' failed (2 runs in a row)")
            .contains("HTTP 401: token revoked");

        broken.set(false);
        source.invalid.put(InvalidReason.NULL_KEY, 1L);
        runner.run(job);
        assertThat(alerts.subList(2, alerts.size())).extracting(Alerts.Alert::kind)
            .containsExactly(Alerts.Kind.RECOVERED, Alerts.Kind.REJECTIONS, Alerts.Kind.INVALID_ROWS);
        assertThat(alerts.get(2).summary()).isEqualTo("Sync job 'alerted' recovered after 2 failed runs: 2 delivered");
        assertThat(alerts.get(3).summary()).contains("rejected 2 of 4 changes").contains("invalid e-mail");
        assertThat(alerts.get(4).summary()).contains("1 rows are invalid");

        // A quiet run alerts nothing.
        alerts.clear();
        source.invalid.clear();
        runner.run(job);
        assertThat(alerts).extracting(Alerts.Alert::kind).containsExactly(Alerts.Kind.REJECTIONS);
    }
}
