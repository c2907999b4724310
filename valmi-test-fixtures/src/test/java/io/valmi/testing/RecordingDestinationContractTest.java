package io.valmi.testing;

import io.valmi.Destination;
import java.util.List;
import java.util.stream.Collectors;

/** The recording destination keeps the contract it helps others check. */
class RecordingDestinationContractTest extends DestinationContract {
    @Override
    protected Destination newDestination(ContractScenario scenario) {
        return new RecordingDestination();
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) {
        return ((RecordingDestination) destination).state().entrySet().stream()
            .map(e -> new HeldRecord(e.getKey(), e.getValue()))
            .collect(Collectors.toList());
    }
}
