package io.valmi.micrometer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of valmi-micrometer: valmi-core's API and Micrometer's, nothing else of valmi. */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi.micrometer");

    @Test
    void usesValmiCoresApiOnly() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.valmi.internal..", "io.valmi.testing..", "io.valmi.postgres..",
                "io.valmi.destinations..")
            .check(main);
    }

    @Test
    void usesMicrometersApiNotItsInternals() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.micrometer.core.instrument.internal..", "io.micrometer.core.instrument.simple..",
                "io.micrometer.core.instrument.composite..", "io.micrometer.prometheusmetrics..")
            .check(main);
    }

    @Test
    void theOnlyPublicTypesAreTheListenerAndItsObservation() {
        classes().that().arePublic().and().areTopLevelClasses()
            .should().haveSimpleName("MicrometerSyncListener")
            .orShould().haveSimpleNameStartingWith("SyncRunObservation")
            .orShould().haveSimpleName("DefaultSyncRunObservationConvention")
            .check(main);
    }
}
