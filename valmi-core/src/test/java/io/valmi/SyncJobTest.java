package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyncJobTest {
    private static final Mapping MAPPING = Mapping.builder().key("id").map("name").build();

    private static SyncJob job(String id) {
        return SyncJob.builder(id).source(new InMemorySource("id", "name")).destination(batch -> WriteResult.ok())
            .mapping(MAPPING).build();
    }

    @Test
    void acceptsOrdinaryIdsUpTo200Characters() {
        assertThat(job("crm-sync").id()).isEqualTo("crm-sync");
        assertThat(job("Kunden → CRM (täglich) 🚀").id()).isEqualTo("Kunden → CRM (täglich) 🚀");
        assertThat(job("x".repeat(200)).id()).hasSize(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "job\n", "tab\there", "del\u007f", "c1\u0085", "line\u2028sep"})
    void refusesControlCharactersNamingTheRuleAndWhere(String id) {
        assertThatThrownBy(() -> job(id))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("must not contain control characters")
            .hasMessageContaining("U+")
            .hasMessageNotContaining("\u0000");
    }

    @Test
    void nulIsReportedByCodePointAndPosition() {
        assertThatThrownBy(() -> job("orders\u0000x"))
            .hasMessageContaining("U+0000 at index 6")
            .hasMessageContaining("'orders\\u0000x'");
    }

    @Test
    void refusesUnpairedSurrogates() {
        assertThatThrownBy(() -> job("half\ud83d"))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("unpaired surrogate U+D83D at index 4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\u2003"})
    void refusesBlankIds(String id) {
        assertThatThrownBy(() -> job(id))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("must not be blank");
    }

    @Test
    void refusesMissingAndOverlongIds() {
        assertThatThrownBy(() -> SyncJob.builder(null).source(new InMemorySource("id", "name"))
            .destination(batch -> WriteResult.ok()).mapping(MAPPING).build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("SyncJob id is missing");
        assertThatThrownBy(() -> job("y".repeat(201)))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("at most 200 characters, got 201");
    }

    @Test
    void builderSettingsDoNotDependOnTheirOrder() {
        SyncJob before = SyncJob.builder("order").source(new InMemorySource("id", "name"))
            .destination(batch -> WriteResult.ok()).mapping(MAPPING)
            .batchSize(2000).concurrency(3).options(SyncOptions.defaults().withMaxSamples(42)).build();
        SyncJob after = SyncJob.builder("order").source(new InMemorySource("id", "name"))
            .destination(batch -> WriteResult.ok()).mapping(MAPPING)
            .options(SyncOptions.defaults().withMaxSamples(42)).batchSize(2000).concurrency(3).build();

        assertThat(before.options().batchSize()).isEqualTo(2000);
        assertThat(before.options().concurrency()).isEqualTo(3);
        assertThat(before.options().maxSamples()).isEqualTo(42);
        assertThat(after.options()).isEqualTo(before.options());
    }

    @Test
    void toBuilderAndWithOptionsChangeOneSettingAndKeepTheRest() {
        RateLimit limit = RateLimit.perSecond(5);
        SyncJob job = SyncJob.builder("tb").source(new InMemorySource("id", "name"))
            .destination(batch -> WriteResult.ok()).mapping(MAPPING).batchSize(300).rateLimit(limit).build();

        SyncJob changed = job.toBuilder().concurrency(4).build();
        assertThat(changed.id()).isEqualTo("tb");
        assertThat(changed.source()).isSameAs(job.source());
        assertThat(changed.destination()).isSameAs(job.destination());
        assertThat(changed.mapping()).isEqualTo(job.mapping());
        assertThat(changed.rateLimit()).isSameAs(limit);
        assertThat(changed.options().batchSize()).isEqualTo(300);
        assertThat(changed.options().concurrency()).isEqualTo(4);

        SyncJob once = job.withOptions(job.options().withAllowEmptySource(true));
        assertThat(once.options().allowEmptySource()).isTrue();
        assertThat(once.options().batchSize()).isEqualTo(300);
        assertThat(job.options().allowEmptySource()).isFalse();
    }
}
