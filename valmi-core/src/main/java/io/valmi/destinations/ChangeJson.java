package io.valmi.destinations;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.valmi.Change;
import io.valmi.Row;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The JSON encoding of changes and values that the built-in destinations use ({@link JsonLinesDestination},
 * {@link WebhookDestination}), public so that a custom destination encodes alike: exact numbers ({@code BigDecimal} in
 * plain notation, never through {@code double}), {@code NaN} and the infinities as strings, times as ISO 8601 text
 * ({@code OffsetDateTime} with its offset, microseconds kept), UUIDs as text, {@code byte[]} as Base64, arrays as JSON
 * arrays, JSON columns as the text PostgreSQL printed (a string), anything else by {@code toString()}.
 *
 * <pre>{@code
 * String body = ChangeJson.toJson(change);   // {"kind":"CHANGED","key":42,"fields":{"email":"a@example.com"}}
 * }</pre>
 */
public final class ChangeJson {
    /**
     * No separator between root values (each line adds its own newline), BigDecimal in plain notation, characters
     * outside the BMP (emoji) as UTF-8 rather than as escaped surrogate pairs.
     */
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
        .rootValueSeparator((String) null)
        .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .build();

    private ChangeJson() {
    }

    /**
     * The Jackson factory the encoding uses: no separator between root values, {@code BigDecimal} in plain notation,
     * characters outside the BMP (emoji) as UTF-8 rather than escaped surrogate pairs, targets not closed.
     *
     * @return the shared, thread-safe factory
     */
    public static JsonFactory factory() {
        return FACTORY;
    }

    /**
     * One change as a JSON object.
     *
     * @param change the change
     * @return {@code {"kind":..,"key":..,"fields":{..}}}
     */
    public static String toJson(Change change) {
        java.io.StringWriter out = new java.io.StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writeChange(g, change);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * Writes {@code {"kind":..,"key":..,"fields":{..}}}; a REMOVED change has no {@code fields}.
     *
     * @param g where to write
     * @param change the change
     * @throws IOException when writing fails
     */
    public static void writeChange(JsonGenerator g, Change change) throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", change.kind().name());
        g.writeFieldName("key");
        writeValue(g, change.key());
        Row row = change.row();
        if (row != null) {
            g.writeFieldName("fields");
            g.writeStartObject();
            for (int i = 0; i < row.size(); i++) {
                g.writeFieldName(row.fieldNames().get(i));
                writeValue(g, row.get(i));
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /**
     * Writes one value by the rules above.
     *
     * @param g where to write
     * @param v the value, or {@code null}
     * @throws IOException when writing fails
     */
    public static void writeValue(JsonGenerator g, @Nullable Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String) {
            g.writeString((String) v);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).intValue());
        } else if (v instanceof Long) {
            g.writeNumber((Long) v);
        } else if (v instanceof BigDecimal) {
            g.writeNumber((BigDecimal) v);
        } else if (v instanceof BigInteger) {
            g.writeNumber((BigInteger) v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                g.writeString(v.toString());
            } else if (v instanceof Float) {
                g.writeNumber((Float) v);
            } else {
                g.writeNumber(d);
            }
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v instanceof OffsetDateTime) {
            g.writeString(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format((OffsetDateTime) v));
        } else if (v instanceof LocalDateTime) {
            g.writeString(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format((LocalDateTime) v));
        } else if (v instanceof LocalDate) {
            g.writeString(DateTimeFormatter.ISO_LOCAL_DATE.format((LocalDate) v));
        } else if (v instanceof LocalTime) {
            g.writeString(DateTimeFormatter.ISO_LOCAL_TIME.format((LocalTime) v));
        } else if (v instanceof OffsetTime) {
            g.writeString(DateTimeFormatter.ISO_OFFSET_TIME.format((OffsetTime) v));
        } else if (v instanceof ZonedDateTime) {
            g.writeString(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format((ZonedDateTime) v));
        } else if (v instanceof Instant) {
            g.writeString(DateTimeFormatter.ISO_INSTANT.format((Instant) v));
        } else if (v instanceof UUID) {
            g.writeString(v.toString());
        } else if (v instanceof byte[]) {
            g.writeBinary((byte[]) v);
        } else if (v instanceof Collection) {
            g.writeStartArray();
            for (Object element : (Collection<?>) v) {
                writeValue(g, element);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }
}
