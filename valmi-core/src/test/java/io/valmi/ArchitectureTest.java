package io.valmi;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi");

    @Test
    void coreHasNoDatabaseCode() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.sql..", "javax.sql..", "org.jooq..", "org.postgresql..", "io.valmi.postgres..")
            .check(main);
    }

    @Test
    void publicApiDoesNotLeakLoggingImplementations() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("ch.qos.logback..", "org.apache.logging..", "java.util.logging..")
            .check(main);
    }
}
