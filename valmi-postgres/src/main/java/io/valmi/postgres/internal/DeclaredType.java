package io.valmi.postgres.internal;

import io.valmi.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jooq.DataType;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultDataType;
import org.jspecify.annotations.Nullable;

/**
 * A column type given by name for a table {@code PostgresTableDestination} creates
 * ({@code Builder.columnType(column, "numeric(12,2)")}).
 *
 * <p>The name ends up in DDL, so it is never used as given: it is read by a small grammar of PostgreSQL type names
 * (words, double-quoted identifiers, an optional schema, modifiers of numbers or words, {@code []}) and written
 * again from its tokens, unquoted words in lower case and quoted identifiers quoted by jOOQ. Text outside that grammar
 * (a semicolon, a comment, a quote, a string literal) is refused with a {@link ConfigurationException} naming the
 * column. Whether the type exists, and takes those modifiers, only the target database can say: the writer asks it
 * with {@code CAST(NULL AS type)} before it creates the table ({@link TableWriter}).
 *
 * @param column the column the type is declared for
 * @param given the type name as the user wrote it
 * @param sql the type as it is rendered in DDL, e.g. {@code numeric(12,2)}, {@code timestamp(3) with time zone},
 *     {@code "crm"."Mood"[]}
 */
record DeclaredType(String column, String given, String sql) {
    /** Words that begin a type name of more than one word in PostgreSQL's grammar. */
    private static final Set<String> ZONED = Set.of("timestamp", "time");
    private static final Set<String> INTERVAL_FIELDS = Set.of("year", "month", "day", "hour", "minute", "second");

    /**
     * Reads a type name.
     *
     * @param column the column it is declared for (named in errors)
     * @param given the type name, e.g. {@code numeric(12,2)}, {@code varchar(20)[]}, {@code timestamptz},
     *     {@code public."Mood"}
     * @return the type
     * @throws ConfigurationException when the text is not a PostgreSQL type name
     */
    static DeclaredType parse(String column, String given) {
        return new Parser(column, given).type();
    }

    /**
     * The type for jOOQ's DDL, rendered as {@link #sql()}.
     *
     * @return the type
     */
    DataType<Object> dataType() {
        return DefaultDataType.getDefaultDataType(SQLDialect.POSTGRES, sql);
    }

    /** A token of a type name: a word (unquoted, lower case), a quoted identifier, a number or one character. */
    private record Token(Kind kind, String text, int at) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isSymbol(char c) {
            return kind == Kind.SYMBOL && text.charAt(0) == c;
        }
    }

    private enum Kind { WORD, QUOTED, NUMBER, SYMBOL }

    private static final class Parser {
        private final String column;
        private final String given;
        private final List<Token> tokens;
        private final StringBuilder sql = new StringBuilder();
        private int next;

        Parser(String column, String given) {
            this.column = column;
            this.given = given;
            this.tokens = tokens();
        }

        DeclaredType type() {
            if (tokens.isEmpty()) {
                throw refused("it is blank");
            }
            Token first = take();
            if (first.is("double")) {
                expectWord("precision");
                sql.append("double precision");
            } else if ((first.is("character") || first.is("char") || first.is("bit")) && peekWord("varying")) {
                take();
                sql.append(first.text()).append(" varying");
                modifiers();
            } else if (first.kind() == Kind.WORD && ZONED.contains(first.text())) {
                sql.append(first.text());
                modifiers();
                if (peekWord("with") || peekWord("without")) {
                    sql.append(' ').append(take().text());
                    expectWord("time");
                    expectWord("zone");
                    sql.append(" time zone");
                }
            } else if (first.is("interval")) {
                sql.append("interval");
                if (peek() != null && peek().kind() == Kind.WORD && INTERVAL_FIELDS.contains(peek().text())) {
                    sql.append(' ').append(take().text());
                    if (peekWord("to")) {
                        take();
                        Token to = take();
                        if (to.kind() != Kind.WORD || !INTERVAL_FIELDS.contains(to.text())) {
                            throw unexpected(to);
                        }
                        sql.append(" to ").append(to.text());
                    }
                }
                modifiers();
            } else {
                name(first);
                modifiers();
            }
            while (peek() != null && peek().isSymbol('[')) {
                take();
                if (peek() != null && peek().kind() == Kind.NUMBER) {
                    take(); // PostgreSQL ignores an array's declared size
                }
                expectSymbol(']');
                sql.append("[]");
            }
            if (peek() != null) {
                throw unexpected(peek());
            }
            return new DeclaredType(column, given, sql.toString());
        }

        /** {@code name} or {@code schema.name}, each a word or a quoted identifier. */
        private void name(Token first) {
            identifier(first);
            if (peek() != null && peek().isSymbol('.')) {
                take();
                sql.append('.');
                identifier(take());
            }
        }

        private void identifier(Token t) {
            if (t.kind() == Kind.WORD) {
                sql.append(t.text());
            } else if (t.kind() == Kind.QUOTED) {
                sql.append(Sql.JOOQ.render(DSL.name(t.text())));
            } else {
                throw unexpected(t);
            }
        }

        /** {@code (12,2)} or {@code (Point, 4326)}: numbers and words, as PostgreSQL's type modifiers allow. */
        private void modifiers() {
            if (peek() == null || !peek().isSymbol('(')) {
                return;
            }
            take();
            sql.append('(');
            while (true) {
                Token t = take();
                if (t.kind() != Kind.NUMBER && t.kind() != Kind.WORD) {
                    throw unexpected(t);
                }
                sql.append(t.text());
                Token after = take();
                if (after.isSymbol(')')) {
                    sql.append(')');
                    return;
                }
                if (!after.isSymbol(',')) {
                    throw unexpected(after);
                }
                sql.append(',');
            }
        }

        private boolean peekWord(String word) {
            Token t = peek();
            return t != null && t.is(word);
        }

        private void expectWord(String word) {
            Token t = take();
            if (!t.is(word)) {
                throw refused("'" + word + "' expected at position " + (t.at() + 1));
            }
        }

        private void expectSymbol(char c) {
            Token t = take();
            if (!t.isSymbol(c)) {
                throw refused("'" + c + "' expected at position " + (t.at() + 1));
            }
        }

        private @Nullable Token peek() {
            return next < tokens.size() ? tokens.get(next) : null;
        }

        private Token take() {
            if (next >= tokens.size()) {
                throw refused("it ends too early");
            }
            return tokens.get(next++);
        }

        private ConfigurationException unexpected(Token t) {
            return refused("unexpected '" + (t.kind() == Kind.QUOTED ? '"' + t.text() + '"' : t.text())
                + "' at position " + (t.at() + 1));
        }

        private ConfigurationException refused(String why) {
            return new ConfigurationException("The column type declared for column \"" + column + "\" is not a "
                + "PostgreSQL type name (" + why + "): '" + given + "'. Give the type as PostgreSQL writes it, for "
                + "example numeric(12,2), varchar(20), timestamptz, text[] or myschema.my_enum, in "
                + "PostgresTableDestination.Builder.columnType(\"" + column + "\", type)");
        }

        private List<Token> tokens() {
            List<Token> out = new ArrayList<>();
            int i = 0;
            int n = given.length();
            while (i < n) {
                char c = given.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    i++;
                } else if (isWordStart(c)) {
                    int start = i;
                    while (i < n && (isWordStart(given.charAt(i)) || isDigit(given.charAt(i))
                        || given.charAt(i) == '$')) {
                        i++;
                    }
                    out.add(new Token(Kind.WORD, given.substring(start, i).toLowerCase(Locale.ROOT), start));
                } else if (isDigit(c) || (c == '-' && i + 1 < n && isDigit(given.charAt(i + 1)))) {
                    int start = i;
                    i++;
                    while (i < n && isDigit(given.charAt(i))) {
                        i++;
                    }
                    out.add(new Token(Kind.NUMBER, given.substring(start, i), start));
                } else if (c == '"') {
                    int start = i;
                    StringBuilder name = new StringBuilder();
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw refused("a quoted name is not closed");
                        }
                        char q = given.charAt(i);
                        if (q == '"' && i + 1 < n && given.charAt(i + 1) == '"') {
                            name.append('"');
                            i += 2;
                        } else if (q == '"') {
                            i++;
                            break;
                        } else if (q == 0) {
                            throw refused("a quoted name holds a NUL character");
                        } else {
                            name.append(q);
                            i++;
                        }
                    }
                    if (name.length() == 0) {
                        throw refused("a quoted name is empty");
                    }
                    out.add(new Token(Kind.QUOTED, name.toString(), start));
                } else if ("().,[]".indexOf(c) >= 0) {
                    out.add(new Token(Kind.SYMBOL, String.valueOf(c), i));
                    i++;
                } else {
                    throw refused("unexpected '" + c + "' at position " + (i + 1));
                }
            }
            return out;
        }

        private static boolean isWordStart(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
