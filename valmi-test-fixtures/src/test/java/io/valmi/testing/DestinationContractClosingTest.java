package io.valmi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.valmi.Change;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationMode;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;

/** The kit closes what its factory creates: after every run it opened it for, and once if it never opened it. */
class DestinationContractClosingTest {

    /** A recording destination that counts its successful opens and its closes, and can fail either. */
    private static final class Counting implements Destination {
        final RecordingDestination inner;
        final String scenarioId;
        int opens;
        int closes;
        boolean failOpen;
        boolean failClose;

        Counting(RecordingDestination inner, String scenarioId) {
            this.inner = inner;
            this.scenarioId = scenarioId;
        }

        @Override
        public DestinationCapabilities capabilities() {
            return inner.capabilities();
        }

        @Override
        public void open(SyncContext context) throws IOException {
            if (failOpen) {
                throw new IOException("open refused");
            }
            inner.open(context);
            opens++;
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            return inner.write(batch);
        }

        @Override
        public void close() throws IOException {
            closes++;
            inner.close();
            if (failClose) {
                throw new IOException("close refused");
            }
        }

        @Override
        public String toString() {
            return scenarioId + ": " + opens + " opens, " + closes + " closes";
        }
    }

    private static List<HeldRecord> held(Destination destination) {
        return ((Counting) destination).inner.state().entrySet().stream()
            .map(e -> new HeldRecord(e.getKey(), e.getValue())).collect(Collectors.toList());
    }

    /** The contract as its users extend it, keeping every destination it creates. */
    private static final class CountingContract extends DestinationContract {
        final List<Counting> created = new ArrayList<>();
        boolean failClose;

        @Override
        protected Destination newDestination(ContractScenario scenario) {
            Counting destination = new Counting(new RecordingDestination(), scenario.id());
            destination.failClose = failClose;
            created.add(destination);
            return destination;
        }

        @Override
        protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) {
            return held(destination);
        }
    }

    private final List<Counting> created = new ArrayList<>();

    private DestinationContractKit kit(Supplier<RecordingDestination> recording) {
        return DestinationContractKit.of(s -> {
            Counting destination = new Counting(recording.get(), s.id());
            created.add(destination);
            return destination;
        }, (d, s) -> held(d));
    }

    @Test
    void closesADestinationOnceForEveryRunItOpenedItFor() {
        DestinationContractKit kit = kit(RecordingDestination::new);

        assertThat(kit.failures(DestinationCapabilities.all())).isEmpty();

        assertThat(created).hasSize(kit.scenarios(DestinationCapabilities.all()).size())
            .allSatisfy(d -> assertThat(d.closes).as(d.toString()).isPositive().isEqualTo(d.opens))
            .anySatisfy(d -> assertThat(d.opens).as("a scenario of more than one run").isGreaterThan(1));
    }

    @Test
    void closesADestinationAlsoWhenItsScenarioFails() {
        List<String> failures = kit(() -> new RecordingDestination().rejectKey(2L, "not today"))
            .failures(DestinationCapabilities.all());

        assertThat(failures).isNotEmpty();
        assertThat(created).allSatisfy(d -> assertThat(d.closes).as(d.toString()).isPositive().isEqualTo(d.opens));
    }

    @Test
    void closesOnceADestinationItNeverOpened() {
        DestinationContractKit updateOnly = kit(() -> new RecordingDestination()
            .capabilities(DestinationCapabilities.of(DestinationMode.UPDATE)));
        assertThat(updateOnly.check(ContractScenario.of(DestinationMode.UPDATE, "changes"))).isFalse();

        DestinationContractKit insertOnly = kit(() -> new RecordingDestination()
            .capabilities(DestinationCapabilities.of(DestinationMode.INSERT)));
        assertThatThrownBy(() -> insertOnly.check(ContractScenario.of(DestinationMode.UPSERT, "adds")))
            .hasMessageContaining("does not declare mode UPSERT");

        DestinationContractKit refusing = DestinationContractKit.of(s -> {
            Counting destination = new Counting(new RecordingDestination(), s.id());
            destination.failOpen = true;
            created.add(destination);
            return destination;
        }, (d, s) -> held(d));
        assertThatThrownBy(() -> refusing.check(ContractScenario.of(DestinationMode.UPSERT, "adds")))
            .hasMessage("[UPSERT] adds: run 1 (UPSERT): open failed: java.io.IOException: open refused");

        assertThat(created).hasSize(3).allSatisfy(d -> {
            assertThat(d.opens).as(d.toString()).isZero();
            assertThat(d.closes).as(d.toString()).isEqualTo(1);
        });
    }

    @Test
    void aFailingCloseIsReportedButNeverHidesTheScenariosFailure() {
        DestinationContractKit failingClose = DestinationContractKit.of(s -> {
            Counting destination = new Counting(new RecordingDestination().rejectKey(2L, "not today"), s.id());
            destination.failClose = true;
            return destination;
        }, (d, s) -> held(d));
        assertThatThrownBy(() -> failingClose.check(ContractScenario.of(DestinationMode.UPSERT, "adds")))
            .hasMessageContaining("rejected key 2 (not today)")
            .satisfies(e -> assertThat(e.getSuppressed()).singleElement().extracting(Throwable::getMessage)
                .isEqualTo("[UPSERT] adds: run 1 (UPSERT): close failed: java.io.IOException: close refused"));

        DestinationContractKit onlyCloseFails = DestinationContractKit.of(s -> {
            Counting destination = new Counting(new RecordingDestination()
                .capabilities(DestinationCapabilities.of(DestinationMode.UPDATE)), s.id());
            destination.failClose = true;
            return destination;
        }, (d, s) -> held(d));
        assertThatThrownBy(() -> onlyCloseFails.check(ContractScenario.of(DestinationMode.UPDATE, "changes")))
            .hasMessageStartingWith("[UPDATE] changes: close failed: java.io.IOException: close refused")
            .hasMessageContaining("never opened");
    }

    @Test
    void theContractClosesItsProbeAndEveryScenariosDestination() throws Throwable {
        CountingContract contract = new CountingContract();

        List<DynamicTest> tests = contract.destinationContract().flatMap(DestinationContractClosingTest::leaves)
            .collect(Collectors.toList());

        assertThat(contract.created).singleElement().satisfies(probe -> {
            assertThat(probe.scenarioId).isEqualTo("probe");
            assertThat(probe.opens).isZero();
            assertThat(probe.closes).isEqualTo(1);
        });
        for (DynamicTest test : tests) {
            test.getExecutable().execute();
        }
        assertThat(contract.created.subList(1, contract.created.size())).hasSize(tests.size())
            .allSatisfy(d -> assertThat(d.closes).as(d.toString()).isPositive().isEqualTo(d.opens));
    }

    @Test
    void aProbeThatFailsToCloseFailsTheContractNamingTheFix() {
        CountingContract contract = new CountingContract();
        contract.failClose = true;

        assertThatThrownBy(contract::destinationContract).isInstanceOf(AssertionError.class)
            .hasMessageStartingWith("[UPSERT] probe: close failed: java.io.IOException: close refused")
            .hasMessageContaining("close() must allow that");
        assertThat(contract.created).singleElement().extracting(d -> d.closes).isEqualTo(1);
    }

    private static Stream<DynamicTest> leaves(DynamicNode node) {
        return node instanceof DynamicContainer
            ? ((DynamicContainer) node).getChildren().flatMap(DestinationContractClosingTest::leaves)
            : Stream.of((DynamicTest) node);
    }
}
