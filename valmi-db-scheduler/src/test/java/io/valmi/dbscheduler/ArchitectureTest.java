package io.valmi.dbscheduler;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** valmi-db-scheduler uses valmi's public API only, and shows three doors. */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi.dbscheduler");

    @Test
    void usesValmisPublicApiOnly() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.valmi.internal..", "io.valmi.postgres..", "io.valmi.testing..")
            .check(main);
    }

    @Test
    void threePublicTypes() {
        classes().that().arePublic().and().areTopLevelClasses()
            .should().haveSimpleName("ClusterSyncScheduler").orShould().haveSimpleName("SyncTasks")
            .orShould().haveSimpleName("ScheduledTasksTable")
            .check(main);
    }
}
