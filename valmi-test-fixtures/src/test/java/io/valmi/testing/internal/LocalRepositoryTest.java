package io.valmi.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local repository is found where Maven would look for it. */
class LocalRepositoryTest {
    @TempDir
    Path home;

    private Properties properties(String... keysAndValues) {
        Properties p = new Properties();
        p.setProperty("user.home", home.toString());
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return p;
    }

    private static void settings(Path file, String localRepository) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "<?xml version=\"1.0\"?>\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\">\n"
            + "  <localRepository>" + localRepository + "</localRepository>\n</settings>\n");
    }

    @Test
    void withoutAnySettingItIsTheUsersM2Repository() {
        assertThat(LocalRepository.find(properties(), Map.of())).isEqualTo(home.resolve(".m2/repository"));
    }

    @Test
    void theUsersSettingsXmlIsReadWithItsExpressions() throws IOException {
        settings(home.resolve(".m2/settings.xml"), "${env.CACHE}/m2/${user.name.missing}");
        assertThat(LocalRepository.find(properties(), Map.of("CACHE", "/cache")))
            .isEqualTo(Path.of("/cache/m2/${user.name.missing}"));
    }

    @Test
    void theInstallationsSettingsXmlCountsWhenTheUserHasNone() throws IOException {
        Path maven = home.resolve("maven");
        settings(maven.resolve("conf/settings.xml"), "${user.home}/global-repo");
        assertThat(LocalRepository.find(properties(), Map.of("MAVEN_HOME", maven.toString())))
            .isEqualTo(home.resolve("global-repo"));
    }

    @Test
    void mavenRepoLocalWinsOverSettingsXml() throws IOException {
        settings(home.resolve(".m2/settings.xml"), "/from-settings");
        assertThat(LocalRepository.find(properties("maven.repo.local", "/from-property"), Map.of()))
            .isEqualTo(Path.of("/from-property"));
    }

    @Test
    void anUnreadableSettingsXmlIsPassedOver() throws IOException {
        Files.createDirectories(home.resolve(".m2"));
        Files.writeString(home.resolve(".m2/settings.xml"), "<settings><localRepository>");
        assertThat(LocalRepository.find(properties(), Map.of())).isEqualTo(home.resolve(".m2/repository"));
    }
}
