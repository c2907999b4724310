package io.valmi.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's Java blocks are the compiled code of the examples, line for line. */
class ReadmeTest {
    private static final Path ROOT = Path.of("..");
    private static final Path FIXTURE_EXAMPLE =
        ROOT.resolve("valmi-test-fixtures/src/test/java/io/valmi/testing/WritingADestinationExampleTest.java");
    private static final Path DB_SCHEDULER_EXAMPLE =
        ROOT.resolve("valmi-db-scheduler/src/test/java/io/valmi/dbscheduler/ReadmeExample.java");

    static String region(Path file, String tag) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        boolean in = false;
        int indent = 0;
        for (String line : lines) {
            if (line.contains("// tag::" + tag + "[]")) {
                in = true;
                indent = line.indexOf("//");
                continue;
            }
            if (line.contains("// end::" + tag + "[]")) {
                break;
            }
            if (in) {
                out.add(line.length() >= indent ? line.substring(indent) : line.strip());
            }
        }
        return String.join("\n", out);
    }

    static List<String> javaBlocks() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1).stripTrailing());
        }
        return blocks;
    }

    @Test
    void quickStartBlockIsTheCompiledExample() throws IOException {
        String code = region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/ReadmeQuickStart.java"),
            "quickstart");
        assertThat(code).contains("SyncRunner.create().run(job)");
        assertThat(javaBlocks()).contains(code);
    }

    @Test
    void customDestinationBlockIsTheCompiledExample() throws IOException {
        String code = region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/CsvDestination.java"),
            "destination");
        assertThat(code).contains("implements Destination");
        assertThat(code.lines().count()).isLessThan(40);
        assertThat(javaBlocks()).contains(code);
    }

    @Test
    void everyJavaBlockIsCompiledCode() throws IOException {
        List<String> compiled = List.of(
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/ReadmeQuickStart.java"), "quickstart"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/CsvDestination.java"), "destination"),
            region(ROOT.resolve("valmi-examples/src/test/java/io/valmi/examples/MyRepositoryTest.java"), "fixture"),
            region(ROOT.resolve("valmi-examples/src/test/java/io/valmi/examples/HikariTimeoutsTest.java"), "hikari"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/RateLimitedApiDestination.java"),
                "api-destination"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/DeliveryExamples.java"), "api-job"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/DeliveryExamples.java"), "alerts"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/HistoryExamples.java"), "history"),
            region(ROOT.resolve("valmi-examples/src/main/java/io/valmi/examples/QueryExamples.java"), "query"),
            region(ROOT.resolve("valmi-micrometer/src/test/java/io/valmi/micrometer/ReadmeExampleTest.java"),
                "metrics"),
            region(ROOT.resolve("valmi-micrometer/src/test/java/io/valmi/micrometer/ReadmeExampleTest.java"),
                "metrics-cap"),
            region(FIXTURE_EXAMPLE, "map-destination"),
            region(FIXTURE_EXAMPLE, "contract"),
            region(DB_SCHEDULER_EXAMPLE, "cluster"),
            region(DB_SCHEDULER_EXAMPLE, "own-scheduler"));
        assertThat(javaBlocks()).isNotEmpty().allSatisfy(block -> assertThat(compiled).contains(block));
    }

    @Test
    void setupScriptBlockIsWhatTheLibraryPrints() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(
            io.valmi.postgres.PostgresPermissions.setupScript("valmi", java.util.List.of("public")));
    }
}
