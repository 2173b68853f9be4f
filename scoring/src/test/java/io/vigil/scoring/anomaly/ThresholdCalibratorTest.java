package io.vigil.scoring.anomaly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ThresholdCalibratorTest {
    @Test
    void shouldPlaceThresholdAtQuantileOfUniformScores() {
        final ThresholdCalibrator calibrator = new ThresholdCalibrator(1024, 0.01, 100);
        final Random random = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            calibrator.record(random.nextDouble());
        }
        assertEquals(0.99, calibrator.threshold(), 0.003);
    }

    @Test
    void shouldNotAlertBeforeCalibrated() {
        final ThresholdCalibrator calibrator = new ThresholdCalibrator(64, 0.1, 10);
        calibrator.record(0.5);
        assertFalse(calibrator.isCalibrated());
    }

    @Test
    void shouldHitTargetFalsePositiveRateOnStationaryNoise() {
        final double target = 0.005;
        final EnsembleDetector detector = new EnsembleDetector(
            new EnsembleDetector.Context().targetFalsePositiveRate(target));
        final Random random = new Random(5);
        for (int i = 0; i < 50_000; i++) {
            detector.update(i * 60_000_000_000L, random.nextGaussian());
        }
        int alerts = 0;
        final int n = 100_000;
        for (int i = 0; i < n; i++) {
            detector.update((50_000L + i) * 60_000_000_000L, random.nextGaussian());
            if (detector.isAlert()) {
                alerts++;
            }
        }
        final double rate = (double) alerts / n;
        assertTrue(rate > target / 2 && rate < target * 2, "alert rate " + rate + " for target " + target);
    }

    @Test
    void shouldDeriveRateFromAlertsPerDay() {
        final EnsembleDetector detector = new EnsembleDetector(new EnsembleDetector.Context().alertsPerDay(2.0));
        for (int i = 0; i < 100; i++) {
            detector.update(i * 300_000_000_000L, i);
        }
        assertEquals(2.0 / 288.0, detector.calibrator().targetRate(), 1e-12);
    }
}
