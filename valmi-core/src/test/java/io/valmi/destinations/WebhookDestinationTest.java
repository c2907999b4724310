package io.valmi.destinations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.DestinationCapabilities;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.RateLimit;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import io.valmi.ThrottledException;
import io.valmi.WriteResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class WebhookDestinationTest {
    private static final String TOKEN = "s3cr3t-t0ken";
    private static final SyncContext CONTEXT = new SyncContext("crm-sync", "run-1", "test",
        Mapping.builder().key("id").map("email").map("balance").destinationMode(DestinationMode.UPSERT).build(), 100);
    /** Seven seconds before the RFC 9110 example date, {@code Wed, 21 Oct 2015 07:28:00 GMT}. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2015-10-21T07:27:53Z"), ZoneOffset.UTC);

    /** One scripted answer: status, headers, body. */
    private record Answer(int status, Map<String, String> headers, String body) {
    }

    private HttpServer server;
    /** Runs the server's handlers, several at once (for the concurrency test). */
    private ExecutorService serverThreads;
    private final Deque<Answer> answers = new ConcurrentLinkedDeque<>();
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            Answer answer = answers.isEmpty() ? new Answer(200, Map.of(), "") : answers.poll();
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            respond(exchange, answer.status(), answer.body());
        });
        serverThreads = Executors.newFixedThreadPool(8);
        server.setExecutor(serverThreads);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path + "?api_key=in-the-query");
    }

    private WebhookDestination.Builder builder() {
        return WebhookDestination.builder(uri("/hook")).bearerToken(TOKEN).clock(CLOCK);
    }

    private static List<Change> batch() {
        List<String> fields = List.of("email", "balance");
        return List.of(Change.added(1L, Row.of(fields, "ada@example.com", new BigDecimal("12.50"))),
            Change.changed(2L, Row.of(fields, "bob@example.com", null)), Change.removed(3L));
    }

    private WebhookDestination opened(WebhookDestination d) {
        d.open(CONTEXT);
        return d;
    }

    /** Writes one batch against a scripted answer, checks that it took exactly one request, and returns the failure. */
    private DestinationException failureFor(int status, Map<String, String> headers, String body) {
        int before = bodies.size();
        answers.add(new Answer(status, headers, body));
        Throwable thrown = catchThrowable(() -> opened(builder().build()).write(batch()));
        assertThat(bodies).hasSize(before + 1);
        assertThat(answers).isEmpty();
        assertThat(thrown).isInstanceOf(DestinationException.class);
        return (DestinationException) thrown;
    }

    private DestinationException failureFor(int status, Map<String, String> headers) {
        return failureFor(status, headers, "");
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void postsTheBatchAsTheDocumentedJsonWithTheHeaders() throws Exception {
        assertThat(opened(builder().header("X-Tenant", "acme").build()).write(batch()).allApplied()).isTrue();

        assertThat(bodies).containsExactly("{\"job\":\"crm-sync\",\"run\":\"run-1\",\"mode\":\"UPSERT\",\"changes\":["
            + "{\"kind\":\"ADDED\",\"key\":1,\"fields\":{\"email\":\"ada@example.com\",\"balance\":12.50}},"
            + "{\"kind\":\"CHANGED\",\"key\":2,\"fields\":{\"email\":\"bob@example.com\",\"balance\":null}},"
            + "{\"kind\":\"REMOVED\",\"key\":3}]}");
        assertThat(authorizations).containsExactly("Bearer " + TOKEN);
    }

    @Test
    void turnsRejectedRowsOfTheResponseIntoRejections() throws Exception {
        answers.add(new Answer(200, Map.of("Content-Type", "application/json"),
            "{\"rejected\":[{\"key\":2.0,\"reason\":\"email bounced\"},{\"key\":\"3\",\"reason\":\"as text\"},"
                + "{\"key\":99,\"reason\":\"not ours\"}]}"));
        // 2.0 is the batch's key 2 as JSON; "3" and 99 go to the runner as the server named them, which matches "3"
        // to the key 3 by value and fails the batch for 99, which names no change of it.
        assertThat(opened(builder().build()).write(batch()).rejections()).containsExactly(
            new Rejection(2L, "email bounced"), new Rejection("3", "as text"), new Rejection(99L, "not ours"));

        answers.add(new Answer(200, Map.of(), "{\"rejected\":\"everything\"}"));
        assertThatThrownBy(() -> opened(builder().build()).write(batch())).isInstanceOf(DestinationException.class)
            .hasMessageContaining("not the documented shape")
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 202, 204, 301, 400, 401, 403, 404, 408, 409, 413, 422, 425, 429, 500, 501, 502, 503,
        504})
    void sendsExactlyOneRequestPerWriteWhateverTheAnswer(int status) {
        answers.add(new Answer(status, Map.of("Retry-After", "0"), ""));

        Throwable thrown = catchThrowable(() -> opened(builder().build()).write(batch()));

        assertThat(bodies).hasSize(1);
        if (status < 300) {
            assertThat(thrown).isNull();
        } else {
            assertThat(thrown).isInstanceOf(DestinationException.class).hasMessageContaining("HTTP " + status);
        }
    }

    @Test
    void throttlesFor429WithTheDelaySecondsOfRetryAfter() {
        DestinationException e = failureFor(429, Map.of("Retry-After", "7"), "{\"error\":\"rate limited\"}");

        assertThat(e).isInstanceOf(ThrottledException.class)
            .hasMessageContaining("answered HTTP 429 to a batch of 3 changes: slow down for 7 s (as its Retry-After says)")
            .hasMessageContaining("rate limited");
        assertThat(e.isRetriable()).isTrue();
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void throttlesFor429UntilTheHttpDateOfRetryAfterInEachOfItsThreeForms() {
        // The clock stands at 07:27:53 GMT on that day.
        assertThat(failureFor(429, Map.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")))
            .isInstanceOf(ThrottledException.class).extracting(DestinationException::retryAfter)
            .isEqualTo(Duration.ofSeconds(7));
        assertThat(failureFor(429, Map.of("Retry-After", "Wednesday, 21-Oct-15 07:28:01 GMT")).retryAfter())
            .isEqualTo(Duration.ofSeconds(8));
        assertThat(failureFor(429, Map.of("Retry-After", "Wed Oct 21 07:28:02 2015")).retryAfter())
            .isEqualTo(Duration.ofSeconds(9));
        assertThat(failureFor(429, Map.of("Retry-After", "Wed, 21 Oct 2015 06:00:00 GMT")).retryAfter())
            .as("a date passed: no wait").isEqualTo(Duration.ZERO);
    }

    @Test
    void throttlesFor429WithoutRetryAfterForTheDocumentedDefaultOfOneSecond() {
        DestinationException e = failureFor(429, Map.of());

        assertThat(e).isInstanceOf(ThrottledException.class)
            .hasMessageContaining("slow down for 1 s (the default: it sent no Retry-After)");
        assertThat(e.isRetriable()).isTrue();
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(WebhookDestination.DEFAULT_THROTTLE_SECONDS))
            .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void takesARetryAfterThatIsNeitherDelaySecondsNorAnHttpDateAsAbsent() {
        for (String unreadable : List.of("soon", "21 Oct 2015 07:28", "1.5", "-5", "+5")) {
            DestinationException e = failureFor(429, Map.of("Retry-After", unreadable));
            assertThat(e).as(unreadable).isInstanceOf(ThrottledException.class)
                .hasMessageContaining("the default: its Retry-After '" + unreadable + "' is neither");
            assertThat(e.retryAfter()).as(unreadable).isEqualTo(Duration.ofSeconds(1));
        }
        DestinationException e = failureFor(503, Map.of("Retry-After", "soon"));
        assertThat(e).isNotInstanceOf(ThrottledException.class);
        assertThat(e.isRetriable()).isTrue();
        assertThat(e.retryAfter()).isNull();
    }

    @Test
    void takesARetryAfterBeyondADayAsADay() {
        assertThat(failureFor(429, Map.of("Retry-After", "99999999999999999999999")).retryAfter())
            .isEqualTo(Duration.ofDays(1));
        assertThat(failureFor(429, Map.of("Retry-After", "86401")).retryAfter()).isEqualTo(Duration.ofDays(1));
        assertThat(failureFor(429, Map.of("Retry-After", "Thu, 01 Jan 2026 00:00:00 GMT")).retryAfter())
            .isEqualTo(Duration.ofDays(1));
        assertThat(failureFor(429, Map.of("Retry-After", "86400")).retryAfter()).isEqualTo(Duration.ofDays(1));
        assertThat(failureFor(429, Map.of("Retry-After", "86399")).retryAfter()).isEqualTo(Duration.ofSeconds(86399));
    }

    @Test
    void throttlesFor503OnlyWithRetryAfter() {
        DestinationException withHeader = failureFor(503, Map.of("Retry-After", "120"), "maintenance");
        assertThat(withHeader).isInstanceOf(ThrottledException.class)
            .hasMessageContaining("answered HTTP 503").hasMessageContaining("slow down for 120 s")
            .hasMessageContaining("body: maintenance");
        assertThat(withHeader.retryAfter()).isEqualTo(Duration.ofMinutes(2));

        DestinationException withDate = failureFor(503, Map.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));
        assertThat(withDate).isInstanceOf(ThrottledException.class);
        assertThat(withDate.retryAfter()).isEqualTo(Duration.ofSeconds(7));

        DestinationException without = failureFor(503, Map.of(), "busy");
        assertThat(without).isNotInstanceOf(ThrottledException.class).hasMessageContaining("answered HTTP 503")
            .hasMessageContaining("body: busy");
        assertThat(without.isRetriable()).isTrue();
        assertThat(without.retryAfter()).isNull();
    }

    @Test
    void failsRetriablyOn500CarryingARetryAfterWhenThereIsOne() {
        DestinationException plain = failureFor(500, Map.of(), "boom");
        assertThat(plain).isNotInstanceOf(ThrottledException.class)
            .hasMessage("Webhook http://127.0.0.1:" + server.getAddress().getPort()
                + "/hook answered HTTP 500 to a batch of 3 changes; body: boom");
        assertThat(plain.isRetriable()).isTrue();
        assertThat(plain.retryAfter()).isNull();

        DestinationException withHeader = failureFor(500, Map.of("Retry-After", "5"));
        assertThat(withHeader).isNotInstanceOf(ThrottledException.class).hasMessageContaining("(Retry-After: 5 s)")
            .hasMessageContaining("empty body");
        assertThat(withHeader.isRetriable()).isTrue();
        assertThat(withHeader.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 425, 502, 504, 507, 520})
    void failsRetriablyOnOtherTransientStatuses(int status) {
        DestinationException e = failureFor(status, Map.of());

        assertThat(e).isNotInstanceOf(ThrottledException.class);
        assertThat(e.isRetriable()).isTrue();
        assertThat(e.retryAfter()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 400, 401, 403, 404, 405, 409, 410, 413, 422, 501, 505, 511})
    void failsWithoutRetryOnStatusesARetryCannotMend(int status) {
        DestinationException e = failureFor(status, Map.of("Retry-After", "5"), "no");

        assertThat(e).isNotInstanceOf(ThrottledException.class).hasMessageContaining("answered HTTP " + status);
        assertThat(e.isRetriable()).isFalse();
        assertThat(e.retryAfter()).isNull();
    }

    @Test
    void namesTheStatusAndTheStartOfTheBodyOfA400SoThatARowsReasonReadsWell() {
        String longBody = "{\"error\":\"email is invalid\",\n  \"detail\":\"" + "y".repeat(300) + "\"}";
        DestinationException e = failureFor(400, Map.of(), longBody);

        assertThat(e.isRetriable()).isFalse();
        assertThat(e.getMessage()).contains("answered HTTP 400 to a batch of 3 changes; body: {\"error\":\"email is "
            + "invalid\", \"detail\":\"yyy").endsWith("y…").doesNotContain("\n");
        assertThat(e.getMessage().substring(e.getMessage().indexOf("body: ") + "body: ".length())).hasSize(201);

        answers.add(new Answer(400, Map.of(), "{\"error\":\"email is invalid\"}"));
        assertThatThrownBy(() -> opened(builder().build()).write(batch().subList(0, 1)))
            .hasMessageEndingWith("answered HTTP 400 to a batch of 1 change; body: {\"error\":\"email is invalid\"}");
    }

    @Test
    void saysWhatToCheckOn401AndToLowerTheBatchSizeOn413() {
        DestinationException unauthorized = failureFor(401, Map.of(), "{\"error\":\"bad token\"}");
        assertThat(unauthorized).hasMessageContaining("answered HTTP 401")
            .hasMessageContaining("check the token or credentials").hasMessageContaining("bad token");
        assertThat(unauthorized.isRetriable()).isFalse();

        DestinationException tooLarge = failureFor(413, Map.of(), "");
        assertThat(tooLarge).hasMessageContaining("answered HTTP 413 to a batch of 3 changes (Payload Too Large: "
            + "lower the job's batch size, SyncJob.Builder.batchSize");
        assertThat(tooLarge.isRetriable()).isFalse();
    }

    @Test
    void failsRetriablyWithOneRequestWhenTheServerDoesNotAnswerInTime() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.createContext("/slow", exchange -> {
            requests.incrementAndGet();
            arrived.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "");
        });
        WebhookDestination d = opened(WebhookDestination.builder(uri("/slow")).timeout(Duration.ofMillis(300)).build());
        try {
            assertThatThrownBy(() -> d.write(batch())).isInstanceOf(DestinationException.class)
                .hasMessageContaining("did not answer a batch of 3 changes within 300 ms (its timeout)")
                .hasCauseInstanceOf(HttpTimeoutException.class)
                .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isTrue());
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(requests).hasValue(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void failsRetriablyWhenTheServerCannotBeReachedWithoutShowingTheQueryString() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        WebhookDestination d = opened(WebhookDestination.builder(
            URI.create("http://127.0.0.1:" + closedPort + "/hook?api_key=in-the-query")).bearerToken(TOKEN).build());

        Throwable thrown = catchThrowable(() -> d.write(batch()));

        assertThat(thrown).isInstanceOf(DestinationException.class).isNotInstanceOf(ThrottledException.class)
            .hasMessageStartingWith("Webhook http://127.0.0.1:" + closedPort + "/hook failed a batch of 3 changes "
                + "without an answer").hasMessageContaining("check that the server is up")
            .hasCauseInstanceOf(ConnectException.class);
        assertThat(((DestinationException) thrown).isRetriable()).isTrue();
        assertThat(printed(thrown)).doesNotContain("in-the-query").doesNotContain(TOKEN);
    }

    @Test
    void takesWritesFromSeveralThreadsAtOnceEachWithItsOwnAnswer() throws Exception {
        int threads = 4;
        ObjectMapper json = new ObjectMapper();
        // Each request waits at the barrier until all of them are in: writes taken one at a time would never get
        // there (the server then answers 500). Each answer rejects the first key of its own request.
        CyclicBarrier allIn = new CyclicBarrier(threads);
        server.createContext("/together", exchange -> {
            JsonNode body = json.readTree(exchange.getRequestBody());
            try {
                allIn.await(10, TimeUnit.SECONDS);
            } catch (Exception notAllAtOnce) {
                respond(exchange, 500, "not all at once: " + notAllAtOnce);
                return;
            }
            respond(exchange, 200, "{\"rejected\":[{\"key\":" + body.get("changes").get(0).get("key")
                + ",\"reason\":\"run " + body.get("run").asText() + "\"}]}");
        });
        WebhookDestination d = opened(WebhookDestination.builder(uri("/together")).maxConcurrency(threads).build());
        assertThat(d.capabilities().maxConcurrency()).isEqualTo(threads);

        ExecutorService writers = Executors.newFixedThreadPool(threads);
        try {
            List<Future<WriteResult>> results = new ArrayList<>();
            for (long i = 0; i < threads; i++) {
                long first = i * 10;
                results.add(writers.submit(() -> d.write(List.of(Change.removed(first), Change.removed(first + 1)))));
            }
            for (int i = 0; i < threads; i++) {
                assertThat(results.get(i).get(30, TimeUnit.SECONDS).rejections())
                    .containsExactly(new Rejection(i * 10L, "run run-1"));
            }
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void declaresItsConcurrencyAndRateLimitInItsCapabilities() {
        DestinationCapabilities plain = builder().build().capabilities();
        assertThat(plain.maxConcurrency()).isEqualTo(1);
        assertThat(plain.rateLimit()).isNull();
        assertThat(plain.modes()).containsExactlyInAnyOrder(DestinationMode.values());

        RateLimit quota = RateLimit.perSecond(10);
        DestinationCapabilities limited = builder().maxConcurrency(3).rateLimit(quota).build().capabilities();
        assertThat(limited.maxConcurrency()).isEqualTo(3);
        assertThat(limited.rateLimit()).isSameAs(quota);

        assertThatThrownBy(() -> builder().maxConcurrency(0).build()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("maxConcurrency must be at least 1, got 0");
        assertThatThrownBy(() -> builder().timeout(Duration.ZERO).build()).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("timeout must be positive");
    }

    @Test
    void neverShowsTheTokenOrTheQueryStringInToStringOrLogs() throws Exception {
        ch.qos.logback.classic.Logger logger =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(WebhookDestination.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        logger.addAppender(appender);
        try {
            answers.add(new Answer(502, Map.of(), ""));
            WebhookDestination d = builder().header("X-Api-Key", "another-secret").build();
            assertThat(catchThrowable(() -> opened(d).write(batch()))).isInstanceOf(DestinationException.class);

            assertThat(appender.list).isNotEmpty();
            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).allSatisfy(m -> assertThat(m)
                .doesNotContain(TOKEN).doesNotContain("another-secret").doesNotContain("in-the-query"));
            assertThat(d.toString()).isEqualTo("WebhookDestination[http://127.0.0.1:" + server.getAddress().getPort()
                + "/hook, headers [Authorization, X-Api-Key]]");
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
    }

    @Test
    void refusesAtBuildAHeaderValueHttpCannotCarryWithoutShowingIt() {
        String token = "tok_SECRET_123";
        assertThatThrownBy(() -> builder().bearerToken(token + "\n").build())
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("bearer token (header 'Authorization') contains a line break (CR/LF) at character 15 "
                + "of 15")
            .hasMessageContaining("trim the value you read from the secret file")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token).doesNotContain("SECRET"))
            .hasNoCause();
        assertThatThrownBy(() -> builder().header("X-Api-Key", "key\r\nX-Injected: 1").build())
            .hasMessageContaining("header 'X-Api-Key' contains a line break (CR/LF) at character 4 of 18")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("key\r").doesNotContain("Injected"));
        assertThatThrownBy(() -> builder().header("X-Api-Key", "abc\u0000def").build())
            .hasMessageContaining("header 'X-Api-Key' contains a control character at character 4 of 7")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("abc"));
        assertThatThrownBy(() -> builder().header("X-Api-Key", "p\u20acss").build())
            .hasMessageContaining("outside ISO-8859-1 at character 2 of 4");
        assertThatThrownBy(() -> builder().header("X-Api-Key", " padded-key").build())
            .hasMessageContaining("header 'X-Api-Key' starts or ends with whitespace")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("padded"));
        assertThatThrownBy(() -> builder().bearerToken("").build()).hasMessageContaining("bearer token")
            .hasMessageContaining("is empty");
        assertThatThrownBy(() -> builder().header("X Api", "v").build())
            .hasMessageContaining("not a valid HTTP header name");
        assertThatThrownBy(() -> builder().header("Host", "example.com").build())
            .hasMessageContaining("header 'Host' is refused by the JDK's HTTP client");

        assertThat(builder().header("X-Name", "Zo\u00eb\tand friends").build()).isNotNull();
        assertThat(builder().bearerToken(token).header("Authorization", "Basic dXNlcjpwYXNz").build()).isNotNull();
    }

    @Test
    void masksTheTokenWhereTheServerEchoesItInAnErrorBody() {
        String padding = "x".repeat(175); // the token starts 5 characters before the body is cut at 200
        answers.add(new Answer(401, Map.of(), "{\"error\":\"" + padding + " invalid: " + TOKEN + "\"}"));
        assertThatThrownBy(() -> opened(builder().build()).write(batch())).isInstanceOf(DestinationException.class)
            .hasMessageContaining("answered HTTP 401").hasMessageContaining("invalid: ****")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 4)));

        DestinationException throttled = failureFor(429, Map.of("Retry-After", "later, " + TOKEN),
            "{\"error\":\"slow down\",\"url\":\"/hook?api_key=in-the-query\",\"auth\":\"Bearer " + TOKEN + "\"}");
        assertThat(throttled).isInstanceOf(ThrottledException.class)
            .hasMessageContaining("its Retry-After 'later, ****'").hasMessageContaining("\"url\":\"/hook?****\"")
            .hasMessageContaining("\"auth\":\"****\"");
        assertThat(throttled.getMessage()).doesNotContain(TOKEN).doesNotContain("in-the-query");

        assertThat(builder().header("X-Api-Key", "another-secret").build().secrets())
            .contains("Bearer " + TOKEN, TOKEN, "another-secret", "api_key=in-the-query", "in-the-query");
    }

    @Test
    void validatesTheUrl() {
        assertThatThrownBy(() -> WebhookDestination.builder(URI.create("file:///etc/passwd")).build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("http or https");
    }
}
