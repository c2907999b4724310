package io.valmi.postgres;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering of valmi-postgres: the API package reaches its implementation through one door and renders no SQL;
 * no module uses another's internals.
 */
class ArchitectureTest {
    private final JavaClasses main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.valmi.postgres");

    @Test
    void theApiReachesItsImplementationThroughOneDoor() {
        noClasses().that().resideInAPackage("io.valmi.postgres")
            .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                "internal classes other than Postgres and TableWriter",
                c -> c.getPackageName().startsWith("io.valmi.postgres.internal")
                    && !c.getName().equals("io.valmi.postgres.internal.Postgres")
                    && !c.getName().equals("io.valmi.postgres.internal.TableWriter")))
            .check(main);
    }

    @Test
    void theApiRendersNoSql() {
        noClasses().that().resideInAPackage("io.valmi.postgres")
            .should().dependOnClassesThat().resideInAnyPackage("org.jooq.impl..", "java.sql..")
            .check(main);
    }

    @Test
    void theImplementationIsPackagePrivateButItsDoors() {
        classes().that().resideInAPackage("io.valmi.postgres.internal").and().arePublic()
            .and().areTopLevelClasses()
            .should().haveSimpleNameEndingWith("Postgres").orShould().haveSimpleName("TableWriter")
            .orShould().haveSimpleName("JobTables").orShould().haveSimpleName("KeepAliveSocketFactory")
            .check(main);
    }

    @Test
    void noModuleUsesAnothersInternals() {
        noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.valmi.internal..", "io.valmi.testing..")
            .check(main);
    }
}
