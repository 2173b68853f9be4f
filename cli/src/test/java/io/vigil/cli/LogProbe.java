package io.vigil.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.status.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;

/**
 * A child JVM for {@link LoggingTest}: logs through the cli module's own {@code logback.xml}, exactly as the shipped
 * jar does, and reports on stdout (which logging must leave alone).
 *
 * <ul>
 *   <li>{@code lines}: an INFO line with arguments, a WARN line with an exception, one line on stdout, then
 *       {@code System.exit(0)}: what is still queued must be written by the shutdown hook.</li>
 *   <li>{@code burst N}: one thread makes N WARN calls (WARN: the queue's discarding threshold drops INFO lines
 *       before it is full, never WARN); then a line on stdout says so and describes the asynchronous appender as
 *       configured. The parent never reads this child's stderr, so the console appender blocks as soon as the pipe is
 *       full: only a logger that never blocks gets to the end.</li>
 * </ul>
 */
public final class LogProbe {
    private LogProbe() {
    }

    public static void main(final String[] args) throws Exception {
        final Logger log = LoggerFactory.getLogger("io.vigil.probe.LogProbe");
        if ("lines".equals(args[0])) {
            log.info("probe {} of {}", 1, "two");
            log.warn("probe failure", new IllegalStateException("probe exception"));
            System.out.println("probe: report on stdout");
            System.exit(0);
        }
        final int calls = Integer.parseInt(args[1]);
        final Thread burst = new Thread(() -> {
            for (int i = 0; i < calls; i++) {
                log.warn("burst line {} of a burst that nobody reads", i);
            }
        }, "probe-burst");
        burst.start();
        burst.join();
        System.out.println("burst done: " + calls + " calls; " + describe());
        System.out.flush();
        // stderr is blocked for good: a shutdown hook could wait on it, so end here
        Runtime.getRuntime().halt(0);
    }

    private static String describe() {
        final LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();
        final AsyncAppender async = (AsyncAppender)context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
        final StringBuilder attached = new StringBuilder();
        for (final Iterator<Appender<ILoggingEvent>> it = async.iteratorForAppenders(); it.hasNext(); ) {
            attached.append(it.next().getName());
        }
        int problems = 0;
        for (final Status status : context.getStatusManager().getCopyOfStatusList()) {
            if (status.getEffectiveLevel() >= Status.WARN) {
                problems++;
            }
        }
        return "queueSize=" + async.getQueueSize() + " discardingThreshold=" + async.getDiscardingThreshold() +
            " neverBlock=" + async.isNeverBlock() + " appender=" + attached + " statusProblems=" + problems;
    }
}
