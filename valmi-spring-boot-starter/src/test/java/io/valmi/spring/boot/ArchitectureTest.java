package io.valmi.spring.boot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of the starter: valmi's public API and Spring Boot's, and the optional parts where they belong. */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi.spring.boot");

    @Test
    void usesValmisPublicApiOnly() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.valmi.internal..", "io.valmi.postgres.internal..", "io.valmi.testing..")
            .check(main);
    }

    @Test
    void dbSchedulerOnlyWhereTheClusterSchedulerIsConfigured() {
        noClasses().that().doNotHaveSimpleName("ClusterScheduling")
            .and().doNotHaveFullyQualifiedName("io.valmi.spring.boot.ValmiAutoConfiguration$Cluster")
            .should().dependOnClassesThat()
            .resideInAnyPackage("io.valmi.dbscheduler..", "com.github.kagkarlsson..")
            .check(main);
    }

    @Test
    void actuatorAndMicrometerOnlyInTheirAutoConfigurations() {
        noClasses().that().doNotHaveSimpleName("ValmiActuatorAutoConfiguration")
            .and().doNotHaveSimpleName("ValmiHealthIndicator").and().doNotHaveSimpleName("ValmiEndpoint")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework.boot.actuate..")
            .check(main);
        noClasses().that().doNotHaveSimpleName("ValmiMetricsAutoConfiguration")
            .should().dependOnClassesThat().resideInAnyPackage("io.valmi.micrometer..", "io.micrometer..")
            .check(main);
    }

    @Test
    void publicTypes() {
        classes().that().arePublic().and().areTopLevelClasses()
            .should().haveSimpleNameStartingWith("Valmi")
            .orShould().haveSimpleName("ScheduledSyncJob").orShould().haveSimpleName("SyncJobState")
            .check(main);
    }
}
