package io.valmi.dbscheduler;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Every log event of the JVM while open (valmi's from INFO up, the others as configured), kept in memory. */
final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger valmi = (Logger) LoggerFactory.getLogger("io.valmi");
    private final Level valmiLevel = valmi.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture() {
        appender.start();
        root.addAppender(appender);
        valmi.setLevel(Level.INFO);
    }

    List<ILoggingEvent> events() {
        synchronized (appender) { // (AppenderBase appends under the appender's lock)
            return List.copyOf(appender.list);
        }
    }

    /** The events at ERROR, or with a stack trace, as lines to show in a failed assertion. */
    List<String> errorsOrStackTraces() {
        return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null)
            .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
            .collect(Collectors.toList());
    }

    List<String> messages(Level level) {
        return events().stream().filter(e -> e.getLevel().equals(level)).map(ILoggingEvent::getFormattedMessage)
            .collect(Collectors.toList());
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        valmi.setLevel(valmiLevel);
    }
}
