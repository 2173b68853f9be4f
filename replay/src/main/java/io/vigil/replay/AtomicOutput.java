package io.vigil.replay;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file written under a temporary name next to its target and renamed over it only once complete, so that an
 * interrupted or failed command leaves the previous file as it was and never a half-written one. Ctrl-C or SIGTERM
 * run a shutdown hook that removes the temporary file and says so on stderr; the JVM then exits 130 or 143.
 *
 * <p>Not thread-safe: one command thread writes, {@link #commit} or {@link #close} end it.
 */
final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final Thread hook;
    private volatile boolean done;

    private AtomicOutput(final Path target, final String command, final PrintStream err) {
        this.target = target.toAbsolutePath().normalize();
        this.temp = this.target.resolveSibling("." + this.target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        this.hook = new Thread(() -> {
            if (!done) {
                deleteQuietly();
                err.println(command + ": interrupted; " + (Files.exists(this.target) ? this.target + " left as it was" :
                    "nothing written to " + this.target));
            }
        }, "vigil-interrupted-output");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts writing {@code target} under a temporary name; {@code command} names the tool in the interruption notice. */
    static AtomicOutput start(final Path target, final String command) throws IOException {
        final Path parent = target.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new AtomicOutput(target, command, System.err);
    }

    /** Where to write. */
    Path temp() {
        return temp;
    }

    /** The file it becomes. */
    Path target() {
        return target;
    }

    /** Renames the complete temporary file over the target, atomically. */
    void commit() throws IOException {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done = true;
    }

    /** Removes the temporary file if the output was not committed (a failure); the target stays as it was. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            deleteQuietly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException ex) {
            // the JVM is shutting down: the hook runs or has run
        }
    }

    private void deleteQuietly() {
        try {
            Files.deleteIfExists(temp);
        } catch (final IOException ignored) {
            // nothing more to do while stopping
        }
    }
}
