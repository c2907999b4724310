package io.valmi.examples.boot;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.Row;
import io.valmi.WriteResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A stand-in for a CRM's API: contacts by key, in memory. */
public class InMemoryCrm implements Destination {
    private final Map<Object, Row> contacts = new ConcurrentHashMap<>();

    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.of(DestinationMode.UPSERT, DestinationMode.MIRROR);
    }

    @Override
    public WriteResult write(List<Change> batch) {
        for (Change change : batch) {
            if (change.kind() == ChangeKind.REMOVED) {
                contacts.remove(change.key());
            } else {
                Row row = change.row();
                if (row != null) {
                    contacts.put(change.key(), row);
                }
            }
        }
        return WriteResult.ok();
    }

    /**
     * The contacts the CRM holds.
     *
     * @return contacts by key
     */
    public Map<Object, Row> contacts() {
        return Map.copyOf(contacts);
    }
}
