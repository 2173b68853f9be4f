package io.vigil.gateway.fuzz;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million random and mutated frames processed by a live server over TCP, each connection checked against
 * {@link SessionModel}; the server stays up, and its heap and file descriptors do not grow without bound.
 * The seed is printed; {@code -Dvigil.fuzz.seed=S} replays a run, {@code -Dvigil.fuzz.frames=N} resizes it.
 */
@Tag("slow")
class SessionFuzzTest {
    @Test
    @Timeout(900)
    void shouldSurviveAMillionRandomAndMutatedFrames() throws Exception {
        final long seed = Long.getLong("vigil.fuzz.seed", System.nanoTime());
        System.out.println("SessionFuzzTest seed " + seed + " (rerun with -Dvigil.fuzz.seed=" + seed + ")");
        final Random random = new Random(seed);
        final int total = Integer.getInteger("vigil.fuzz.frames", 1_000_000);
        try (FuzzServer fuzz = new FuzzServer()) {
            fuzz.exercise(random, 100);
            final long heapBefore = usedHeapAfterGc();
            final long fdsBefore = openFileDescriptors();
            long sent = 0;
            long processed = 0;
            int connections = 0;
            final long startNs = System.nanoTime();
            while (processed < total) {
                final int frames = 2000 + random.nextInt(6000);
                try {
                    processed += fuzz.exercise(random, frames);
                } catch (final AssertionError ex) {
                    throw new AssertionError("seed " + seed + ", connection " + connections + ": " + ex.getMessage(), ex);
                }
                sent += frames;
                connections++;
            }
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            final long heapAfter = usedHeapAfterGc();
            final long fdsAfter = openFileDescriptors();
            System.out.printf("fuzz: %,d frames sent, %,d processed and answered, on %,d connections in %.1f s " +
                    "(%,.0f frames/s); heap %d -> %d MB; fds %d -> %d%n", sent, processed, connections, seconds,
                processed / seconds, heapBefore >> 20, heapAfter >> 20, fdsBefore, fdsAfter);
            assertTrue(heapAfter - heapBefore < 128L << 20, "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MB");
            assertTrue(fdsAfter - fdsBefore < 64, "file descriptors grew from " + fdsBefore + " to " + fdsAfter);
            fuzz.exercise(random, 10);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
