package io.vigil.scoring.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EnsembleDetectorTest {
    /** Written so that the JIT cannot drop the measured updates. */
    static volatile double blackhole;

    private static final long STEP_NS = 300_000_000_000L;

    @Test
    void shouldFlagInjectedSpike() {
        final EnsembleDetector detector = new EnsembleDetector(new EnsembleDetector.Context());
        final Random random = new Random(42);
        double maxBefore = 0.0;
        for (int i = 0; i < 3000; i++) {
            final double score = detector.update(i * STEP_NS, 50.0 + random.nextGaussian());
            if (i > 1000) {
                maxBefore = Math.max(maxBefore, score);
            }
        }
        final double spike = detector.update(3000 * STEP_NS, 80.0);
        assertTrue(spike >= 0.99, "spike score " + spike);
        assertTrue(maxBefore < spike, "noise max " + maxBefore);
        assertTrue(detector.isAlert());
    }

    @Test
    void shouldFlagLevelShiftInsideRange() {
        final EnsembleDetector detector = new EnsembleDetector(
            new EnsembleDetector.Context().detectors("ewma,holtwinters,median"));
        final Random random = new Random(7);
        double maxNoise = 0.0;
        for (int i = 0; i < 4000; i++) {
            final double score = detector.update(i * STEP_NS, 10.0 + random.nextGaussian());
            if (i > 1000) {
                maxNoise = Math.max(maxNoise, score);
            }
        }
        double maxShift = 0.0;
        for (int i = 4000; i < 4030; i++) {
            maxShift = Math.max(maxShift, detector.update(i * STEP_NS, 16.0 + random.nextGaussian()));
        }
        assertTrue(maxShift > 0.9 && maxShift > maxNoise, "shift " + maxShift + " noise " + maxNoise);
    }

    @Test
    void shouldKeepScoresInUnitInterval() {
        final EnsembleDetector detector = new EnsembleDetector(new EnsembleDetector.Context());
        final Random random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            final double value = switch (i % 997) {
                case 0 -> Double.NaN;
                case 1 -> 1e12;
                case 2 -> -1e12;
                default -> random.nextDouble() < 0.01 ? random.nextGaussian() * 1e6 : random.nextGaussian();
            };
            final double score = detector.update(i * STEP_NS, value);
            assertTrue(score >= 0.0 && score <= 1.0, "score " + score + " at " + i);
        }
    }

    @Test
    void shouldScoreZeroDuringWarmup() {
        final EnsembleDetector.Context context = new EnsembleDetector.Context();
        final EnsembleDetector detector = new EnsembleDetector(context);
        for (int i = 0; i < context.warmupValues(); i++) {
            assertEquals(0.0, detector.update(i * STEP_NS, i % 7 == 0 ? 1000.0 : i));
        }
    }

    @Test
    void shouldNotAllocatePerValue() {
        final EnsembleDetector detector = new EnsembleDetector(new EnsembleDetector.Context());
        final Random random = new Random(3);
        final double[] values = new double[50_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.sin(i / 40.0) * 10.0 + random.nextGaussian();
        }
        double sink = 0.0;
        for (int i = 0; i < values.length; i++) {
            sink += detector.update(i * STEP_NS, values[i]);
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < values.length; i++) {
            sink += detector.update((values.length + i) * STEP_NS, values[i]);
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for " + values.length + " values");
        blackhole = sink; // keeps the scores alive; asserting on them here could not fail
    }
}
