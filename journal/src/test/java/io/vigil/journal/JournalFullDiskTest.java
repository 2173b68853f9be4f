package io.vigil.journal;

import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A journal on a real, small filesystem (a tmpfs this test mounts; it needs root, and is skipped without it) that
 * fills up: appends fail with a return code, the process survives, the writer stays failed, and after space returns
 * and the journals are reopened every acknowledged record is intact and appends go on.
 */
@Timeout(120)
class JournalFullDiskTest {
    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountSmallFilesystem() throws Exception {
        mountPoint = Files.createTempDirectory("vigil-full-disk");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root); skipped");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            // lazy: Chronicle may release its last mappings of the files a moment after close
            run("umount", "-l", mountPoint.toString());
        }
        Files.deleteIfExists(mountPoint);
    }

    private static int run(final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    @Test
    void shouldFailStopWhenTheDiskIsFullAndKeepEveryAcknowledgedRecord() throws Exception {
        final Path data = mountPoint.resolve("data");
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[400]);
        long acknowledged = 0;
        try (Journals journals = Journals.open(data, RollCycles.FAST_DAILY);
             JournalWriter writer = journals.inputWriter()) {
            while (writer.append(1, 1, 1, acknowledged + 1, -1, 1, 10, 0, payload, 0, payload.capacity()) !=
                JournalWriter.FAILED) {
                acknowledged++;
                assertTrue(acknowledged < 1_000_000, "a 16 MB filesystem never filled");
            }
            assertTrue(writer.failed());
            assertNotNull(writer.lastFailure());
            assertTrue(acknowledged > 1000, "appended " + acknowledged + " before the disk was full");
            assertEquals(0, run("mount", "-o", "remount,size=64m", mountPoint.toString()));
            assertEquals(JournalWriter.FAILED, writer.append(1, 1, 1, acknowledged + 1, -1, 1, 10, 0, payload, 0, 16),
                "fail-stop: no append after a failure until restart");
        }

        // restart: reopen, every acknowledged record is there in order, and appends go on
        try (Journals journals = Journals.open(data, RollCycles.FAST_DAILY);
             JournalWriter writer = journals.inputWriter();
             JournalReader reader = journals.inputReader()) {
            for (int i = 1; i <= 100; i++) {
                assertTrue(writer.append(1, 1, 1, acknowledged + i, -1, 1, 10, 0, payload, 0, 16) >= 0);
            }
            final JournalRecord record = new JournalRecord(512);
            long expected = 1;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (expected <= acknowledged + 100 && System.nanoTime() < deadline) {
                if (reader.read(record)) {
                    assertEquals(expected, record.clientSequence, "records in order, none lost");
                    expected++;
                }
            }
            assertEquals(acknowledged + 101, expected, "read every acknowledged record and the new ones");
        }
    }
}
