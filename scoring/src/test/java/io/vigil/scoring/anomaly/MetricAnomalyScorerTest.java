package io.vigil.scoring.anomaly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricAnomalyScorerTest {
    @Test
    void shouldScoreInterleavedSeriesAsIfAlone() {
        final int n = 3000;
        final double[][] values = new double[3][n];
        final Random random = new Random(17);
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < n; i++) {
                values[s][i] = s * 100.0 + Math.sin(i / (10.0 + s)) * 5.0 + random.nextGaussian();
            }
        }
        final MetricAnomalyScorer interleaved = new MetricAnomalyScorer(3);
        final double[][] mixed = new double[3][n];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < 3; s++) {
                mixed[s][i] = interleaved.update(1000L + s, i * 60_000_000_000L, values[s][i]);
            }
        }
        for (int s = 0; s < 3; s++) {
            final EnsembleDetector alone = new EnsembleDetector(new EnsembleDetector.Context());
            final double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = alone.update(i * 60_000_000_000L, values[s][i]);
            }
            assertArrayEquals(expected, mixed[s], "series " + s);
        }
        assertEquals(3, interleaved.seriesCount());
    }

    @Test
    void shouldReportNoAlertForUnknownSeries() {
        final MetricAnomalyScorer scorer = new MetricAnomalyScorer(4);
        assertFalse(scorer.isAlert(99L));
    }
}
