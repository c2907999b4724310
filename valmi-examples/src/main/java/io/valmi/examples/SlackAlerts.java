package io.valmi.examples;

import io.valmi.Alerts;
import io.valmi.SyncListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts of sync runs posted to a Slack incoming webhook: failures (the first of a series only), recoveries, and runs
 * with more than 100 rejections or any invalid row. Add the listener to a runner:
 * {@code SyncRunner.builder().listener(SlackAlerts.listener(URI.create(System.getenv("SLACK_WEBHOOK_URL")))).build()}.
 */
public final class SlackAlerts {
    private static final Logger log = LoggerFactory.getLogger(SlackAlerts.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SlackAlerts() {
    }

    /**
     * The listener.
     *
     * @param webhook the Slack incoming webhook's URL (a secret: it is never logged here)
     * @return a listener for {@code SyncRunner.Builder.listener}
     */
    public static SyncListener listener(URI webhook) {
        return Alerts.builder(alert -> {
            if (alert.kind() == Alerts.Kind.FAILED && alert.consecutiveFailures() > 1) {
                return; // paged on the first failure already
            }
            String text = (alert.kind() == Alerts.Kind.RECOVERED ? ":white_check_mark: " : ":rotating_light: ")
                + alert.summary();
            String json = "{\"text\":\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"}";
            HTTP.sendAsync(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> {
                    if (error != null || response.statusCode() >= 300) {
                        log.warn("Slack did not take the alert ({}): {}", error != null ? error.toString()
                            : "HTTP " + response.statusCode(), alert.summary());
                    }
                });
        }).rejectedAbove(100).invalidAbove(0).build();
    }
}
