package io.vigil.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Marks a what-if directory as incomplete from the moment {@code replay run} starts writing it until it completes:
 * an interrupted, failed or still running replay leaves the marker, and {@code replay diff} refuses such a directory
 * instead of comparing half a run. Ctrl-C or SIGTERM run a shutdown hook that says so on stderr (exit 130 or 143).
 */
final class IncompleteMarker implements AutoCloseable {
    /** Name of the marker file in the what-if directory. */
    static final String FILE = "replay.incomplete";

    private final Path dir;
    private final Thread hook;
    private volatile boolean complete;

    private IncompleteMarker(final Path dir, final String command) {
        this.dir = dir;
        this.hook = new Thread(() -> {
            if (!complete) {
                System.err.println(command + ": interrupted; " + dir + " is an incomplete what-if (" + FILE +
                    "), which replay diff refuses");
            }
        }, "vigil-interrupted-replay");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static IncompleteMarker mark(final Path dir, final String command) throws IOException {
        Files.writeString(dir.resolve(FILE), "started " + Instant.now() + " by pid " + ProcessHandle.current().pid() + "\n");
        return new IncompleteMarker(dir, command);
    }

    static boolean isIncomplete(final Path dir) {
        return Files.exists(dir.resolve(FILE));
    }

    /** The what-if is complete: the marker goes. */
    void complete() throws IOException {
        Files.delete(dir.resolve(FILE));
        complete = true;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException ex) {
            // the JVM is shutting down: the hook runs or has run
        }
    }
}
