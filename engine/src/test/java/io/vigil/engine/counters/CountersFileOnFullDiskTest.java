package io.vigil.engine.counters;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The counters file on a real filesystem too small for it (a tmpfs this test mounts: root only, skipped otherwise):
 * creating it fails with an exception naming the file. A file merely extended by {@code map} would be sparse, and the
 * first touch of a page the filesystem cannot back would kill the JVM with SIGBUS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CountersFileOnFullDiskTest {
    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountTinyFilesystem() throws Exception {
        mountPoint = Files.createTempDirectory("vigil-counters-full");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root); skipped");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mountPoint.toString());
        }
        Files.deleteIfExists(mountPoint);
    }

    @Test
    void shouldFailWithAnExceptionWhenTheDiskCannotHoldTheFile() {
        assertTrue(CountersFile.fileLength(VigilCounters.MAX_COUNTERS) > 64 * 1024);
        final UncheckedIOException ex = assertThrows(UncheckedIOException.class, () -> VigilCounters.create(mountPoint));
        assertTrue(ex.getMessage().contains(VigilCounters.FILE_NAME), ex.getMessage());
        // and the process goes on: a small file fits
        final CountersFile small = CountersFile.create(mountPoint.resolve("small.dat"), 8, 1, 1);
        small.values().putLongRelease(0, 7);
        assertEquals(7, small.values().getLongVolatile(0));
    }

    private static int run(final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }
}
