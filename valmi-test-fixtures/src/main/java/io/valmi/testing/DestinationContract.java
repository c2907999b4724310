package io.valmi.testing;

import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The destination contract as a JUnit 5 test class: extend it, say how to create your destination and how to
 * read back what it holds, and every scenario of {@link DestinationContractKit} runs for every mode the
 * destination declares, each as its own test.
 *
 * <pre>{@code
 * class MyDestinationContractTest extends DestinationContract {
 *     private final Map<String, MyStore> stores = new HashMap<>();
 *
 *     @Override
 *     protected Destination newDestination(ContractScenario scenario) {
 *         return new MyDestination(stores.computeIfAbsent(scenario.id(), id -> new MyStore()));
 *     }
 *
 *     @Override
 *     protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) {
 *         return stores.get(scenario.id()).all().stream()
 *             .map(r -> new HeldRecord(r.id(), r.fields()))
 *             .collect(Collectors.toList());
 *     }
 * }
 * }</pre>
 *
 * <p>The rows carry the fields of {@link ContractScenario#FIELD_TYPES} under {@code Long} keys. A failure names the
 * mode, the scenario, the run and batch, and each field that differed.
 */
public abstract class DestinationContract {

    /** For subclasses. */
    protected DestinationContract() {
    }

    /**
     * Creates a destination that holds nothing yet, for one scenario.
     *
     * @param scenario the scenario; its {@link ContractScenario#id()} names a place of its own
     * @return the destination
     * @throws Exception when it cannot be created
     */
    protected abstract Destination newDestination(ContractScenario scenario) throws Exception;

    /**
     * Reads back every record the destination of a scenario holds now.
     *
     * @param destination the destination {@link #newDestination(ContractScenario)} returned for the scenario
     * @param scenario the scenario
     * @return the records, a record held twice listed twice
     * @throws Exception when it cannot be read
     */
    protected abstract List<HeldRecord> readBack(Destination destination, ContractScenario scenario) throws Exception;

    /**
     * The capabilities whose modes are checked. The default asks a destination created for a probe scenario
     * (id {@code probe}), which is never opened, and closes it.
     *
     * @return the capabilities
     * @throws Exception when the probe destination cannot be created
     * @throws AssertionError when the probe's {@code close()} fails
     */
    protected DestinationCapabilities capabilities() throws Exception {
        ContractScenario probe = new ContractScenario("probe", "probe", DestinationMode.UPSERT,
            ContractScenario.mapping(DestinationMode.UPSERT));
        Destination destination = newDestination(probe);
        DestinationCapabilities capabilities;
        try {
            capabilities = destination.capabilities();
        } catch (RuntimeException | Error e) {
            DestinationContractKit.close(destination, e, probe.toString(), false);
            throw e;
        }
        DestinationContractKit.close(destination, null, probe.toString(), false);
        return capabilities;
    }

    /**
     * The contract: one container per declared mode, one test per scenario.
     *
     * @return the dynamic tests
     * @throws Exception when the capabilities cannot be read
     */
    @TestFactory
    public final Stream<DynamicNode> destinationContract() throws Exception {
        DestinationContractKit kit = DestinationContractKit.of(this::newDestination, this::readBack);
        return kit.dynamicTests(capabilities());
    }
}
