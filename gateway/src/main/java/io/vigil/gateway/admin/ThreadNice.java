package io.vigil.gateway.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Lowers the calling thread's scheduling priority (its Linux nice value) with {@code renice -n N -p <tid>}, run once
 * when the thread starts: an admin thread busy with a flood of requests then yields the cores to the gateway's and
 * the pipeline's threads instead of taking its fair share of them. Linux only; elsewhere, or without
 * {@code renice}, it logs once and changes nothing. Thread-safe; allocates (thread start only).
 */
final class ThreadNice {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadNice.class);

    private ThreadNice() {
    }

    /** @return true if the calling thread's nice value is now {@code nice}; 0 changes nothing. */
    static boolean applyToCurrentThread(final int nice) {
        if (nice == 0) {
            return false;
        }
        try {
            // /proc/thread-self links to <pid>/task/<tid>; setpriority(PRIO_PROCESS, tid) acts on that one thread
            final String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            final Process renice = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!renice.waitFor(5, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                throw new IOException("renice did not finish");
            }
            if (renice.exitValue() != 0) {
                throw new IOException("renice exited with " + renice.exitValue());
            }
            return true;
        } catch (final IOException | UnsupportedOperationException | SecurityException ex) {
            LOG.info("cannot lower the priority of {} ({}): it competes with the event path at the same priority",
                Thread.currentThread().getName(), ex.toString());
            return false;
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
