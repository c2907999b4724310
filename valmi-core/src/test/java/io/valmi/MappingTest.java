package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MappingTest {

    @Test
    void buildsWithDefaultsAndRenames() {
        Mapping m = Mapping.builder().key("id").map("email", "Email").map("name").build();
        assertThat(m.sourceMode()).isEqualTo(SourceMode.FULL_TABLE);
        assertThat(m.destinationMode()).isEqualTo(DestinationMode.UPSERT);
        assertThat(m.sourceColumns()).containsExactly("email", "name");
        assertThat(m.destinationFields()).containsExactly("Email", "name");
    }

    @Test
    void rejectsEmptyMapping() {
        assertThatThrownBy(() -> Mapping.builder().key("id").build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("maps no field");
    }

    @Test
    void rejectsMissingKeyAndSeveralKeys() {
        assertThatThrownBy(() -> Mapping.builder().map("a").build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("no key column");
        assertThatThrownBy(() -> Mapping.builder().key("a", "b"))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("exactly one key column")
            .hasMessageContaining("[a, b]");
    }

    @Test
    void rejectsBlankNames() {
        assertThatThrownBy(() -> Mapping.builder().key(" ").map("a").build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("key column is blank");
        assertThatThrownBy(() -> Mapping.builder().key("id").map("a", ""))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("destination field for column 'a'");
    }

    @Test
    void rejectsDestinationFieldMappedTwice() {
        assertThatThrownBy(() -> Mapping.builder().key("id").map("a", "x").map("b", "x").build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("'x' is mapped twice");
    }

    @Test
    void rejectsAnotherColumnMappedToTheKeysName() {
        assertThatThrownBy(() -> Mapping.builder().key("id").map("name", "id").build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("Destination field 'id' (from source column 'name') has the name of the key column 'id', which"
                + " destinations write from Change.key(): map column 'name' to another field name");
        assertThatThrownBy(() -> Mapping.builder().key("id").map("id", "key_copy").map("name", "id").build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("source column 'name'");
    }

    @Test
    void acceptsTheKeyMappedAsAFieldUnderItsOwnNameOrAnother() {
        assertThat(Mapping.builder().key("id").map("id").map("name").build().destinationFields())
            .containsExactly("id", "name");
        assertThat(Mapping.builder().key("id").map("id", "ID").map("name", "Id").build().destinationFields())
            .containsExactly("ID", "Id");
    }

    @Test
    void rowGivesTypedAccess() {
        Row row = Row.of(List.of("n", "s", "d"), 5, "text", new java.math.BigDecimal("1.50"));
        assertThat(row.getLong("n")).isEqualTo(5L);
        assertThat(row.getString("s")).isEqualTo("text");
        assertThat(row.getBigDecimal("d")).isEqualByComparingTo("1.5");
        assertThat(row.getBigDecimal("n")).isEqualByComparingTo("5");
        assertThat(row.toMap()).containsExactly(org.assertj.core.api.Assertions.entry("n", 5),
            org.assertj.core.api.Assertions.entry("s", "text"),
            org.assertj.core.api.Assertions.entry("d", new java.math.BigDecimal("1.50")));
        assertThatThrownBy(() -> row.get("missing")).hasMessageContaining("No field 'missing'");
        assertThatThrownBy(() -> row.getLong("s")).isInstanceOf(ClassCastException.class)
            .hasMessageContaining("Field 's'");
    }

    @Test
    void changeRequiresRowExceptForRemoved() {
        Row row = Row.of(List.of("a"), 1);
        assertThatThrownBy(() -> new Change(ChangeKind.REMOVED, 1, row)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Change(ChangeKind.ADDED, 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Change.removed(1).row()).isNull();
    }

    @Test
    void retryBackoffGrowsAndIsBounded() {
        RetryPolicy p = new RetryPolicy(10, java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(500), 2);
        assertThat(p.backoffAfter(1)).hasMillis(100);
        assertThat(p.backoffAfter(2)).hasMillis(200);
        assertThat(p.backoffAfter(3)).hasMillis(400);
        assertThat(p.backoffAfter(4)).hasMillis(500);
        assertThat(p.backoffAfter(30)).hasMillis(500);
    }
}
