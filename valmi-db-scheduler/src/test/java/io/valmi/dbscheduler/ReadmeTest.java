package io.valmi.dbscheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.Scheduler;
import io.valmi.SyncRunner;
import io.valmi.testing.TestDatabase;
import io.valmi.testing.WithPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** README's section "Many instances: db-scheduler" shows the compiled example and the table's definition. */
@WithPostgres
class ReadmeTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path EXAMPLE = Path.of("src/test/java/io/valmi/dbscheduler/ReadmeExample.java");

    static String region(Path file, String tag) throws IOException {
        List<String> out = new ArrayList<>();
        boolean in = false;
        int indent = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.contains("// tag::" + tag + "[]")) {
                in = true;
                indent = line.indexOf("//");
            } else if (line.contains("// end::" + tag + "[]")) {
                break;
            } else if (in) {
                out.add(line.length() >= indent ? line.substring(indent) : line.strip());
            }
        }
        return String.join("\n", out);
    }

    private static String section() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## Many instances: db-scheduler\n");
        assertThat(start).as("README has the section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    private static List<String> blocks(String text, String language) {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1).stripTrailing());
        }
        return blocks;
    }

    @Test
    void theSectionShowsTheCompiledExamples() throws IOException {
        assertThat(blocks(section(), "java")).containsExactly(region(EXAMPLE, "cluster"),
            region(EXAMPLE, "own-scheduler"));
    }

    @Test
    void theSectionShowsTheTablesDefinition() throws IOException {
        assertThat(blocks(section(), "sql")).containsExactly(ScheduledTasksTable.ddl().stripTrailing());
    }

    @Test
    void theExamplesRun(TestDatabase db) {
        db.execute("create table customers (id int primary key, v text)", "create table orders (id int primary key,"
            + " v text)");
        RunLog log = new RunLog();
        ReadmeExample.cluster(db.dataSource(), Node.job("customers", db.dataSource(), "customers",
            log.destination("a")), Node.job("orders", db.dataSource(), "orders", log.destination("a")));
        assertThat(db.queryLong("select count(*) from scheduled_tasks")).isEqualTo(2);
        SyncRunner runner = SyncRunner.create();
        Scheduler own = ReadmeExample.ownScheduler(db.dataSource(), runner, Node.job("own", db.dataSource(),
            "customers", log.destination("a")));
        own.start();
        own.stop();
        runner.close();
        assertThat(db.queryLong("select count(*) from scheduled_tasks where task_name = 'valmi-sync:own'")).isOne();
    }
}
