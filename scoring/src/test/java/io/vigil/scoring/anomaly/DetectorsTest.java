package io.vigil.scoring.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DetectorsTest {
    @Test
    void shouldMatchBruteForceMedianAndMad() {
        final int window = 9;
        final RobustWindowDetector detector = new RobustWindowDetector(window, 1e9, window);
        final Random random = new Random(9);
        final double[] history = new double[500];
        for (int i = 0; i < history.length; i++) {
            history[i] = Math.floor(random.nextGaussian() * 10.0);
            final double z = detector.update(i, history[i], 1e-12);
            if (i >= window) {
                final double[] w = Arrays.copyOfRange(history, i - window, i);
                Arrays.sort(w);
                final double median = w[window / 2];
                final double[] dev = new double[window];
                for (int k = 0; k < window; k++) {
                    dev[k] = Math.abs(w[k] - median);
                }
                Arrays.sort(dev);
                final double expected = Math.abs(history[i] - median) / Math.max(1.4826 * dev[window / 2], 1e-12);
                assertEquals(Math.min(expected, 1e9), z, 1e-9 * Math.max(1.0, expected), "at " + i);
            }
        }
    }

    @Test
    void shouldInferDailySeasonAndPredictIt() {
        final long stepNs = 300_000_000_000L;
        final HoltWintersDetector detector = new HoltWintersDetector(0.2, 0.01, 0.3, 0.02, 86_400_000_000_000L, 2048, 1e6, 10);
        double late = 0.0;
        for (int i = 0; i < 288 * 20; i++) {
            final double z = detector.update(i * stepNs, 100.0 + 50.0 * Math.sin(2 * Math.PI * i / 288.0), 1e-6);
            if (i > 288 * 19) {
                late = Math.max(late, z);
            }
        }
        assertEquals(288, detector.seasonLength());
        final double jump = detector.update(288 * 20 * stepNs, 180.0, 1e-6);
        assertTrue(jump > 10.0 * Math.max(late, 0.1), "jump " + jump + " vs steady " + late);
    }

    @Test
    void shouldScoreEwmaDeviationInStandardDeviations() {
        final EwmaZScoreDetector detector = new EwmaZScoreDetector(0.01, 100.0, 10);
        final Random random = new Random(2);
        for (int i = 0; i < 20_000; i++) {
            detector.update(i, 5.0 + 2.0 * random.nextGaussian(), 1e-9);
        }
        assertEquals(3.0, detector.update(20_000, detector.mean() + 6.0, 1e-9), 0.5);
    }

    @Test
    void shouldFlagValueOutsideSeenRange() {
        final RangeNoveltyDetector detector = new RangeNoveltyDetector(10, 100.0);
        for (int i = 0; i < 100; i++) {
            detector.update(i, i % 10, 1e-9);
        }
        assertEquals(0.0, detector.update(100, 5.0, 1e-9));
        assertEquals(1.0, detector.update(101, 18.0, 1e-9), 1e-12);
    }
}
