package io.valmi;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.valmi.destinations.WebhookDestination;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A destination's secrets never reach the run's result, its bookkeeping, its listeners or its log lines. */
class SecretRedactionTest {
    private static final String TOKEN = "tok_SECRET_123";

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger valmiLogger = (Logger) LoggerFactory.getLogger("io.valmi");
    private @Nullable Level level;
    private @Nullable HttpServer server;

    @BeforeEach
    void captureLogs() {
        appender.start();
        level = valmiLogger.getLevel();
        valmiLogger.setLevel(Level.DEBUG);
        valmiLogger.setAdditive(false);
        valmiLogger.addAppender(appender);
    }

    @AfterEach
    void stop() {
        valmiLogger.detachAppender(appender);
        valmiLogger.setAdditive(true);
        valmiLogger.setLevel(level);
        if (server != null) {
            server.stop(0);
        }
    }

    /** Everything a throwable prints: its messages, its causes' and suppressed exceptions' messages. */
    static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Every log line with its exception, as a log file would hold them. */
    private List<String> logLines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : appender.list) {
            lines.add(e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
        return lines;
    }

    private SyncResult run(Destination destination, List<SyncResult> finishedSeenByListener, InMemorySource source) {
        SyncJob job = SyncJob.builder("secret-job").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("name").build()).batchSize(10).retryPolicy(RetryPolicy.none())
            .build();
        SyncListener listener = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                finishedSeenByListener.add(result);
            }
        };
        return SyncRunner.builder().listener(listener).build().run(job);
    }

    /** Holds a password, quotes it in a rejection, in retried failures and in a final failure with a cause chain. */
    private static final class LeakyDestination implements Destination {
        private static final String PASSWORD = "hunter2-pw";
        private int writes;

        @Override
        public Set<String> secrets() {
            return Set.of(PASSWORD, "");
        }

        @Override
        public WriteResult write(List<Change> batch) throws Exception {
            writes++;
            if (writes == 1) {
                return WriteResult.builder().reject(batch.get(0), "login as admin:" + PASSWORD + " refused").build();
            }
            IOException root = new IOException("connect to db://admin:" + PASSWORD + "@host failed");
            root.addSuppressed(new IllegalStateException("pool said " + PASSWORD));
            throw new DestinationException("write failed for user admin/" + PASSWORD, root, true);
        }
    }

    @Test
    void theRunnerMasksADestinationsSecretsInTheErrorItsCausesRejectionsListenersAndLogs() {
        InMemorySource source = new InMemorySource("id", "name").rows(4);
        List<SyncResult> seen = new ArrayList<>();
        LeakyDestination destination = new LeakyDestination();
        SyncJob job = SyncJob.builder("leaky-job").source(source).destination(destination)
            .mapping(Mapping.builder().key("id").map("name").build()).batchSize(2)
            .retryPolicy(new RetryPolicy(2, Duration.ZERO, Duration.ZERO, 1.0)).build();
        SyncListener listener = new SyncListener() {
            @Override
            public void runFinished(SyncResult result) {
                seen.add(result);
            }
        };

        SyncResult result = SyncRunner.builder().listener(listener).build().run(job);

        String secret = LeakyDestination.PASSWORD;
        // batch 1 (a rejection), batch 2 twice, then its two halves once each (split: they fail alike)
        assertThat(destination.writes).isEqualTo(5);
        assertThat(result.rejectionSamples()).singleElement()
            .satisfies(r -> assertThat(r.reason()).isEqualTo("login as admin:**** refused"));
        assertThat(source.rejectedKeys).containsExactly(1L);
        Throwable error = result.error();
        assertThat(error).isInstanceOf(DestinationException.class)
            .satisfies(e -> assertThat(((DestinationException) e).isRetriable()).isTrue());
        assertThat(printed(error)).doesNotContain(secret).contains("write failed for user admin/****");
        Throwable wrapped = error.getCause();
        assertThat(wrapped).isInstanceOf(DestinationException.class).hasMessage("write failed for user admin/****");
        Throwable root = wrapped.getCause();
        assertThat(root).isNotInstanceOf(IOException.class)
            .hasMessage("java.io.IOException: connect to db://admin:****@host failed").hasNoCause();
        assertThat(root.getStackTrace()).isNotEmpty();
        assertThat(root.getStackTrace()[0].getClassName()).isEqualTo(LeakyDestination.class.getName());
        assertThat(root.getSuppressed()).singleElement()
            .satisfies(s -> assertThat(s).hasMessage("java.lang.IllegalStateException: pool said ****"));
        assertThat(source.finished).singleElement()
            .satisfies(stored -> assertThat(printed(stored.error())).doesNotContain(secret));
        assertThat(seen).singleElement().satisfies(r -> assertThat(printed(r.error())).doesNotContain(secret)
            .contains("****"));
        assertThat(logLines()).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain(secret));
        assertThat(logLines()).anySatisfy(line -> assertThat(line).contains("retrying").contains("admin/****"))
            .anySatisfy(line -> assertThat(line).contains("rejected").contains("admin:****"));
    }

    @Test
    void anErrorWithoutASecretIsReturnedAsItWas() {
        IOException failure = new IOException("disk full");
        Destination destination = new Destination() {
            @Override
            public Set<String> secrets() {
                return Set.of("hunter2-pw");
            }

            @Override
            public WriteResult write(List<Change> batch) throws IOException {
                throw failure;
            }
        };
        SyncResult result = run(destination, new ArrayList<>(), new InMemorySource("id", "name").rows(1));
        assertThat(result.error()).isInstanceOf(DestinationException.class);
        assertThat(result.error().getCause()).isSameAs(failure);
    }

    @Test
    void aWebhookAnswering401WithTheTokenInItsBodyDoesNotLeakIt() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String echoed = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] body = ("{\"error\":\"invalid token\",\"received\":\"" + echoed + "\",\"token\":\"" + TOKEN
                + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        WebhookDestination webhook = WebhookDestination.builder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook")).bearerToken(TOKEN).build();
        InMemorySource source = new InMemorySource("id", "name").rows(3);
        List<SyncResult> seen = new ArrayList<>();

        SyncResult result = run(webhook, seen, source);

        assertThat(result.succeeded()).isFalse();
        Throwable error = result.error();
        assertThat(error).isNotNull();
        assertThat(printed(error)).contains("HTTP 401").contains("invalid token").doesNotContain(TOKEN);
        assertThat(source.finished).singleElement().satisfies(stored ->
            assertThat(String.valueOf(stored.error().getMessage())).contains("HTTP 401").doesNotContain(TOKEN));
        assertThat(seen).singleElement().satisfies(r -> assertThat(printed(r.error())).doesNotContain(TOKEN));
        assertThat(logLines()).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain(TOKEN));
        assertThat(logLines()).anySatisfy(line -> assertThat(line).contains("HTTP 401"));
    }
}
