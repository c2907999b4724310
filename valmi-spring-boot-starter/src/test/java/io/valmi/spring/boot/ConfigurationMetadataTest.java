package io.valmi.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.valmi.Mapping;
import io.valmi.SyncOptions;
import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * The configuration metadata an IDE reads ({@code META-INF/spring-configuration-metadata.json}, as the build wrote it):
 * the keys of {@code valmi.jobs.<id>} are described, each with its type, a description and its default, and match the
 * properties of {@link ValmiProperties.Job} one to one.
 */
class ConfigurationMetadataTest {
    private static final String JOB = "valmi.jobs.<id>.";

    private static final Map<String, JsonNode> properties = new TreeMap<>();
    private static final Map<String, JsonNode> groups = new TreeMap<>();
    private static final Map<String, JsonNode> hints = new TreeMap<>();

    @BeforeAll
    static void readMetadata() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Enumeration<URL> files = ConfigurationMetadataTest.class.getClassLoader()
            .getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            JsonNode metadata;
            try (InputStream in = files.nextElement().openStream()) {
                metadata = json.readTree(in);
            }
            metadata.path("properties").forEach(p -> keep(properties, p));
            metadata.path("groups").forEach(g -> keep(groups, g));
            metadata.path("hints").forEach(h -> keep(hints, h));
        }
        assertThat(properties).as("the starter's metadata is on the class path").containsKey("valmi.jobs");
    }

    private static void keep(Map<String, JsonNode> into, JsonNode item) {
        String name = item.path("name").asText();
        if (name.startsWith("valmi.")) {
            into.put(name, item);
        }
    }

    @Test
    void everyKeyOfAJobIsDescribedWithTheTypeOfItsProperty() throws IntrospectionException {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.putAll(beanProperties(ValmiProperties.Job.class, JOB));
        expected.remove(JOB + "schedule");
        expected.putAll(beanProperties(ValmiProperties.ScheduleProperties.class, JOB + "schedule."));

        Map<String, String> documented = new LinkedHashMap<>();
        properties.forEach((name, item) -> {
            if (name.startsWith(JOB)) {
                documented.put(name, item.path("type").asText());
            }
        });
        assertThat(documented).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(documented).containsKeys(JOB + "source", JOB + "query", JOB + "key", JOB + "mapping",
            JOB + "source-mode", JOB + "destination-mode", JOB + "destination", JOB + "schedule.cron",
            JOB + "schedule.every");
        documented.keySet().forEach(name -> {
            JsonNode item = properties.get(name);
            assertThat(item.path("description").asText()).as(name).isNotBlank().endsWith(".");
            assertThat(item.path("sourceType").asText()).as(name).startsWith(ValmiProperties.class.getName() + "$");
        });
        assertThat(groups).containsKeys("valmi.jobs.<id>", "valmi.jobs.<id>.schedule");
        assertThat(groups.get("valmi.jobs.<id>").path("type").asText()).isEqualTo(ValmiProperties.Job.class.getName());
        assertThat(properties.get("valmi.jobs").path("description").asText()).isNotBlank();
    }

    @Test
    void theDefaultsAreValmis() {
        SyncOptions options = SyncOptions.defaults();
        Mapping mapping = Mapping.builder().key("id").map("email").build();
        assertThat(defaultOf("batch-size").asInt()).isEqualTo(options.batchSize());
        assertThat(defaultOf("concurrency").asInt()).isEqualTo(options.concurrency());
        assertThat(DurationStyle.detectAndParse(defaultOf("write-timeout").asText())).isEqualTo(options.writeTimeout());
        assertThat(defaultOf("max-removed-fraction").asDouble()).isEqualTo(options.maxRemovedFraction());
        assertThat(defaultOf("max-invalid-fraction").asDouble()).isEqualTo(options.maxInvalidFraction());
        assertThat(defaultOf("allow-empty-source").asBoolean()).isEqualTo(options.allowEmptySource());
        assertThat(defaultOf("quarantine-after").asInt()).isEqualTo(options.quarantineAfter());
        assertThat(defaultOf("on-mapping-change").asText()).isEqualTo(dashed(options.onMappingChange()));
        assertThat(defaultOf("source-mode").asText()).isEqualTo(dashed(mapping.sourceMode()));
        assertThat(defaultOf("destination-mode").asText()).isEqualTo(dashed(mapping.destinationMode()));
        assertThat(defaultOf("read-ahead").asBoolean()).isTrue();
        assertThat(defaultOf("first-sync-in-key-order").asBoolean()).isFalse();
        assertThat(properties.get(JOB + "source").has("defaultValue")).isFalse();
    }

    @Test
    void theDestinationIsCompletedFromTheDestinationBeans() {
        JsonNode provider = hints.get(JOB + "destination").path("providers").get(0);
        assertThat(provider.path("name").asText()).isEqualTo("spring-bean-reference");
        assertThat(provider.path("parameters").path("target").asText()).isEqualTo("io.valmi.Destination");
    }

    private static JsonNode defaultOf(String key) {
        JsonNode value = properties.get(JOB + key).path("defaultValue");
        assertThat(value.isMissingNode()).as(JOB + key + " has a default").isFalse();
        return value;
    }

    private static String dashed(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The properties Spring binds: each readable property, its name dashed as in the metadata, and its type. */
    private static Map<String, String> beanProperties(Class<?> type, String prefix) throws IntrospectionException {
        Map<String, String> out = new LinkedHashMap<>();
        for (PropertyDescriptor property : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
            String name = property.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            out.put(prefix + name, property.getReadMethod().getGenericReturnType().getTypeName().replace(" ", ""));
        }
        return out;
    }
}
