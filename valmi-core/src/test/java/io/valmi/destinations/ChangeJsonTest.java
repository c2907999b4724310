package io.valmi.destinations;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.Change;
import io.valmi.ChangeKind;
import io.valmi.RowLayout;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ChangeJsonTest {

    @Test
    void aChangeIsEncodedAsTheBuiltInDestinationsEncodeIt() {
        RowLayout layout = new RowLayout(List.of("amount", "at", "id", "bytes", "tags", "ratio"));
        Change change = new Change(ChangeKind.CHANGED, 42L, layout.row(new Object[] {
            new BigDecimal("12345678901234567890.10"), OffsetDateTime.of(2026, 12, 7, 3, 4, 5, 123_456_000,
                ZoneOffset.UTC), UUID.fromString("00000000-0000-0000-0000-000000000001"), new byte[] {1, 2, 3},
            List.of("a", "b"), Double.NaN}));

        assertThat(ChangeJson.toJson(change)).isEqualTo("{\"kind\":\"CHANGED\",\"key\":42,\"fields\":{"
            + "\"amount\":12345678901234567890.10,\"at\":\"2026-12-07T03:04:05.123456Z\","
            + "\"id\":\"00000000-0000-0000-0000-000000000001\",\"bytes\":\"AQID\",\"tags\":[\"a\",\"b\"],"
            + "\"ratio\":\"NaN\"}}");
        assertThat(ChangeJson.toJson(Change.removed(7))).isEqualTo("{\"kind\":\"REMOVED\",\"key\":7}");
    }
}
