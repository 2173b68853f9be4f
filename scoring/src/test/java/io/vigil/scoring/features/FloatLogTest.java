package io.vigil.scoring.features;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link FloatLog} against {@code (float) Math.log1p} bit for bit: on every input kind the features give it (amounts
 * and sums in minor units over 100, counts), random magnitudes over the whole double range, edges, and values
 * chosen to land on float rounding boundaries, where the fast path must give way.
 */
class FloatLogTest {
    private static void check(final double x) {
        final int expected = Float.floatToRawIntBits((float)Math.log1p(x));
        final int actual = Float.floatToRawIntBits(FloatLog.log1p(x));
        if (expected != actual) {
            assertEquals((float)Math.log1p(x), FloatLog.log1p(x), "x = " + x + " (" + Double.toHexString(x) + ")");
        }
    }

    @Test
    void shouldEqualLog1pOnMinorUnitsAndCounts() {
        for (long minor = 0; minor < 3_000_000; minor++) {
            check(minor / 100.0);
        }
        for (long n = 0; n < 100_000; n++) {
            assertEquals(Float.floatToRawIntBits((float)Math.log1p(n)), Float.floatToRawIntBits(FloatLog.log1p(n)), "n = " + n);
        }
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000_000; i++) {
            check(random.nextLong(0, Long.MAX_VALUE / 100) / 100.0);
            check((double)random.nextLong(0, 1L << 40));
        }
    }

    @Test
    void shouldEqualLog1pOverTheDoubleRangeAndAtEdges() {
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 3_000_000; i++) {
            // uniform in the exponent: every magnitude from 2^-60 to 2^1000
            check(Math.scalb(1.0 + random.nextDouble(), random.nextInt(-60, 1000)));
        }
        for (final double x : new double[] {0.0, -0.0, Double.MIN_VALUE, FloatLog.MIN_FAST, Math.nextDown(FloatLog.MIN_FAST),
            1e-300, 0.5, 1.0, Math.E - 1, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN, -0.5, -1.0, -2.0,
            Double.NEGATIVE_INFINITY}) {
            check(x);
        }
    }

    @Test
    void shouldGiveWayNearFloatRoundingBoundaries() {
        // x whose ln(1 + x) is within a few double ulps of a midpoint between two floats
        final SplittableRandom random = new SplittableRandom(13);
        int near = 0;
        for (int i = 0; i < 200_000; i++) {
            final float f = (float)(random.nextDouble() * 40 + 0.01);
            final double midpoint = ((double)f + Math.nextUp(f)) * 0.5;
            final double x = Math.expm1(midpoint);
            for (int k = -3; k <= 3; k++) {
                final double probe = x + k * Math.ulp(x);
                check(probe);
                near++;
            }
        }
        assertEquals(1_400_000, near);
    }
}
