package io.valmi.destinations;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.valmi.Destination;
import io.valmi.DestinationMode;
import io.valmi.testing.ContractScenario;
import io.valmi.testing.DestinationContract;
import io.valmi.testing.HeldRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The JSON Lines file, replayed by key as its reader would, holds what the contract demands. */
class JsonLinesDestinationContractTest extends DestinationContract {
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @TempDir
    Path dir;

    @Override
    protected Destination newDestination(ContractScenario scenario) {
        return JsonLinesDestination.toFile(dir.resolve(scenario.id() + ".jsonl"));
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) throws IOException {
        Map<String, HeldRecord> state = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve(scenario.id() + ".jsonl"))) {
            JsonNode change = JSON.readTree(line);
            Object key = value(change.get("key"));
            String id = change.get("key").asText();
            if (change.get("kind").asText().equals("REMOVED")) {
                state.remove(id);
            } else if (scenario.mode() != DestinationMode.INSERT || !state.containsKey(id)) {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> field : change.get("fields").properties()) {
                    fields.put(field.getKey(), value(field.getValue()));
                }
                state.put(id, new HeldRecord(key, fields));
            }
        }
        return new ArrayList<>(state.values());
    }

    private static Object value(JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(e -> list.add(value(e)));
            return list;
        }
        return node.asText();
    }

}
