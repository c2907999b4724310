package io.valmi.postgres;

import io.valmi.Destination;
import io.valmi.testing.ContractScenario;
import io.valmi.testing.DestinationContract;
import io.valmi.testing.HeldRecord;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.sql.SQLException;
import java.util.List;

/** The contract against tables (and a schema) the destination creates itself from the first batch. */
@WithPostgres
class PostgresTableDestinationCreatedTableContractTest extends DestinationContract {
    private final TestDatabase db;

    PostgresTableDestinationCreatedTableContractTest(TestDatabase db) {
        this.db = db;
    }

    @Override
    protected Destination newDestination(ContractScenario scenario) {
        return PostgresTableDestination.builder(db.dataSource()).schema("created").table(scenario.id())
            .createTable(true).build();
    }

    @Override
    protected List<HeldRecord> readBack(Destination destination, ContractScenario scenario) throws SQLException {
        return TargetTables.read(db.dataSource(), "created", scenario.id(), ContractScenario.KEY);
    }
}
