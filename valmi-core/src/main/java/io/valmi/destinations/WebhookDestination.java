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
import io.valmi.RateLimit;
import io.valmi.Rejection;
import io.valmi.SyncContext;
import io.valmi.ThrottledException;
import io.valmi.WriteResult;
import io.valmi.internal.Redactor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
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
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each batch as one JSON document to an HTTP endpoint, with the JDK's {@link HttpClient}: one request per
 * {@link #write(List)}, no retry of its own. It tells the runner what an answer means and leaves retrying to the job's
 * {@link io.valmi.RetryPolicy}, the one retry layer of a run.
 *
 * <pre>{@code
 * Destination hook = WebhookDestination.builder(URI.create("https://api.example.com/valmi"))
 *     .bearerToken(System.getenv("API_TOKEN"))
 *     .header("X-Tenant", "acme")
 *     .rateLimit(RateLimit.perSecond(10))
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
 *   <li>429 Too Many Requests, and 503 Service Unavailable with a {@code Retry-After} header: a
 *       {@link ThrottledException} that carries the wait the header names (delay-seconds or an HTTP-date, RFC 9110
 *       10.2.3; a date is measured against this machine's clock, one passed is no wait). The runner pauses every write
 *       of the run, and of runs sharing its {@link RateLimit}, that long, without using up an attempt. A 429 without
 *       a {@code Retry-After} the destination can read asks for {@value #DEFAULT_THROTTLE_SECONDS} second.</li>
 *   <li>408, 425, 500, 502, 503 without {@code Retry-After}, 504 and every other 5xx but 501, 505 and 511, and a
 *       network failure or timeout: a retriable {@link DestinationException}, with {@link
 *       DestinationException#retryAfter()} when the answer has a {@code Retry-After} header.</li>
 *   <li>Any other status (400, 401, 403, 404, 409, 413, 422, a redirect, 501, …): a {@link DestinationException}
 *       that is not retriable. A job that {@linkplain io.valmi.SyncOptions#isolateFailures() isolates failures}
 *       splits the batch down to the changes the server refuses; the message names the status and the start of the
 *       body (at most 200 characters, secrets masked), which for a batch of one change is its reason. The message of
 *       a 413 Payload Too Large says to lower the batch size.</li>
 * </ul>
 * A {@code Retry-After} longer than a day is taken as a day (the job's
 * {@link io.valmi.RetryPolicy#maxThrottledWait()} bounds the waiting anyway). The server should apply changes by key,
 * since a batch may arrive more than once.
 *
 * <p>Thread-safe: with {@link Builder#maxConcurrency(int)} above 1 the runner may call {@code write} from several
 * threads at once, each call its own request on the shared client. The server must then take concurrent requests, and
 * batches may reach it in any order (never two changes of one key at once).
 *
 * <p>Header values (tokens) never appear in {@link #toString()}, log lines, exception messages or results; nor do the
 * URL's query string and user info, which sometimes carry secrets too. Where a server echoes them (a 401 body quoting
 * the token), they are masked as {@code ****}: they are this destination's {@link #secrets()}, which the runner masks
 * in everything it repeats. {@link Builder#build()} refuses a header value that HTTP cannot carry (a line break left
 * by a secret file, a control character) and says where it is, without showing it.
 */
public final class WebhookDestination implements Destination {
    /** The wait of a 429 without a readable {@code Retry-After} header, in seconds. */
    public static final int DEFAULT_THROTTLE_SECONDS = 1;

    private static final Logger log = LoggerFactory.getLogger(WebhookDestination.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    /** The longest wait a {@code Retry-After} is taken for: what the runner adds it to stays far from overflowing. */
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(1);
    /** How much of a response body a message quotes. */
    private static final int EXCERPT = 200;
    private static final Pattern DELAY_SECONDS = Pattern.compile("[0-9]+");
    /** The asctime form of an HTTP-date; without a zone, in GMT. */
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
        .appendPattern("EEE MMM ppd HH:mm:ss yyyy").toFormatter(Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final URI url;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final DestinationCapabilities capabilities;
    private final HttpClient client;
    private final Clock clock;
    private final Set<String> secrets;
    private final Redactor redactor;
    /** Set by {@link #open(SyncContext)}, read by every {@link #write(List)}, which may run on other threads. */
    private volatile @Nullable SyncContext context;

    private WebhookDestination(Builder b) {
        this.url = b.url;
        this.headers = Map.copyOf(b.headers);
        this.timeout = b.timeout;
        DestinationCapabilities all = DestinationCapabilities.all().withMaxConcurrency(b.maxConcurrency);
        this.capabilities = b.rateLimit == null ? all : all.withRateLimit(b.rateLimit);
        this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(b.timeout).build();
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
     * Every mode (the mode is sent with each batch, and the server decides what it means for its records), batches of
     * any size, the {@link Builder#maxConcurrency(int)} and the {@link Builder#rateLimit(RateLimit)} if one is set.
     *
     * @return the capabilities
     */
    @Override
    public DestinationCapabilities capabilities() {
        return capabilities;
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

    /**
     * Sends the batch in one request and says what the answer means (see the class documentation).
     *
     * @param batch the changes
     * @return {@link WriteResult#ok()}, or the changes the server rejected
     * @throws ThrottledException when the server asked to slow down (429, or 503 with {@code Retry-After})
     * @throws DestinationException for any other answer than 2xx, retriable or not, and for a network failure
     * @throws InterruptedException when interrupted while waiting for the answer (the request is cancelled)
     */
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
        long start = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            log.debug("Webhook {} failed a batch of {} after {} ms: {}", safeUrl(), changes(batch.size()),
                elapsedMillis(start), redactor.redact(e.toString()));
            throw networkFailure(e, batch.size());
        }
        int status = response.statusCode();
        log.debug("Webhook {} answered HTTP {} to a batch of {} in {} ms", safeUrl(), status, changes(batch.size()),
            elapsedMillis(start));
        if (status >= 200 && status < 300) {
            return result(batch, response.body());
        }
        throw failure(response, batch.size());
    }

    /** A failure before an answer: retriable, since the batch may not have arrived, or arrived and is in doubt. */
    private DestinationException networkFailure(IOException e, int changes) {
        String what;
        if (e instanceof HttpConnectTimeoutException) {
            what = " could not be connected to within " + millisOrSeconds(timeout) + " (its timeout) to send a batch "
                + "of " + changes(changes) + "; check that the server is up and the URL is right";
        } else if (e instanceof HttpTimeoutException) {
            what = " did not answer a batch of " + changes(changes) + " within " + millisOrSeconds(timeout)
                + " (its timeout); raise WebhookDestination.Builder.timeout or lower the job's batch size if the "
                + "server is slow rather than down";
        } else {
            what = " failed a batch of " + changes(changes) + " without an answer (" + redactor.redact(e.toString())
                + "); check that the server is up and the URL is right";
        }
        return new DestinationException("Webhook " + safeUrl() + what, redactor.redact(e), true);
    }

    /** What an answer other than 2xx means to the runner. */
    private DestinationException failure(HttpResponse<String> response, int changes) {
        int status = response.statusCode();
        Optional<String> header = response.headers().firstValue("Retry-After");
        Duration retryAfter = header.flatMap(this::retryAfter).orElse(null);
        String answered = "Webhook " + safeUrl() + " answered HTTP " + status + " to a batch of " + changes(changes);
        String body = excerptOfBody(response.body());
        if (status == 429 || status == 503 && retryAfter != null) {
            Duration wait = retryAfter != null ? retryAfter : Duration.ofSeconds(DEFAULT_THROTTLE_SECONDS);
            String why = retryAfter != null ? "as its Retry-After says"
                : header.isPresent() ? "the default: its Retry-After '" + excerpt(header.get())
                    + "' is neither delay-seconds nor an HTTP-date"
                : "the default: it sent no Retry-After";
            return new ThrottledException(answered + ": slow down for " + millisOrSeconds(wait) + " (" + why + ")"
                + body, wait, null);
        }
        if (isRetriable(status)) {
            String after = retryAfter == null ? "" : " (Retry-After: " + millisOrSeconds(retryAfter) + ")";
            return new DestinationException(answered + after + body, null, true, retryAfter);
        }
        return new DestinationException(answered + hint(status) + body, null, false);
    }

    /**
     * 408 Request Timeout, 425 Too Early, and 5xx but 501 Not Implemented, 505 HTTP Version Not Supported and 511
     * Network Authentication Required, which the same request meets again.
     */
    private static boolean isRetriable(int status) {
        return status == 408 || status == 425
            || status >= 500 && status < 600 && status != 501 && status != 505 && status != 511;
    }

    private static String hint(int status) {
        if (status >= 300 && status < 400) {
            return " (a redirect: configure the URL it redirects to)";
        }
        switch (status) {
            case 401:
            case 403:
                return " (check the token or credentials in the headers)";
            case 404:
            case 410:
                return " (check the URL)";
            case 405:
                return " (check the URL: the endpoint must take POST)";
            case 413:
                return " (Payload Too Large: lower the job's batch size, SyncJob.Builder.batchSize, to what the server "
                    + "takes)";
            default:
                return "";
        }
    }

    private byte[] body(SyncContext ctx, List<Change> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + batch.size() * 128);
        try (JsonGenerator g = ChangeJson.factory().createGenerator(out)) {
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
        try (JsonGenerator g = ChangeJson.factory().createGenerator(out)) {
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
            + "shape {\"rejected\":[{\"key\":...,\"reason\":\"...\"}]}" + excerptOfBody(body), cause, false);
    }

    /**
     * The wait a {@code Retry-After} value names (RFC 9110 10.2.3): delay-seconds (digits only) or an HTTP-date, from
     * now; a date passed is no wait, and a wait beyond {@link #LONGEST_RETRY_AFTER} is that. Empty for anything else.
     */
    private Optional<Duration> retryAfter(String header) {
        String value = header.strip();
        Duration wait;
        if (DELAY_SECONDS.matcher(value).matches()) {
            // More digits than a long holds is simply "longer than the longest".
            wait = value.length() > 18 ? LONGEST_RETRY_AFTER : Duration.ofSeconds(Long.parseLong(value));
        } else {
            Instant at = httpDate(value);
            if (at == null) {
                return Optional.empty();
            }
            wait = Duration.between(clock.instant(), at);
        }
        if (wait.isNegative()) {
            return Optional.of(Duration.ZERO);
        }
        return Optional.of(wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait);
    }

    /**
     * An HTTP-date in any of the three forms a recipient must accept (RFC 9110 5.6.7): IMF-fixdate (RFC 1123), the
     * obsolete RFC 850 form (two-digit year, read as the year within 50 years of now) and asctime (no zone: GMT).
     */
    private @Nullable Instant httpDate(String value) {
        LocalDate base = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusYears(50);
        DateTimeFormatter rfc850 = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("EEEE, dd-MMM-").appendValueReduced(ChronoField.YEAR, 2, 2, base)
            .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.ENGLISH).withZone(ZoneOffset.UTC);
        for (DateTimeFormatter form : List.of(DateTimeFormatter.RFC_1123_DATE_TIME, rfc850, ASCTIME)) {
            try {
                return ZonedDateTime.parse(value, form).toInstant();
            } catch (DateTimeParseException notThisForm) {
                // next form
            }
        }
        return null;
    }

    /**
     * {@code "; body: "} and the body on one line, at most {@link #EXCERPT} characters, secrets masked first (a secret
     * cut in two would escape); {@code "; empty body"} for none.
     */
    private String excerptOfBody(String body) {
        String excerpt = excerpt(body);
        return excerpt.isEmpty() ? "; empty body" : "; body: " + excerpt;
    }

    /** The text on one line, at most {@link #EXCERPT} characters, secrets masked first. */
    private String excerpt(String text) {
        String oneLine = redactor.redact(text).replaceAll("\\s+", " ").strip();
        return oneLine.length() <= EXCERPT ? oneLine : oneLine.substring(0, EXCERPT) + "…";
    }

    private static String changes(int count) {
        return count == 1 ? "1 change" : count + " changes";
    }

    private static String millisOrSeconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.getSeconds() + " s" : d.toMillis() + " ms";
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
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
        private int maxConcurrency = 1;
        private @Nullable RateLimit rateLimit;
        private @Nullable HttpClient client;
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
         * The time limit of one request, and of connecting (default 30 s). Keep it below the job's
         * {@link io.valmi.SyncOptions#writeTimeout()}, so that a slow answer fails as a timeout of this request.
         *
         * @param timeout the limit
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How many writes the runner may send at once, from different threads (default 1). A job's
         * {@link io.valmi.SyncOptions#concurrency()} is limited to it. Above 1, the server must take concurrent
         * requests, and batches may reach it in any order.
         *
         * @param max the most requests at once, at least 1
         * @return this builder
         */
        public Builder maxConcurrency(int max) {
            this.maxConcurrency = max;
            return this;
        }

        /**
         * A limit of requests and rows per second that every run of this destination keeps: the endpoint's quota.
         * Share one {@link RateLimit} between destinations (and jobs) that write against the same quota; a 429 from
         * any of them pauses all of them.
         *
         * @param limit the limit
         * @return this builder
         */
        public Builder rateLimit(RateLimit limit) {
            this.rateLimit = Objects.requireNonNull(limit, "limit");
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

        /** Replaces the clock that an HTTP-date {@code Retry-After} is measured against; for tests. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates and builds the destination.
         *
         * @return the destination
         * @throws ConfigurationException when the URL is not absolute http(s), the timeout or concurrency is out of
         *     range, or a header is one HTTP cannot carry (the message says where, never what the value is)
         */
        public WebhookDestination build() {
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new ConfigurationException("Webhook URL must be an absolute http or https URL, got scheme '"
                    + scheme + "'");
            }
            if (timeout.isZero() || timeout.isNegative()) {
                throw new ConfigurationException("Webhook timeout must be positive, got " + timeout);
            }
            if (maxConcurrency < 1) {
                throw new ConfigurationException("Webhook maxConcurrency must be at least 1, got " + maxConcurrency);
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
