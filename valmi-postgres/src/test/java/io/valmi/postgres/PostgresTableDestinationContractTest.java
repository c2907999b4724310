package io.valmi.postgres;

import io.valmi.Destination;
import io.valmi.testing.ContractScenario;
import io.valmi.testing.DestinationContract;
import io.valmi.testing.HeldRecord;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract against tables the test creates with exact types, in a second database of the server (the target is
 * usually another database than the source).
 */
@WithPostgres
class PostgresTableDestinationContractTest extends DestinationContract {
    private static TestDatabase target;

    @BeforeAll
    static void createTargetDatabase(TestDatabase source) {
        target = source.server().createDatabase("contract_target");
        target.execute("create schema \"Target Schema\"");
    }

    @AfterAll
    static void dropTargetDatabase() {
        target.close();
    }

    @Override
    protected Destination newDestination(ContractScenario scenario) {
        target.execute("create table \"Target Schema\"." + TargetTables.quote(scenario.id()) + " (customer_id bigint "
            + "primary key, name text, amount numeric, quantity bigint, ratio double precision, active boolean, "
            + "day date, local_at timestamp, updated_at timestamptz)");
        return PostgresTableDestination.builder(target.dataSource()).schema("Target Schema").table(scenario.id())
            .keyColumn("customer_id").build();
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) throws SQLException {
        return TargetTables.read(target.dataSource(), "Target Schema", scenario.id(), "customer_id");
    }
}
