package io.valmi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BatchKeysTest {

    private static BatchKeys keys(Object... keys) {
        return BatchKeys.of(java.util.Arrays.stream(keys).map(Change::removed).toList());
    }

    @Test
    void anIntKeyIsNamedByEveryNumberOfItsValueAndByItsText() {
        BatchKeys batch = keys(1, 2, 3);
        for (Object name : List.of(2, 2L, (short) 2, (byte) 2, new BigDecimal("2"), new BigDecimal("2.000"),
            BigInteger.TWO, 2.0, 2.0f, "2", "2.0", "2e0")) {
            assertThat(batch.find(name)).as("%s (%s)", name, name.getClass().getSimpleName())
                .isInstanceOf(Integer.class).isEqualTo(2);
        }
        assertThat(batch.find(4L)).isNull();
        assertThat(batch.find(2.5)).isNull();
        assertThat(batch.find(" 2")).as("text is parsed strictly").isNull();
        assertThat(batch.find("two")).isNull();
        assertThat(batch.find(true)).isNull();
    }

    @Test
    void theBatchsOwnKeyObjectIsReturned() {
        Long own = 3_000_000_000L;
        BatchKeys batch = BatchKeys.of(List.of(Change.removed(own)));
        assertThat(batch.find(3_000_000_000L)).isSameAs(own);
        assertThat(batch.find(new BigDecimal("3E+9"))).isSameAs(own);
        assertThat(batch.find("3000000000")).isSameAs(own);
        assertThat(batch.find(-1_294_967_296)).as("an int that a long wrapped to").isNull();
    }

    @Test
    void numericAndFloatKeysMatchByValue() {
        assertThat(keys(new BigDecimal("1.50")).find(new BigDecimal("1.5"))).isEqualTo(new BigDecimal("1.50"));
        assertThat(keys(new BigDecimal("1.50")).find("1.500")).isEqualTo(new BigDecimal("1.50"));
        assertThat(keys(new BigDecimal("100")).find(100L)).isEqualTo(new BigDecimal("100"));
        assertThat(keys(1.1f).find(1.1)).as("a float by its shortest decimal form").isEqualTo(1.1f);
        assertThat(keys(1.1f).find("1.1")).isEqualTo(1.1f);
        assertThat(keys(0.1).find(new BigDecimal("0.1"))).isEqualTo(0.1);
        assertThat(keys(0.1).find(0.1f)).as("both print as 0.1").isEqualTo(0.1);
        assertThat(keys(0.1).find(0.1 + 0.2 - 0.2)).as("0.10000000000000003 is another number").isNull();
        assertThat(keys(Double.NaN).find("NaN")).isEqualTo(Double.NaN);
        assertThat(keys(Double.NaN).find(Float.NaN)).isEqualTo(Double.NaN);
        assertThat(keys(Double.POSITIVE_INFINITY).find("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(keys(Double.POSITIVE_INFINITY).find("-Infinity")).isNull();
        assertThat(keys(0.0).find(-0.0)).isEqualTo(0.0);
    }

    @Test
    void aStringKeyMatchesExactlyOnly() {
        BatchKeys batch = keys("2", "a", "A ");
        assertThat(batch.find("2")).isEqualTo("2");
        assertThat(batch.find(2)).as("a number never names a text key").isNull();
        assertThat(batch.find(2L)).isNull();
        assertThat(batch.find("02")).isNull();
        assertThat(batch.find("A")).isNull();
        assertThat(batch.find("a ")).isNull();
        assertThat(batch.find("A ")).isEqualTo("A ");
    }

    @Test
    void aUuidKeyIsNamedByItsStringFormInEitherCase() {
        UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        BatchKeys batch = keys(id);
        assertThat(batch.find(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"))).isSameAs(id);
        assertThat(batch.find("123e4567-e89b-12d3-a456-426614174000")).isSameAs(id);
        assertThat(batch.find("123E4567-E89B-12D3-A456-426614174000")).isSameAs(id);
        assertThat(batch.find("123e4567e89b12d3a456426614174000")).isNull();
        assertThat(batch.find("123e4567-e89b-12d3-a456-426614174001")).isNull();
        assertThat(keys("123e4567-e89b-12d3-a456-426614174000").find(id)).as("a text key is not a UUID").isNull();
    }

    @Test
    void otherKeysMatchByEqualsAndArraysByContent() {
        java.time.LocalDate day = java.time.LocalDate.of(2024, 2, 29);
        assertThat(keys(day).find(java.time.LocalDate.parse("2024-02-29"))).isSameAs(day);
        assertThat(keys(day).find("2024-02-29")).isNull();
        byte[] bytes = {0, 1, (byte) 0xff};
        assertThat(keys(bytes).find(new byte[] {0, 1, (byte) 0xff})).isSameAs(bytes);
        assertThat(keys(bytes).find(new byte[] {0, 1})).isNull();
    }
}
