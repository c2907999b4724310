package io.valmi.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of valmi-test-fixtures: built on valmi-core's API only, never on another module's internals. */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi");

    @Test
    void noModuleUsesAnothersInternals() {
        noClasses().that().resideInAPackage("io.valmi.testing..")
            .should().dependOnClassesThat().resideInAnyPackage("io.valmi.internal..", "io.valmi.postgres..")
            .check(main);
    }
}
