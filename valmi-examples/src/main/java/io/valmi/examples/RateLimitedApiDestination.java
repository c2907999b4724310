package io.valmi.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.RateLimit;
import io.valmi.Rejection;
import io.valmi.ThrottledException;
import io.valmi.WriteResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A destination for a rate-limited remote API (a CRM's batch upsert endpoint, say): 100 records a request, 10
 * requests a second, 4 requests at once. It makes one request per {@code write} and says what each answer means; the
 * runner does the rest (retries, pauses, splitting a batch the API refuses for one bad record). The README's section
 * "Writing a destination for a rate-limited API" shows it.
 */
// tag::api-destination[]
public final class RateLimitedApiDestination implements Destination {
    /** The API's quota: shared by every job that writes to this account. */
    private static final RateLimit QUOTA = RateLimit.perSecond(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    private final String token;

    /**
     * A destination writing to one endpoint.
     *
     * @param endpoint the batch upsert endpoint
     * @param token the API token
     */
    public RateLimitedApiDestination(URI endpoint, String token) {
        this.endpoint = endpoint;
        this.token = token;
    }

    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.of(DestinationMode.UPSERT, DestinationMode.MIRROR)
            .withMaxBatchSize(100)      // the API takes 100 records a request
            .withMaxConcurrency(4)      // write() is thread-safe: HttpClient is, and nothing else is shared
            .withRateLimit(QUOTA);
    }

    @Override
    public Set<String> secrets() {
        return Set.of(token);
    }

    @Override
    public WriteResult write(List<Change> batch) throws IOException, InterruptedException {
        ArrayNode records = JSON.createArrayNode();
        for (Change change : batch) {
            ObjectNode record = records.addObject();
            record.put("id", String.valueOf(change.key()));
            record.put("delete", change.kind() == ChangeKind.REMOVED);
            if (change.kind() != ChangeKind.REMOVED) {
                for (Map.Entry<String, Object> field : change.requireRow().toMap().entrySet()) {
                    record.put(field.getKey(), String.valueOf(field.getValue()));
                }
            }
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint)
            .timeout(Duration.ofSeconds(30))  // below the job's writeTimeout (5 minutes by default)
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(records)))
            .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        Duration retryAfter = response.headers().firstValue("Retry-After")
            .map(seconds -> Duration.ofSeconds(Long.parseLong(seconds.trim()))).orElse(null);
        if (status == 429 || (status == 503 && retryAfter != null)) {
            // Slow down: every write sharing QUOTA pauses; no attempt is used up.
            throw new ThrottledException("HTTP " + status, retryAfter == null ? Duration.ofSeconds(1) : retryAfter,
                null);
        }
        if (status >= 500 || status == 408) {
            throw new DestinationException("HTTP " + status + " from " + endpoint, null, true, retryAfter);
        }
        if (status >= 400) {
            // Not retriable: for a batch, the runner splits it to find the records the API refuses; for a single
            // record, this message becomes its rejection reason.
            throw new DestinationException("HTTP " + status + ": " + response.body(), null, false);
        }
        // 200: the API lists the records it refused, e.g. {"errors": [{"id": "42", "message": "invalid email"}]}
        // (A rejection names its change by key value: the id's text names a number or UUID key as well.)
        List<Rejection> rejections = new ArrayList<>();
        for (JsonNode error : JSON.readTree(response.body()).path("errors")) {
            rejections.add(new Rejection(error.path("id").asText(), error.path("message").asText()));
        }
        return WriteResult.rejected(rejections);
    }
}
// end::api-destination[]
