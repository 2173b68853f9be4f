package io.vigil.scoring.drift;

import org.apache.datasketches.kll.KllFloatsSketch;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftStatisticsTest {
    private static KllFloatsSketch sketch(final float... values) {
        final KllFloatsSketch sketch = KllFloatsSketch.newHeapInstance(200);
        for (final float v : values) {
            sketch.update(v);
        }
        return sketch;
    }

    private static KllFloatsSketch normal(final long seed, final int n, final double mean) {
        final SplittableRandom random = new SplittableRandom(seed);
        final KllFloatsSketch sketch = KllFloatsSketch.newHeapInstance(200);
        for (int i = 0; i < n; i++) {
            // Box-Muller: the JDK's nextGaussian of a SplittableRandom is Java 17+ API on RandomGenerator
            final double u = 1 - random.nextDouble();
            final double v = random.nextDouble();
            sketch.update((float)(mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
        }
        return sketch;
    }

    @Test
    void shouldComputePsiOfTwoBinsByHand() {
        // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.173287 + 0.101366
        assertEquals(0.274653, DriftStatistics.psi(new double[] {0.5, 0.5}, new double[] {0.25, 0.75}), 1e-6);
    }

    @Test
    void shouldFloorAnEmptyReferenceBinAtEpsilon() {
        // (0.4 - 0.5) ln(0.8) + (0.1 - 0.0001) ln(0.1 / 0.0001) = 0.022314 + 0.690085; the empty-empty bin adds 0
        assertEquals(0.712399, DriftStatistics.psi(new double[] {0.5, 0.5, 0, 0}, new double[] {0.5, 0.4, 0.1, 0}), 1e-6);
    }

    @Test
    void shouldGiveZeroPsiForIdenticalShares() {
        assertEquals(0.0, DriftStatistics.psi(new double[] {0.1, 0.3, 0.6}, new double[] {0.1, 0.3, 0.6}), 0.0);
    }

    @Test
    void shouldGiveTheTextbookKsStatisticOnASmallExample() {
        // F_A - F_B at 1..8: 0.2, 0.4, 0.6-1/6, 0.8-2/6, 1-3/6, 1-4/6, ...: the largest gap is 0.5, at x = 5
        assertEquals(0.5, DriftStatistics.ks(sketch(1, 2, 3, 4, 5), sketch(3, 4, 5, 6, 7, 8)), 1e-9);
        // with ties: F_A(1) = 2/4, F_B(1) = 1/4, both 1 from 2 on
        assertEquals(0.25, DriftStatistics.ks(sketch(1, 1, 2, 2), sketch(1, 2, 2, 2)), 1e-9);
        assertEquals(0.0, DriftStatistics.ks(sketch(3, 1, 2), sketch(1, 2, 3)), 1e-9);
        assertEquals(1.0, DriftStatistics.ks(sketch(1, 2), sketch(3, 4)), 1e-9);
    }

    @Test
    void shouldFindNoDriftBetweenTwoSamplesOfOneDistribution() {
        final KllFloatsSketch reference = normal(1, 100_000, 0);
        final KllFloatsSketch recent = normal(2, 50_000, 0);
        final float[] cuts = DriftStatistics.decileCutPoints(reference);
        assertEquals(9, cuts.length);
        final double psi = DriftStatistics.psi(DriftStatistics.binShares(reference, cuts), cuts, recent);
        assertTrue(psi < 0.01, "psi " + psi);
        final double ks = DriftStatistics.ks(reference, recent);
        assertTrue(ks < 0.03, "ks " + ks);
    }

    @Test
    void shouldFindLargeDriftWhenTheMeanShiftsByOneStandardDeviation() {
        final KllFloatsSketch reference = normal(1, 100_000, 0);
        final KllFloatsSketch recent = normal(2, 50_000, 1);
        final float[] cuts = DriftStatistics.decileCutPoints(reference);
        final double psi = DriftStatistics.psi(DriftStatistics.binShares(reference, cuts), cuts, recent);
        assertTrue(psi > 0.25, "psi " + psi);
        // two normals one sd apart: D = 2 Phi(1/2) - 1 = 0.3829
        assertEquals(0.3829, DriftStatistics.ks(reference, recent), 0.03);
    }

    @Test
    void shouldCutADiscreteFeatureOncePerDistinctValue() {
        final KllFloatsSketch channel = KllFloatsSketch.newHeapInstance(200);
        for (int i = 0; i < 100; i++) {
            channel.update(i < 50 ? 0 : i < 80 ? 1 : i < 95 ? 2 : 3);
        }
        final float[] cuts = DriftStatistics.decileCutPoints(channel);
        assertArrayEquals(new float[] {0, 1, 2}, cuts);
        assertArrayEquals(new double[] {0.5, 0.3, 0.15, 0.05}, DriftStatistics.binShares(channel, cuts), 1e-9);
    }
}
