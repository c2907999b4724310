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

/** Renders changes and their values as JSON; shared by the JSON destinations so that they agree to the byte. */
final class ChangeJson {
    /**
     * No separator between root values (each line adds its own newline), BigDecimal in plain notation, characters
     * outside the BMP (emoji) as UTF-8 rather than as escaped surrogate pairs.
     */
    static final JsonFactory FACTORY = new JsonFactoryBuilder()
        .rootValueSeparator((String) null)
        .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .build();

    private ChangeJson() {
    }

    /** Writes {@code {"kind":..,"key":..,"fields":{..}}}; a REMOVED change has no {@code fields}. */
    static void writeChange(JsonGenerator g, Change change) throws IOException {
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

    /** Writes one value; see {@link JsonLinesDestination} for the rules. */
    static void writeValue(JsonGenerator g, @Nullable Object v) throws IOException {
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
