package io.vigil.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sets the Linux timer slack of the calling thread: how late the kernel may end a timed sleep to group wake-ups.
 * The default, 50 us, is what an idle pipeline thread's short parks really last (a 20 us park took ~90 us here), and
 * so the latency a quiet pipeline adds to the next event; at 1 us the same park ends after ~45 us. Only the engine's
 * idling threads are changed ({@link VigilConfig#TIMER_SLACK}); elsewhere (not Linux, no /proc) nothing happens.
 * Thread-safe; allocates (thread start only).
 */
final class TimerSlack {
    private static final Logger LOG = LoggerFactory.getLogger(TimerSlack.class);
    private static volatile boolean warned;

    private TimerSlack() {
    }

    /**
     * Sets the calling thread's timer slack to {@code nanos}; 0 leaves it as it is.
     *
     * @return true if it was set.
     */
    static boolean applyToCurrentThread(final long nanos) {
        if (nanos <= 0) {
            return false;
        }
        try {
            // /proc/thread-self links to <pid>/task/<tid>; the per-thread file is /proc/<tid>/timerslack_ns
            final Path task = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            final Path file = Path.of("/proc", task.getFileName().toString(), "timerslack_ns");
            Files.writeString(file, Long.toString(nanos));
            return true;
        } catch (final IOException | UnsupportedOperationException | SecurityException ex) {
            if (!warned) {
                warned = true;
                LOG.info("cannot set the timer slack of {} ({}): parks last as long as the system lets them",
                    Thread.currentThread().getName(), ex.toString());
            }
            return false;
        }
    }
}
