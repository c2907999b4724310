package io.valmi.testing;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.WriteResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/** The destination example of README.md, kept compiling and passing the contract kit. */
class WritingADestinationExampleTest extends DestinationContract {

    /** Keeps records in a map, by key. */
    // tag::map-destination[]
    static final class MapDestination implements Destination {
        private final ConcurrentMap<Object, Map<String, Object>> records;

        MapDestination(ConcurrentMap<Object, Map<String, Object>> records) {
            this.records = records;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return DestinationCapabilities.of(DestinationMode.UPSERT, DestinationMode.MIRROR).withMaxBatchSize(500);
        }

        @Override
        public WriteResult write(List<Change> batch) {
            WriteResult.Builder result = WriteResult.builder();
            for (Change change : batch) {
                if (change.kind() == ChangeKind.REMOVED) {
                    records.remove(change.key());                      // removing twice is harmless
                } else if (change.requireRow().size() > 100) {
                    result.reject(change, "more than 100 fields");     // reported, offered again next run
                } else {
                    records.put(change.key(), change.requireRow().toMap()); // by key: a repeat is harmless
                }
            }
            return result.build();
        }
    }
    // end::map-destination[]

    // tag::contract[]
    private final Map<String, ConcurrentMap<Object, Map<String, Object>>> stores = new HashMap<>();

    @Override
    protected Destination newDestination(ContractScenario scenario) {
        return new MapDestination(stores.computeIfAbsent(scenario.id(), id -> new ConcurrentHashMap<>()));
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) {
        return stores.get(scenario.id()).entrySet().stream()
            .map(e -> new HeldRecord(e.getKey(), e.getValue()))
            .collect(Collectors.toList());
    }
    // end::contract[]
}
