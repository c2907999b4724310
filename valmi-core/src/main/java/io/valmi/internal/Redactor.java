package io.valmi.internal;

import io.valmi.DestinationException;
import io.valmi.SourceException;
import io.valmi.ValmiException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Replaces secrets (a destination's tokens, passwords) with {@link #MASK} in text and in exceptions that the library
 * repeats: results, bookkeeping, listeners, log lines.
 */
public final class Redactor {
    /** What a secret is replaced with. */
    public static final String MASK = "****";
    /** Redacts nothing. */
    public static final Redactor NONE = new Redactor(List.of());

    /** Longest first, so that a secret containing another one is replaced whole. */
    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    /**
     * A redactor of the given secrets; empty strings and nulls are ignored.
     *
     * @param secrets the secrets
     * @return the redactor
     */
    public static Redactor of(@Nullable Collection<? extends @Nullable String> secrets) {
        if (secrets == null) {
            return NONE;
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                distinct.add(s);
            }
        }
        if (distinct.isEmpty()) {
            return NONE;
        }
        List<String> sorted = new ArrayList<>(distinct);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(sorted));
    }

    /**
     * The text with every occurrence of every secret replaced by {@link #MASK}.
     *
     * @param text the text
     * @return the redacted text
     */
    public String redact(String text) {
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, MASK);
        }
        return out;
    }

    /**
     * Whether the text holds a secret.
     *
     * @param text the text, or null
     * @return {@code true} when some secret occurs in it
     */
    public boolean reveals(@Nullable String text) {
        if (text == null) {
            return false;
        }
        for (String secret : secrets) {
            if (text.contains(secret)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The throwable itself when neither it nor its causes and suppressed exceptions hold a secret in their messages;
     * else a copy that does not. A copy keeps the stack trace, retriability and, for a {@link DestinationException}
     * or {@link SourceException}, the type; any other type becomes a {@link RedactedException}. A copy whose type
     * differs from the original names the original type at the start of its message. Causes and suppressed
     * exceptions are copied the same way, so that no exception in the chain still holds a secret.
     *
     * @param failure the throwable
     * @return the throwable, or its redacted copy
     */
    public Throwable redact(Throwable failure) {
        if (secrets.isEmpty() || !reveals(failure, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            return failure;
        }
        Throwable copy = copy(failure, new IdentityHashMap<>());
        // (Only a cause of a cause can be cut as a cycle: the top is copied first.)
        return copy == null ? failure : copy;
    }

    private boolean reveals(Throwable t, Set<Throwable> seen) {
        if (!seen.add(t)) {
            return false;
        }
        if (reveals(t.getMessage()) || reveals(t.getLocalizedMessage()) || reveals(t.toString())) {
            return true;
        }
        Throwable cause = t.getCause();
        if (cause != null && reveals(cause, seen)) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (reveals(s, seen)) {
                return true;
            }
        }
        return false;
    }

    /** Copies {@code t}; {@code copies} maps each throwable already copied (or being copied) to its copy. */
    private @Nullable Throwable copy(Throwable t, Map<Throwable, @Nullable Throwable> copies) {
        if (copies.containsKey(t)) {
            return copies.get(t); // null while t is being copied: a cycle in the chain, cut here
        }
        if (!reveals(t, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            copies.put(t, t);
            return t;
        }
        copies.put(t, null);
        Throwable cause = t.getCause() == null ? null : copy(t.getCause(), copies);
        String text = t.getMessage() == null ? null : redact(t.getMessage());
        boolean retriable = t instanceof ValmiException && ((ValmiException) t).isRetriable();
        Throwable copy;
        if (t instanceof io.valmi.ThrottledException) {
            copy = new io.valmi.ThrottledException(named(t, io.valmi.ThrottledException.class, text),
                ((io.valmi.ThrottledException) t).retryAfter(), cause);
        } else if (t instanceof DestinationException) {
            copy = new DestinationException(named(t, DestinationException.class, text), cause, retriable,
                ((DestinationException) t).retryAfter());
        } else if (t instanceof SourceException) {
            copy = new SourceException(named(t, SourceException.class, text), cause, retriable);
        } else {
            copy = new RedactedException(t.getClass().getName(), text, cause, retriable);
        }
        copy.setStackTrace(t.getStackTrace());
        for (Throwable s : t.getSuppressed()) {
            Throwable suppressed = copy(s, copies);
            if (suppressed != null) {
                copy.addSuppressed(suppressed);
            }
        }
        copies.put(t, copy);
        return copy;
    }

    /** The message, prefixed with the original type when the copy's type differs. */
    private static String named(Throwable original, Class<?> copyType, @Nullable String text) {
        String message = text == null ? "" : text;
        return original.getClass() == copyType ? message : original.getClass().getName() + ": " + message;
    }
}
