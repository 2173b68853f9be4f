package io.vigil.scoring.anomaly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
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
                mixed[s][i] = interleaved.update(1, 1000L + s, i * 60_000_000_000L, values[s][i]);
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
        assertFalse(scorer.isAlert(1, 99L));
    }

    @Test
    void shouldNeverShareADetectorBetweenTenantsWithTheSameSeriesId() throws IOException {
        final int n = 2000;
        final Random random = new Random(5);
        final MetricAnomalyScorer both = new MetricAnomalyScorer(1);
        final EnsembleDetector tenant1 = new EnsembleDetector(new EnsembleDetector.Context());
        final EnsembleDetector tenant2 = new EnsembleDetector(new EnsembleDetector.Context());
        for (int i = 0; i < n; i++) {
            final double a = Math.sin(i / 10.0) + random.nextGaussian() * 0.1;
            final double b = 50.0 + random.nextGaussian() * 3.0 + (i == 1500 ? 80.0 : 0.0);
            assertEquals(tenant1.update(i * 60_000_000_000L, a), both.update(1, 7L, i * 60_000_000_000L, a), "tenant 1 at " + i);
            assertEquals(tenant2.update(i * 60_000_000_000L, b), both.update(2, 7L, i * 60_000_000_000L, b), "tenant 2 at " + i);
            assertEquals(tenant1.isAlert(), both.isAlert(1, 7L));
            assertEquals(tenant2.isAlert(), both.isAlert(2, 7L));
        }
        assertEquals(2, both.seriesCount());
        assertFalse(both.isAlert(3, 7L));

        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        both.writeSnapshot(Channels.newChannel(bytes));
        final MetricAnomalyScorer restored = new MetricAnomalyScorer(1);
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(2, restored.seriesCount());
        assertEquals(both.update(2, 7L, n * 60_000_000_000L, 51.0), restored.update(2, 7L, n * 60_000_000_000L, 51.0));
        assertEquals(both.update(1, 7L, n * 60_000_000_000L, 0.5), restored.update(1, 7L, n * 60_000_000_000L, 0.5));
    }

    @Test
    void shouldGrowToManySeriesAndFindEachAgain() {
        final MetricAnomalyScorer scorer = new MetricAnomalyScorer(1, new EnsembleDetector.Context().detectors("ewma"));
        for (int s = 0; s < 10_000; s++) {
            scorer.update(s % 3, s, 0L, s);
        }
        assertEquals(10_000, scorer.seriesCount());
        for (int s = 0; s < 10_000; s++) {
            scorer.update(s % 3, s, 60_000_000_000L, s);
        }
        assertEquals(10_000, scorer.seriesCount());
    }

    @Test
    void shouldRejectTheFormerSnapshotFormatClearly() throws IOException {
        final ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(v1);
        out.writeInt(0x564d4153);
        out.writeInt(1);
        out.writeInt(0);
        out.writeInt(0);
        final IOException ex = assertThrows(IOException.class, () -> new MetricAnomalyScorer(1)
            .readSnapshot(Channels.newChannel(new ByteArrayInputStream(v1.toByteArray()))));
        assertTrue(ex.getMessage().contains("format 1") && ex.getMessage().contains("journal"), ex.getMessage());
    }
}
