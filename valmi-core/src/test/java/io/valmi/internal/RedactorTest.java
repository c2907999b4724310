package io.valmi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.valmi.SourceException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void masksTheLongestSecretFirstAndIgnoresEmptyOnes() {
        Redactor redactor = Redactor.of(Arrays.asList("tok_1", "Bearer tok_1", "", null));
        assertThat(redactor.redact("got Bearer tok_1, then tok_1")).isEqualTo("got ****, then ****");
        assertThat(Redactor.of(List.of("")).redact("text")).isEqualTo("text");
    }

    @Test
    void copiesAChainWithACycleOnceAndKeepsTheSourceExceptionType() {
        IllegalStateException a = new IllegalStateException("a holds tok_1");
        SourceException b = new SourceException("b holds tok_1 too", a, true);
        a.initCause(b);

        Throwable copy = Redactor.of(List.of("tok_1")).redact(b);

        assertThat(copy).isInstanceOf(SourceException.class).hasMessage("b holds **** too");
        assertThat(((SourceException) copy).isRetriable()).isTrue();
        assertThat(copy.getCause()).isInstanceOf(RedactedException.class)
            .hasMessage("java.lang.IllegalStateException: a holds ****").hasNoCause();
        assertThat(((RedactedException) copy.getCause()).originalType()).isEqualTo("java.lang.IllegalStateException");
        assertThat(copy.getStackTrace()).isEqualTo(b.getStackTrace());
    }
}
