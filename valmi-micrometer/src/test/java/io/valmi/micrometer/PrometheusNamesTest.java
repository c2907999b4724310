package io.valmi.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.SourceMode;
import io.valmi.SyncJob;
import io.valmi.SyncRunner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The names and labels a Prometheus user sees, as README lists them; the registry throws when two meters of one name
 * have different tag keys, which Prometheus does not allow.
 */
class PrometheusNamesTest {

    @Test
    void metricFamiliesAndLabels() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
            .throwExceptionOnRegistrationFailure();
        MemorySource source = new MemorySource().rows(5);
        ScriptedDestination destination = new ScriptedDestination();
        destination.rejectKeys.add(2L);
        try (SyncRunner runner = SyncRunner.builder().listener(MicrometerSyncListener.create(registry)).build()) {
            SyncJob job = SyncJob.builder("customers").source(source).destination(destination)
                .mapping(Mapping.builder().key("id").map("email").sourceMode(SourceMode.INCREMENTAL)
                    .destinationMode(DestinationMode.UPSERT).build())
                .isolateFailures(false).build();
            runner.run(job);
            source.table.put(1L, "changed@example.com");
            destination.failures.add(new DestinationException("401 Unauthorized", null, false));
            runner.run(job);
        }

        String scrape = registry.scrape();
        Map<String, String> families = new TreeMap<>();
        scrape.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.substring(7).split(" "))
            .forEach(f -> families.put(f[0], f[1]));
        assertThat(families).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
            Map.entry("valmi_sync_run_seconds", "summary"),
            Map.entry("valmi_sync_run_seconds_max", "gauge"),
            Map.entry("valmi_sync_run_active_seconds", "summary"),
            Map.entry("valmi_sync_run_active_seconds_max", "gauge"),
            Map.entry("valmi_sync_write_seconds", "summary"),
            Map.entry("valmi_sync_write_seconds_max", "gauge"),
            Map.entry("valmi_sync_rows_delivered_total", "counter"),
            Map.entry("valmi_sync_rows_rejected_total", "counter"),
            Map.entry("valmi_sync_rows_skipped_total", "counter"),
            Map.entry("valmi_sync_rows_invalid_total", "counter"),
            Map.entry("valmi_sync_rows_in_doubt_total", "counter"),
            Map.entry("valmi_sync_rows_quarantined_total", "counter"),
            Map.entry("valmi_sync_retries_total", "counter"),
            Map.entry("valmi_sync_throttles_total", "counter"),
            Map.entry("valmi_sync_splits_total", "counter"),
            Map.entry("valmi_sync_last_success_age_seconds", "gauge"),
            Map.entry("valmi_sync_last_run_duration_seconds", "gauge")));
        String job = "destination_mode=\"upsert\",job_id=\"customers\"";
        assertThat(scrape.lines().toList()).contains(
            "valmi_sync_run_seconds_count{destination_mode=\"upsert\",error=\"none\",job_id=\"customers\","
                + "outcome=\"succeeded\",source_mode=\"incremental\"} 1",
            "valmi_sync_run_seconds_count{destination_mode=\"upsert\",error=\"DestinationException\","
                + "job_id=\"customers\",outcome=\"failed\",source_mode=\"incremental\"} 1",
            "valmi_sync_rows_delivered_total{" + job + ",kind=\"added\",source_mode=\"incremental\"} 4.0",
            "valmi_sync_rows_rejected_total{" + job + ",source_mode=\"incremental\"} 1.0",
            "valmi_sync_rows_in_doubt_total{" + job + ",source_mode=\"incremental\"} 2.0",
            "valmi_sync_rows_invalid_total{" + job + ",reason=\"null_key\",source_mode=\"incremental\"} 0.0",
            "valmi_sync_write_seconds_count{" + job + ",outcome=\"failed\",source_mode=\"incremental\"} 1");
        assertThat(scrape.lines().filter(l -> l.startsWith("valmi_sync_last_success_age_seconds{")).toList())
            .singleElement().asString().startsWith("valmi_sync_last_success_age_seconds{job_id=\"customers\"} ");
        assertThat(List.of("{job=", ",job=", "run_id", "@")).as("no label named job: Prometheus's own target label")
            .noneMatch(scrape::contains);
    }
}
