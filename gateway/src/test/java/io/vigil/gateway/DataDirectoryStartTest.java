package io.vigil.gateway;

import io.vigil.engine.VigilConfig;
import io.vigil.journal.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The server checks and locks its data directory before it writes or listens. */
@Timeout(120)
class DataDirectoryStartTest {
    @TempDir
    Path tmp;

    private static VigilConfig config(final Path data) {
        return VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), data.toString(),
            GatewayConfiguration.PORT.name(), "0",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY"));
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryRefusesToStart() throws Exception {
        final Path data = tmp.resolve("data");
        try (VigilServer first = VigilServer.start(config(data))) {
            final DataDirectory.DataDirectoryException ex = assertThrows(DataDirectory.DataDirectoryException.class,
                () -> VigilServer.start(config(data)));
            assertTrue(ex.getMessage().contains("is in use by pid " + ProcessHandle.current().pid()), ex.getMessage());
            assertTrue(first.port() > 0);
        }
        // the first one stopped: the directory is free again
        VigilServer.start(config(data)).close();
    }

    @Test
    void aFileIsRefusedBeforeAnythingIsWritten() throws IOException {
        final Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        final DataDirectory.DataDirectoryException ex = assertThrows(DataDirectory.DataDirectoryException.class,
            () -> VigilServer.start(config(file)));
        assertTrue(ex.getMessage().endsWith("is not a directory"), ex.getMessage());
        assertEquals("x", Files.readString(file));
    }

    /** A real read-only filesystem (a tmpfs this test mounts read-only: needs root, as CI has). */
    @Test
    void aReadOnlyFilesystemIsRefused() throws Exception {
        final Path mountPoint = Files.createDirectory(tmp.resolve("ro"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mountPoint.toString()) == 0,
            "cannot mount a tmpfs here (needs root); skipped");
        try {
            final DataDirectory.DataDirectoryException ex = assertThrows(DataDirectory.DataDirectoryException.class,
                () -> VigilServer.start(config(mountPoint)));
            assertTrue(ex.getMessage().contains("is not writable: Read-only file system"), ex.getMessage());
        } finally {
            run("umount", "-l", mountPoint.toString());
        }
    }

    /** A real full filesystem (a small tmpfs this test mounts and fills: needs root, as CI has). */
    @Test
    void aFullFilesystemIsRefusedBeforeAnythingIsWritten() throws Exception {
        final Path mountPoint = Files.createDirectory(tmp.resolve("full"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.toString()) == 0,
            "cannot mount a tmpfs here (needs root); skipped");
        try {
            final Path filler = mountPoint.resolve("filler");
            try (java.io.OutputStream out = Files.newOutputStream(filler)) {
                final byte[] block = new byte[64 * 1024];
                while (true) {
                    out.write(block);
                }
            } catch (final IOException full) {
                // no space left: what this test wants
            }
            final Path data = mountPoint.resolve("data");
            final DataDirectory.DataDirectoryException ex = assertThrows(DataDirectory.DataDirectoryException.class,
                () -> VigilServer.start(config(data)));
            assertTrue(ex.getMessage().contains("required (vigil.data.free.min)") ||
                ex.getMessage().contains("is not writable"), ex.getMessage());
            assertTrue(!Files.exists(data.resolve("input")), "nothing was written");
        } finally {
            run("umount", "-l", mountPoint.toString());
        }
    }

    private static int run(final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }
}
