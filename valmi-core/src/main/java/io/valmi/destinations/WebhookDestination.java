package io.valmi.destinations;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.Destination;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.Rejection;
import io.valmi.SyncContext;
import io.valmi.WriteResult;
import io.valmi.internal.Redactor;
import io.valmi.internal.Sleeper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each batch as one JSON document to an HTTP endpoint, with the JDK's {@link HttpClient}.
 *
 * <pre>{@code
 * Destination hook = WebhookDestination.builder(URI.create("https://api.example.com/valmi"))
 *     .bearerToken(System.getenv("API_TOKEN"))
 *     .header("X-Tenant", "acme")
 *     .build();
 * }</pre>
 *
 * <p>The request body ({@code Content-Type: application/json}); values are rendered as {@link JsonLinesDestination}
 * documents:
 * <pre>
 * {"job":"crm-sync","run":"6f1c…","mode":"UPSERT","changes":[
 *   {"kind":"ADDED","key":1,"fields":{"email":"ada@example.com","balance":12.50}},
 *   {"kind":"REMOVED","key":2}]}
 * </pre>
 *
 * <p>The response:
 * <ul>
 *   <li>2xx with an empty body, or a body that is not a JSON object: every change applied.</li>
 *   <li>2xx with {@code {"rejected":[{"key":1,"reason":"email is invalid"}]}}: the listed keys were not applied and
 *       are reported with their reasons (and offered again next run); every other change counts as applied. Keys are
 *       matched by their JSON value ({@code 1} and {@code 1.0} are the same key), and else by the runner, by value
 *       ({@code "1"} names the key {@code 1}); a key that names no change of the batch fails the batch, its keys in
 *       doubt. A JSON object without
 *       {@code rejected} means all applied; one whose {@code rejected} is not a list of such objects fails the
 *       batch (not retried), because silently taking it as success could lose rejections.</li>
 *   <li>408, 429 and 5xx, and network failures: retried with exponential backoff ({@link Builder#retries}),
 *       waiting as long as a {@code Retry-After} header says (seconds or an HTTP date, at most
 *       {@link Builder#maxRetryAfter(Duration)}); when retries run out, a retriable {@link DestinationException},
 *       so the run's own retry policy applies next.</li>
 *   <li>Any other status (400, 401, 403, 404, …): a non-retriable {@link DestinationException} naming the status.</li>
 * </ul>
 * The server should apply changes by key, since a batch may arrive more than once.
 *
 * <p>Header values (tokens) never appear in {@link #toString()}, log lines, exception messages or results; nor do the
 * URL's query string and user info, which sometimes carry secrets too. Where a server echoes them (a 401 body quoting
 * the token), they are masked as {@code ****}: they are this destination's {@link #secrets()}, which the runner masks
 * in everything it repeats. {@link Builder#build()} refuses a header value that HTTP cannot carry (a line break left
 * by a secret file, a control character) and says where it is, without showing it.
 */
public final class WebhookDestination implements Destination {
    private static final Logger log = LoggerFactory.getLogger(WebhookDestination.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final URI url;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final int retries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxRetryAfter;
    private final HttpClient client;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Set<String> secrets;
    private final Redactor redactor;
    private @Nullable SyncContext context;

    private WebhookDestination(Builder b) {
        this.url = b.url;
        this.headers = Map.copyOf(b.headers);
        this.timeout = b.timeout;
        this.retries = b.retries;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.maxRetryAfter = b.maxRetryAfter;
        this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(b.timeout).build();
        this.sleeper = b.sleeper;
        this.clock = b.clock;
        this.secrets = secretsOf(url, headers.values());
        this.redactor = Redactor.of(secrets);
    }

    /**
     * Every header value, the credentials after an authorization scheme ({@code Bearer <token>}), and the URL's
     * user info and query string with each query parameter's value; shorter than 4 characters are left out.
     */
    private static Set<String> secretsOf(URI url, Collection<String> headerValues) {
        Set<String> all = new HashSet<>();
        for (String value : headerValues) {
            all.add(value);
            String[] schemeAndCredentials = value.split("[ \\t]+", 2);
            if (schemeAndCredentials.length == 2) {
                all.add(schemeAndCredentials[1]);
            }
        }
        all.add(url.getRawUserInfo());
        all.add(url.getUserInfo());
        if (url.getUserInfo() != null && url.getUserInfo().contains(":")) {
            all.add(url.getUserInfo().substring(url.getUserInfo().indexOf(':') + 1));
        }
        all.add(url.getRawQuery());
        all.add(url.getQuery());
        if (url.getRawQuery() != null) {
            for (String parameter : url.getRawQuery().split("&")) {
                String value = parameter.substring(parameter.indexOf('=') + 1);
                all.add(value);
                try {
                    all.add(URLDecoder.decode(value, StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    // not percent-encoded as it should be: the raw form, added above, is what a server would echo
                }
            }
        }
        all.removeIf(secret -> secret == null || secret.length() < 4);
        return Set.copyOf(all);
    }

    /**
     * Starts a webhook destination.
     *
     * @param url the endpoint; {@code http} or {@code https}
     * @return a builder
     */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /**
     * Every mode: the mode is sent with each batch, and the server decides what it means for its records.
     *
     * @return {@link DestinationCapabilities#all()}
     */
    @Override
    public DestinationCapabilities capabilities() {
        return DestinationCapabilities.all();
    }

    @Override
    public void open(SyncContext context) {
        this.context = context;
    }

    /**
     * The header values (for {@code Authorization: Bearer <token>} also the token alone) and the URL's user info
     * and query string, each of at least 4 characters (shorter ones would garble every message).
     *
     * @return the secrets the runner masks
     */
    @Override
    public Set<String> secrets() {
        return secrets;
    }

    @Override
    public WriteResult write(List<Change> batch) throws InterruptedException {
        SyncContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("WebhookDestination.write was called before open(SyncContext)");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body(ctx, batch)));
        headers.forEach(request::header);
        HttpRequest built = request.build();
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            String problem;
            try {
                HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return result(batch, response.body());
                }
                if (status != 408 && status != 429 && status < 500) {
                    throw new DestinationException("Webhook " + safeUrl() + " answered HTTP " + status + " to a batch of "
                        + batch.size() + " changes" + hint(status) + "; body: " + abbreviate(response.body()), null, false);
                }
                problem = "HTTP " + status;
                wait = retryAfter(response).orElse(backoff(attempt));
            } catch (IOException e) {
                problem = redactor.redact(e.toString());
                wait = backoff(attempt);
            }
            if (attempt > retries) {
                throw new DestinationException("Webhook " + safeUrl() + " failed a batch of " + batch.size()
                    + " changes after " + attempt + " attempts; last: " + problem, null, true);
            }
            log.warn("Webhook {} attempt {} of {} failed ({}); retrying in {} ms", safeUrl(), attempt, retries + 1,
                problem, wait.toMillis());
            sleeper.sleep(wait);
        }
    }

    private byte[] body(SyncContext ctx, List<Change> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + batch.size() * 128);
        try (JsonGenerator g = ChangeJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("job", ctx.jobId());
            g.writeStringField("run", ctx.runId());
            g.writeStringField("mode", ctx.destinationMode().name());
            g.writeArrayFieldStart("changes");
            for (Change change : batch) {
                ChangeJson.writeChange(g, change);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("Rendering JSON into memory failed", e);
        }
        return out.toByteArray();
    }

    private WriteResult result(List<Change> batch, String body) {
        String trimmed = body.strip();
        if (!trimmed.startsWith("{")) {
            return WriteResult.ok();
        }
        JsonNode rejected;
        try {
            rejected = JSON.readTree(trimmed).get("rejected");
        } catch (IOException e) {
            throw shapeError(body, e);
        }
        if (rejected == null || rejected.isNull()) {
            return WriteResult.ok();
        }
        if (!rejected.isArray()) {
            throw shapeError(body, null);
        }
        Map<String, Change> byKey = new HashMap<>();
        for (Change change : batch) {
            byKey.put(canonical(JSON.valueToTree(jsonValue(change.key()))), change);
        }
        List<Rejection> rejections = new ArrayList<>();
        for (JsonNode item : rejected) {
            JsonNode key = item.get("key");
            JsonNode reason = item.get("reason");
            if (key == null || reason == null || !reason.isTextual()) {
                throw shapeError(body, null);
            }
            Change change = byKey.get(canonical(key));
            String why = redactor.redact(reason.asText());
            // A key the batch does not hold as that JSON value (the server answered "2" for 2, say) goes to the runner
            // as the server named it: it matches keys by value, and fails the batch for a key of no change of it.
            rejections.add(new Rejection(change == null ? javaValue(key) : change.key(), why));
        }
        return WriteResult.rejected(rejections);
    }

    /** A key the server named, as a Java value: a number as Long or BigDecimal, anything else as its text. */
    private static Object javaValue(JsonNode key) {
        if (key.isIntegralNumber() && key.canConvertToLong()) {
            return key.asLong();
        }
        if (key.isNumber()) {
            return key.decimalValue();
        }
        return key.isTextual() ? key.asText() : key.toString();
    }

    /** The key as the body renders it, parsed back, so that both sides of the comparison are JSON values. */
    private static JsonNode jsonValue(Object key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = ChangeJson.FACTORY.createGenerator(out)) {
            ChangeJson.writeValue(g, key);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String canonical(JsonNode key) {
        return key.isNumber() ? "n:" + key.decimalValue().stripTrailingZeros().toPlainString() : "s:" + key.asText();
    }

    private DestinationException shapeError(String body, @Nullable Exception cause) {
        return new DestinationException("Webhook " + safeUrl() + " answered with a body that is not the documented "
            + "shape {\"rejected\":[{\"key\":...,\"reason\":\"...\"}]}: " + abbreviate(body), cause, false);
    }

    private Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().strip();
        Duration wait;
        if (value.matches("[0-9]+")) {
            // delay-seconds (RFC 9110 10.2.3): digits only; more than a long holds is simply "longer than the maximum".
            wait = value.length() > 18 ? maxRetryAfter : Duration.ofSeconds(Long.parseLong(value));
        } else {
            java.time.Instant at = httpDate(value);
            if (at == null) {
                return Optional.empty();
            }
            wait = Duration.between(clock.instant(), at);
        }
        if (wait.isNegative()) {
            wait = Duration.ZERO;
        }
        return Optional.of(wait.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wait);
    }

    /**
     * An HTTP-date in any of the three forms a recipient must accept (RFC 9110 5.6.7): IMF-fixdate (RFC 1123), the
     * obsolete RFC 850 form (two-digit year, read as the year within 50 years of now) and asctime (no zone: GMT).
     */
    private java.time.@org.jspecify.annotations.Nullable Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException notImf) {
            // next form
        }
        java.time.LocalDate base = java.time.LocalDate.ofInstant(clock.instant(), java.time.ZoneOffset.UTC).minusYears(50);
        DateTimeFormatter rfc850 = new java.time.format.DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("EEEE, dd-MMM-").appendValueReduced(java.time.temporal.ChronoField.YEAR, 2, 2, base)
            .appendPattern(" HH:mm:ss 'GMT'").toFormatter(java.util.Locale.ENGLISH).withZone(java.time.ZoneOffset.UTC);
        DateTimeFormatter asctime = new java.time.format.DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("EEE MMM ppd HH:mm:ss yyyy").toFormatter(java.util.Locale.ENGLISH)
            .withZone(java.time.ZoneOffset.UTC);
        for (DateTimeFormatter f : List.of(rfc850, asctime)) {
            try {
                return ZonedDateTime.parse(value, f).toInstant();
            } catch (DateTimeParseException notThisForm) {
                // next form
            }
        }
        return null;
    }

    private Duration backoff(int failedAttempt) {
        long millis = initialBackoff.toMillis() << Math.min(20, failedAttempt - 1);
        return millis >= maxBackoff.toMillis() || millis < 0 ? maxBackoff : Duration.ofMillis(millis);
    }

    private static String hint(int status) {
        switch (status) {
            case 401:
            case 403:
                return " (check the token or credentials in the headers)";
            case 404:
                return " (check the URL)";
            default:
                return "";
        }
    }

    /** The body on one line, at most 200 characters, secrets masked first (a secret cut in two would escape). */
    private String abbreviate(String body) {
        String oneLine = redactor.redact(body).replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    /** The URL without user info and query string, which may carry secrets. */
    private String safeUrl() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
            + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    @Override
    public String toString() {
        return "WebhookDestination[" + safeUrl() + ", headers " + headers.keySet().stream().sorted().toList() + "]";
    }

    /** Configures a {@link WebhookDestination}; validated by {@link #build()}. */
    public static final class Builder {
        private final URI url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        /** Whether the {@code Authorization} header was set by {@link #bearerToken(String)}. */
        private boolean bearer;
        private Duration timeout = Duration.ofSeconds(30);
        private int retries = 3;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration maxRetryAfter = Duration.ofSeconds(60);
        private @Nullable HttpClient client;
        private Sleeper sleeper = Sleeper.SYSTEM;
        private Clock clock = Clock.systemUTC();

        private Builder(URI url) {
            this.url = Objects.requireNonNull(url, "url");
        }

        /**
         * Adds a header to every request. Its value never appears in logs, messages or {@link #toString()}, and is
         * masked where a server echoes it. It must be what HTTP can carry: no line break or other control character,
         * no character beyond ISO-8859-1, no whitespace at either end (checked by {@link #build()}).
         *
         * @param name the header name
         * @param value the value
         * @return this builder
         */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            if (name.equals("Authorization")) {
                bearer = false;
            }
            return this;
        }

        /**
         * Sends {@code Authorization: Bearer <token>}. A token read from a file usually ends in a line break: strip
         * it ({@link String#strip()}), or {@link #build()} refuses the token.
         *
         * @param token the token
         * @return this builder
         */
        public Builder bearerToken(String token) {
            header("Authorization", "Bearer " + Objects.requireNonNull(token, "token"));
            bearer = true;
            return this;
        }

        /**
         * The time limit of one request, and of connecting (default 30 s).
         *
         * @param timeout the limit
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How often a batch is retried after 408, 429, 5xx or a network failure (default 3), and the backoff:
         * {@code initial}, doubling up to {@code max}, unless {@code Retry-After} says otherwise.
         *
         * @param retries retries after the first attempt, 0 or more
         * @param initial the first wait
         * @param max the longest wait
         * @return this builder
         */
        public Builder retries(int retries, Duration initial, Duration max) {
            this.retries = retries;
            this.initialBackoff = Objects.requireNonNull(initial, "initial");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * The longest wait a {@code Retry-After} header may impose (default 60 s).
         *
         * @param max the cap
         * @return this builder
         */
        public Builder maxRetryAfter(Duration max) {
            this.maxRetryAfter = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * Uses a given client (proxies, TLS settings, an executor) instead of a new default one.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** Replaces the waits between attempts; for tests, so that backoff takes no time. */
        Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Replaces the clock that an HTTP-date {@code Retry-After} is measured against; for tests. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates and builds the destination.
         *
         * @return the destination
         * @throws ConfigurationException when the URL is not absolute http(s), a setting is out of range, or a header
         *     is one HTTP cannot carry (the message says where, never what the value is)
         */
        public WebhookDestination build() {
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new ConfigurationException("Webhook URL must be an absolute http or https URL, got scheme '"
                    + scheme + "'");
            }
            if (retries < 0 || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0
                || timeout.isZero() || timeout.isNegative() || maxRetryAfter.isNegative()) {
                throw new ConfigurationException("Webhook settings out of range: retries >= 0, 0 <= initial backoff <= "
                    + "max backoff, timeout > 0, maxRetryAfter >= 0");
            }
            headers.forEach(this::checkHeader);
            return new WebhookDestination(this);
        }

        /**
         * Refuses what the JDK's client would refuse at every write (each batch failing with a message that quotes
         * the value), and values HTTP would alter. Messages name the header and the position, never the value.
         */
        private void checkHeader(String name, String value) {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c > 0x7e || !(Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                    throw new ConfigurationException("Webhook header name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' is not a valid HTTP header name: character " + (i + 1) + " is not allowed (letters, "
                        + "digits and !#$%&'*+-.^_`|~ only)");
                }
            }
            boolean fromToken = bearer && name.equals("Authorization");
            String what = fromToken ? "The webhook's bearer token (header 'Authorization')"
                : "The value of webhook header '" + name + "'";
            String checked = fromToken ? value.substring("Bearer ".length()) : value;
            String trim = "; trim the value you read from the secret file or variable (for example with "
                + "String.strip())";
            String notShown = ". The value is not shown: it may be a secret";
            if (fromToken && checked.isEmpty()) {
                throw new ConfigurationException(what + " is empty; check the secret file or variable it is read from");
            }
            for (int i = 0; i < checked.length(); i++) {
                char c = checked.charAt(i);
                String at = " at character " + (i + 1) + " of " + checked.length();
                if (c == '\r' || c == '\n') {
                    throw new ConfigurationException(what + " contains a line break (CR/LF)" + at + trim + notShown);
                }
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new ConfigurationException(what + " contains a control character" + at + trim + notShown);
                }
                if (c > 0xff) {
                    throw new ConfigurationException(what + " contains a character outside ISO-8859-1" + at
                        + ", which an HTTP header cannot carry; encode the value as the receiving service expects "
                        + "(for example Base64)" + notShown);
                }
            }
            if (!checked.isEmpty() && (isBlank(checked.charAt(0)) || isBlank(checked.charAt(checked.length() - 1)))) {
                throw new ConfigurationException(what + " starts or ends with whitespace, which HTTP drops" + trim
                    + notShown);
            }
            try {
                HttpRequest.newBuilder(url).header(name, "x");
            } catch (IllegalArgumentException refused) {
                throw new ConfigurationException("Webhook header '" + name + "' is refused by the JDK's HTTP client, "
                    + "which sets Connection, Content-Length, Expect, Host and Upgrade itself: remove the header");
            }
            try {
                HttpRequest.newBuilder(url).header(name, value);
            } catch (IllegalArgumentException refused) {
                // The JDK's message quotes the value: neither repeated nor kept as the cause.
                throw new ConfigurationException(what + " is refused by the JDK's HTTP client. The value is not shown: "
                    + "it may be a secret");
            }
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t';
        }
    }
}
