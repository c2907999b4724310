package io.valmi.testing.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** How the destination contract kit compares a sent value with the value a destination holds. */
public final class ContractValues {
    private ContractValues() {
    }

    /**
     * Compares by meaning (see {@code io.valmi.testing.HeldRecord}).
     *
     * @param expected the value sent
     * @param actual the value read back
     * @return whether they are the same value
     */
    public static boolean same(@Nullable Object expected, @Nullable Object actual) {
        if (expected == null || actual == null) {
            return expected == null && actual == null;
        }
        if (expected instanceof Number) {
            BigDecimal e = decimal((Number) expected);
            BigDecimal a = actual instanceof Number ? decimal((Number) actual) : null;
            return e != null && a != null ? e.compareTo(a) == 0 : expected.equals(actual);
        }
        if (expected instanceof byte[]) {
            if (actual instanceof String) {
                return Arrays.equals((byte[]) expected, base64((String) actual));
            }
            return actual instanceof byte[] && Arrays.equals((byte[]) expected, (byte[]) actual);
        }
        if (expected instanceof List) {
            if (!(actual instanceof List) || ((List<?>) expected).size() != ((List<?>) actual).size()) {
                return false;
            }
            for (int i = 0; i < ((List<?>) expected).size(); i++) {
                if (!same(((List<?>) expected).get(i), ((List<?>) actual).get(i))) {
                    return false;
                }
            }
            return true;
        }
        Object a = actual instanceof String && !(expected instanceof String) ? parse(expected, (String) actual) : actual;
        if (expected instanceof OffsetDateTime) {
            if (a instanceof Instant) {
                return ((OffsetDateTime) expected).toInstant().equals(a);
            }
            return a instanceof OffsetDateTime && ((OffsetDateTime) expected).isEqual((OffsetDateTime) a);
        }
        if (expected instanceof OffsetTime) {
            return a instanceof OffsetTime && ((OffsetTime) expected).isEqual((OffsetTime) a);
        }
        return expected.equals(a);
    }

    /**
     * A key in a form that compares equal for equal keys of different Java types ({@code 1}, {@code 1L},
     * {@code "1"}).
     *
     * @param key a key
     * @return its canonical text
     */
    public static String canonicalKey(Object key) {
        if (key instanceof Number) {
            BigDecimal d = decimal((Number) key);
            if (d != null) {
                return d.stripTrailingZeros().toPlainString();
            }
        }
        return key.toString();
    }

    /**
     * Describes a value for a failure message: its text (shortened when long) and its type.
     *
     * @param value a value
     * @return for example {@code 1.5 (BigDecimal)}
     */
    public static String describe(@Nullable Object value) {
        if (value == null) {
            return "null";
        }
        String text;
        if (value instanceof byte[]) {
            text = "<" + ((byte[]) value).length + " bytes>";
        } else if (value instanceof String) {
            String s = (String) value;
            text = s.length() <= 60 ? quote(s) : quote(s.substring(0, 60)) + "... (" + s.length() + " chars)";
        } else {
            text = String.valueOf(value);
        }
        return text + " (" + value.getClass().getSimpleName() + ")";
    }

    /**
     * Where two texts first differ, for failure messages about long text.
     *
     * @param expected the text sent
     * @param actual the text held
     * @return a description, or an empty string when the texts are equal
     */
    public static String firstDifference(String expected, String actual) {
        int n = Math.min(expected.length(), actual.length());
        for (int i = 0; i < n; i++) {
            if (expected.charAt(i) != actual.charAt(i)) {
                return "; first difference at char " + i + ": expected U+" + hex(expected.charAt(i)) + " but was U+"
                    + hex(actual.charAt(i)) + "; lengths " + expected.length() + " and " + actual.length();
            }
        }
        return expected.length() == actual.length() ? "" : "; lengths " + expected.length() + " and " + actual.length();
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x2028 || cp == 0x2029) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append('"').toString();
    }

    private static @Nullable BigDecimal decimal(Number n) {
        if (n instanceof BigDecimal) {
            return (BigDecimal) n;
        }
        if (n instanceof BigInteger) {
            return new BigDecimal((BigInteger) n);
        }
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? new BigDecimal(n.toString()) : null;
        }
        return BigDecimal.valueOf(n.longValue());
    }

    private static byte @Nullable [] base64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable Object parse(Object expected, String text) {
        try {
            if (expected instanceof OffsetDateTime) {
                return OffsetDateTime.parse(text);
            }
            if (expected instanceof LocalDateTime) {
                return LocalDateTime.parse(text);
            }
            if (expected instanceof LocalDate) {
                return LocalDate.parse(text);
            }
            if (expected instanceof LocalTime) {
                return LocalTime.parse(text);
            }
            if (expected instanceof OffsetTime) {
                return OffsetTime.parse(text);
            }
            if (expected instanceof UUID) {
                return UUID.fromString(text);
            }
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return text;
        }
        return text;
    }
}
