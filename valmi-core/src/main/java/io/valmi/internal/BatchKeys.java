package io.valmi.internal;

import io.valmi.Change;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The keys of one batch, found by value: how a destination's rejection is matched to the change it names. A
 * destination that parses a remote API's answer names a key as whatever type its parser makes (a {@code Long}, a
 * {@code BigDecimal} or the key's text for an {@code int} key), so keys are compared as the source compares them:
 * <ul>
 *   <li>a number key ({@code Integer}, {@code Long}, {@code Short}, {@code Byte}, {@code BigInteger},
 *       {@code BigDecimal}, {@code Float}, {@code Double}) is named by any number of the same value and by a string
 *       that parses as one ({@code 2}, {@code 2L}, {@code 2.00}, {@code "2"}); a float by its shortest decimal
 *       form ({@code 1.1f} by {@code 1.1}); NaN and the infinities by themselves and by {@code "NaN"},
 *       {@code "Infinity"}, {@code "-Infinity"};</li>
 *   <li>a {@code UUID} key by the UUID and by its string form in either case;</li>
 *   <li>a {@code byte[]} key by an array of the same bytes;</li>
 *   <li>a string key, and every other key, by an equal object only.</li>
 * </ul>
 * Keys of one batch are distinct by value (one change per key, as the source compares them); should two be equal
 * by value all the same, the one equal by {@code equals} wins and otherwise the first.
 */
final class BatchKeys {
    private final Map<Object, Object> exact;
    private final Map<Object, Object> numbers = new HashMap<>();
    private final Map<UUID, Object> uuids = new HashMap<>();

    private BatchKeys(List<Change> batch) {
        exact = new HashMap<>(batch.size() * 2);
        for (Change change : batch) {
            Object key = change.key();
            exact.putIfAbsent(byContent(key), key);
            if (key instanceof Number) {
                Object number = number((Number) key);
                if (number != null) {
                    numbers.putIfAbsent(number, key);
                }
            } else if (key instanceof UUID) {
                uuids.putIfAbsent((UUID) key, key);
            }
        }
    }

    /**
     * Indexes the keys of a batch.
     *
     * @param batch the batch as handed out
     * @return the index
     */
    static BatchKeys of(List<Change> batch) {
        return new BatchKeys(batch);
    }

    /**
     * The key of the batch that a destination's key names.
     *
     * @param key the key as the destination gave it
     * @return the batch's own key object, or {@code null} when no change of the batch has that key
     */
    @Nullable Object find(Object key) {
        Object found = exact.get(byContent(key));
        if (found != null) {
            return found;
        }
        if (!numbers.isEmpty()) {
            Object number = key instanceof Number ? number((Number) key)
                : key instanceof String ? number((String) key) : null;
            if (number != null) {
                found = numbers.get(number);
                if (found != null) {
                    return found;
                }
            }
        }
        if (!uuids.isEmpty() && key instanceof String) {
            UUID uuid = uuid((String) key);
            if (uuid != null) {
                return uuids.get(uuid);
            }
        }
        return null;
    }

    /** Arrays by their contents (an array's {@code equals} is identity). */
    private static Object byContent(Object key) {
        return key instanceof byte[] ? ByteBuffer.wrap((byte[]) key) : key;
    }

    /**
     * A number's value in one form: a {@code BigDecimal} without trailing zeros, or for NaN and the infinities the
     * {@code Double}; {@code null} for a kind of number not known here (e.g. an {@code AtomicLong}).
     */
    private static @Nullable Object number(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            return BigDecimal.valueOf(n.longValue()).stripTrailingZeros();
        }
        if (n instanceof BigDecimal) {
            return ((BigDecimal) n).stripTrailingZeros();
        }
        if (n instanceof BigInteger) {
            return new BigDecimal((BigInteger) n).stripTrailingZeros();
        }
        if (n instanceof Float || n instanceof Double) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            // The shortest decimal form, so that 1.1f and 1.1 are the same number (as their text is).
            return new BigDecimal(n instanceof Float ? Float.toString(n.floatValue()) : Double.toString(d))
                .stripTrailingZeros();
        }
        return null;
    }

    private static @Nullable Object number(String text) {
        switch (text) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return new BigDecimal(text).stripTrailingZeros();
                } catch (NumberFormatException e) {
                    return null;
                }
        }
    }

    /** A UUID in its canonical 36-character form, either case ({@code UUID.fromString} also takes shorter forms). */
    private static @Nullable UUID uuid(String text) {
        if (text.length() != 36) {
            return null;
        }
        try {
            UUID uuid = UUID.fromString(text);
            return uuid.toString().equals(text.toLowerCase(Locale.ROOT)) ? uuid : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
