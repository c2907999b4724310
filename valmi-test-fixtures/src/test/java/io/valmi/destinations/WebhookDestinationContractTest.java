package io.valmi.destinations;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.valmi.Destination;
import io.valmi.testing.ContractScenario;
import io.valmi.testing.DestinationContract;
import io.valmi.testing.HeldRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The webhook against a server on 127.0.0.1 that keeps one record set per path and applies each batch as its
 * {@code mode} says; in UPDATE mode it rejects unknown keys through the documented response shape.
 */
class WebhookDestinationContractTest extends DestinationContract {
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Map<String, Map<String, JsonNode>> STORES = new ConcurrentHashMap<>();
    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Map<String, JsonNode> store = STORES.computeIfAbsent(exchange.getRequestURI().getPath(),
                p -> new LinkedHashMap<>());
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String mode = request.get("mode").asText();
            ArrayNode rejected = JSON.createArrayNode();
            for (JsonNode change : request.get("changes")) {
                String key = change.get("key").asText();
                String kind = change.get("kind").asText();
                if (kind.equals("REMOVED")) {
                    store.remove(key);
                } else if (mode.equals("UPDATE") && !store.containsKey(key)) {
                    ObjectNode r = rejected.addObject();
                    r.set("key", change.get("key"));
                    r.put("reason", "no such record");
                } else if (!mode.equals("INSERT") || !store.containsKey(key)) {
                    store.put(key, change);
                }
            }
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().set("rejected", rejected));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Override
    protected Destination newDestination(ContractScenario scenario) {
        return WebhookDestination.builder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"
            + scenario.id())).bearerToken("contract-token").build();
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) {
        List<HeldRecord> records = new ArrayList<>();
        for (JsonNode change : STORES.getOrDefault("/" + scenario.id(), Map.of()).values()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : change.get("fields").properties()) {
                JsonNode v = field.getValue();
                fields.put(field.getKey(), v.isNull() ? null : v.isNumber() ? v.numberValue()
                    : v.isBoolean() ? (Object) v.booleanValue() : v.asText());
            }
            records.add(new HeldRecord(change.get("key").numberValue(), fields));
        }
        return records;
    }
}
