package dev.roachkit.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Captures every log line of every library (roachkit, HikariCP, and pgjdbc's java.util.logging
 * through the SLF4J bridge) at the most verbose level, with exception messages and stack
 * traces, so a test can search all of it. Close to restore the previous levels.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Map<Logger, Level> previous = new HashMap<>();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final java.util.logging.Logger pgjdbc = java.util.logging.Logger.getLogger("org.postgresql");
    private final java.util.logging.Level previousJul = pgjdbc.getLevel();

    /** Starts capturing. */
    public LogCapture() {
        appender.start();
        root.addAppender(appender);
        // Quieter levels configured for single libraries (logback-test.xml) would hide their lines.
        for (Logger l : root.getLoggerContext().getLoggerList()) {
            if (l.getLevel() != null) {
                previous.put(l, l.getLevel());
                l.setLevel(Level.TRACE);
            }
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        pgjdbc.setLevel(java.util.logging.Level.FINEST);
    }

    /** @return every captured line: level, logger, message, and each throwable's class, message and stack */
    public String text() {
        return events().stream().map(LogCapture::render).collect(Collectors.joining("\n"));
    }

    /** @return the captured events */
    public List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        previous.forEach(Logger::setLevel);
        pgjdbc.setLevel(previousJul);
        appender.stop();
    }

    private static String render(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            sb.append("\n  ").append(t.getClassName()).append(": ").append(t.getMessage());
            for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
                sb.append("\n    ").append(s.getSTEAsString());
            }
        }
        return sb.toString();
    }
}
