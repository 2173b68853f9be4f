package io.vigil.scoring.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TransactionAnomalyTest {
    @Test
    void shouldScoreZeroWithoutUpwardDeviation() {
        assertEquals(0f, TransactionAnomaly.score(0f, 0f));
        assertEquals(0f, TransactionAnomaly.score(-8f, -3f));
        assertEquals(0f, TransactionAnomaly.score(Float.NaN, Float.NaN));
    }

    @Test
    void shouldMatchTheFormula() {
        assertEquals((float)(1 - Math.exp(-5.0 / 4.0)), TransactionAnomaly.score(3f, 4f), 1e-6f);
        assertEquals((float)(1 - Math.exp(-3.0 / 4.0)), TransactionAnomaly.score(3f, -10f), 1e-6f);
    }

    @Test
    void shouldReadZScoresFromTheFeatureVector() {
        final float[] features = new float[TransactionFeatures.WIDTH + 2];
        features[2 + TransactionFeatures.AMOUNT_Z] = 6f;
        features[2 + TransactionFeatures.VELOCITY_Z] = 8f;
        assertEquals(TransactionAnomaly.score(6f, 8f), TransactionAnomaly.score(features, 2));
    }

    @Test
    void shouldStayInRangeAndBeMonotone() {
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            final float a = (float)(random.nextDouble() * 200 - 50);
            final float v = (float)(random.nextDouble() * 200 - 50);
            final float s = TransactionAnomaly.score(a, v);
            assertTrue(s >= 0f && s <= 1f, a + "," + v + " -> " + s);
            final float da = (float)random.nextDouble() * 5;
            assertTrue(TransactionAnomaly.score(a + da, v) >= s, "monotone in amount z at " + a + "," + v);
            assertTrue(TransactionAnomaly.score(a, v + da) >= s, "monotone in velocity z at " + a + "," + v);
        }
        assertEquals(1f, TransactionAnomaly.score(Float.POSITIVE_INFINITY, 0f));
    }
}
