package io.valmi.destinations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.valmi.Change;
import io.valmi.ConfigurationException;
import io.valmi.DestinationException;
import io.valmi.DestinationMode;
import io.valmi.Mapping;
import io.valmi.Rejection;
import io.valmi.Row;
import io.valmi.SyncContext;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
    private final Deque<Answer> answers = new ArrayDeque<>();
    private final List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<String> authorizations = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The waits between attempts, recorded instead of slept. */
    private final List<Duration> sleeps = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            Answer answer = answers.isEmpty() ? new Answer(200, Map.of(), "") : answers.poll();
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private WebhookDestination.Builder builder() {
        return WebhookDestination.builder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
            + "/hook?api_key=in-the-query")).bearerToken(TOKEN).retries(3, Duration.ofMillis(5), Duration.ofMillis(20))
            .sleeper(sleeps::add).clock(CLOCK);
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

    @Test
    void retries429And5xxHonouringRetryAfter() throws Exception {
        answers.add(new Answer(503, Map.of(), "busy"));
        answers.add(new Answer(429, Map.of("Retry-After", "1"), ""));
        answers.add(new Answer(200, Map.of(), ""));

        assertThat(opened(builder().build()).write(batch()).allApplied()).isTrue();

        assertThat(bodies).hasSize(3).containsOnly(bodies.get(0));
        assertThat(sleeps).containsExactly(Duration.ofMillis(5), Duration.ofSeconds(1));
    }

    @Test
    void waitsUntilAnHttpDateInRetryAfterAtMostTheConfiguredMaximum() throws Exception {
        answers.add(new Answer(503, Map.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"), ""));
        answers.add(new Answer(429, Map.of("Retry-After", "Wed, 21 Oct 2015 09:00:00 GMT"), ""));
        answers.add(new Answer(200, Map.of(), ""));

        assertThat(opened(builder().maxRetryAfter(Duration.ofSeconds(60)).build()).write(batch()).allApplied())
            .isTrue();

        assertThat(bodies).hasSize(3);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(60));
    }

    @Test
    void doesNotWaitForAnHttpDateInRetryAfterThatHasPassed() throws Exception {
        answers.add(new Answer(503, Map.of("Retry-After", "Wed, 21 Oct 2015 06:00:00 GMT"), ""));
        answers.add(new Answer(200, Map.of(), ""));

        assertThat(opened(builder().build()).write(batch()).allApplied()).isTrue();

        assertThat(bodies).hasSize(2);
        assertThat(sleeps).containsExactly(Duration.ZERO);
    }

    @Test
    void fallsBackToTheBackoffWhenRetryAfterCannotBeParsed() throws Exception {
        answers.add(new Answer(503, Map.of("Retry-After", "soon"), ""));
        answers.add(new Answer(429, Map.of("Retry-After", "21 Oct 2015 07:28"), ""));
        answers.add(new Answer(503, Map.of("Retry-After", "1.5"), ""));
        answers.add(new Answer(503, Map.of("Retry-After", "-5"), ""));
        answers.add(new Answer(503, Map.of("Retry-After", "+5"), ""));
        answers.add(new Answer(200, Map.of(), ""));

        assertThat(opened(builder().retries(5, Duration.ofMillis(5), Duration.ofMillis(80)).build()).write(batch())
            .allApplied()).isTrue();

        assertThat(bodies).hasSize(6);
        assertThat(sleeps).containsExactly(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMillis(40), Duration.ofMillis(80));
    }

    @Test
    void readsTheObsoleteHttpDateFormsAndCapsHugeDelays() throws Exception {
        answers.add(new Answer(503, Map.of("Retry-After", "Wednesday, 21-Oct-15 07:28:00 GMT"), ""));
        answers.add(new Answer(503, Map.of("Retry-After", "Wed Oct 21 07:28:01 2015"), ""));
        answers.add(new Answer(429, Map.of("Retry-After", "99999999999999999999999"), ""));
        answers.add(new Answer(200, Map.of(), ""));

        assertThat(opened(builder().maxRetryAfter(Duration.ofSeconds(60)).build()).write(batch()).allApplied())
            .isTrue();

        assertThat(sleeps).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(8), Duration.ofSeconds(60));
    }

    @Test
    void givesUpWithARetriableFailureWhenRetriesRunOut() {
        for (int i = 0; i < 4; i++) {
            answers.add(new Answer(500, Map.of(), "boom"));
        }
        assertThatThrownBy(() -> opened(builder().build()).write(batch())).isInstanceOf(DestinationException.class)
            .hasMessageContaining("after 4 attempts; last: HTTP 500")
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isTrue());
        assertThat(bodies).hasSize(4);
        assertThat(sleeps).containsExactly(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20));
    }

    @Test
    void failsAtOnceOnOtherClientErrors() {
        answers.add(new Answer(401, Map.of(), "{\"error\":\"bad token\"}"));
        assertThatThrownBy(() -> opened(builder().build()).write(batch())).isInstanceOf(DestinationException.class)
            .hasMessageContaining("answered HTTP 401").hasMessageContaining("check the token")
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isFalse());
        assertThat(bodies).hasSize(1);
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
            opened(d).write(batch());

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
        assertThat(builder().header("X-Api-Key", "another-secret").build().secrets())
            .contains("Bearer " + TOKEN, TOKEN, "another-secret", "api_key=in-the-query", "in-the-query");
    }

    @Test
    void validatesTheUrl() {
        assertThatThrownBy(() -> WebhookDestination.builder(URI.create("file:///etc/passwd")).build())
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("http or https");
    }
}
