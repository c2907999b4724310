package io.valmi.testing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record as a destination holds it, read back for the destination contract kit.
 *
 * <p>Field values are compared with what was sent by meaning, not by Java type: numbers by value
 * ({@code 1.50} equals {@code 1.5}, a {@code Long} equals an {@code Integer}), {@code OffsetDateTime} by the instant,
 * and a {@code String} is accepted for a {@code java.time} value, a {@code UUID} or a {@code byte[]} (Base64) when it
 * is that value's standard text. A field that is absent is not the same as a field holding {@code null}.
 * Fields the kit did not send are ignored.
 *
 * @param key the key, as the destination holds it (a number or its text)
 * @param fields field name to value; values may be {@code null}
 */
public record HeldRecord(Object key, Map<String, @Nullable Object> fields) {

    /**
     * Copies the fields (keeping {@code null} values).
     *
     * @param key the key, as the destination holds it (a number or its text)
     * @param fields field name to value; values may be {@code null}
     */
    public HeldRecord {
        Objects.requireNonNull(key, "key");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }
}
