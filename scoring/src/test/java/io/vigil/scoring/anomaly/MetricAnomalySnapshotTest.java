package io.vigil.scoring.anomaly;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class MetricAnomalySnapshotTest {
    private static final long MINUTE_NS = 60_000_000_000L;
    private static final int SERIES = 4;

    /** A value of series {@code s} at step {@code i}: daily season, noise, and a few spikes and a level shift. */
    private static double value(final Random random, final int s, final int i) {
        double v = s * 50.0 + 10.0 * Math.sin(2 * Math.PI * i / 1440.0) + random.nextGaussian();
        if (i % 997 == 0) {
            v += 40.0;
        }
        if (i > 3000) {
            v += 15.0;
        }
        return v;
    }

    private static byte[] snapshot(final MetricAnomalyScorer scorer) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        scorer.writeSnapshot(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    @Test
    void shouldScoreIdenticallyAfterRestoringASnapshot() throws IOException {
        final int before = 2500;
        final int after = 2500;
        final Random random = new Random(7);
        final double[][] values = new double[SERIES][before + after];
        for (int i = 0; i < before + after; i++) {
            for (int s = 0; s < SERIES; s++) {
                values[s][i] = value(random, s, i);
            }
        }
        final MetricAnomalyScorer original = new MetricAnomalyScorer(SERIES);
        for (int i = 0; i < before; i++) {
            for (int s = 0; s < SERIES; s++) {
                original.update(1, 100 + s, i * MINUTE_NS, values[s][i]);
            }
        }
        final byte[] snapshot = snapshot(original);
        final MetricAnomalyScorer restored = new MetricAnomalyScorer(1);
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(snapshot)));
        assertEquals(SERIES, restored.seriesCount());
        assertArrayEquals(snapshot, snapshot(restored), "a restored scorer writes the same snapshot");

        final double[] expected = new double[after * SERIES];
        final double[] actual = new double[after * SERIES];
        int alerts = 0;
        for (int i = before; i < before + after; i++) {
            for (int s = 0; s < SERIES; s++) {
                final int k = (i - before) * SERIES + s;
                expected[k] = original.update(1, 100 + s, i * MINUTE_NS, values[s][i]);
                actual[k] = restored.update(1, 100 + s, i * MINUTE_NS, values[s][i]);
                assertEquals(original.isAlert(1, 100 + s), restored.isAlert(1, 100 + s), "alert of series " + s + " at " + i);
                assertEquals(original.threshold(1, 100 + s), restored.threshold(1, 100 + s));
                alerts += original.isAlert(1, 100 + s) ? 1 : 0;
            }
        }
        assertArrayEquals(expected, actual, "scores after the restore");
        assertTrue(Arrays.stream(expected).anyMatch(x -> x > 0.5), "the stream has anomalies to score");
        assertTrue(alerts > 0, "the stream raises alerts after the restore");
        assertArrayEquals(snapshot(original), snapshot(restored));
    }

    @Test
    void shouldRejectASnapshotWrittenWithOtherParameters() throws IOException {
        final MetricAnomalyScorer original = new MetricAnomalyScorer(2);
        original.update(1, 1, 0, 1.0);
        final byte[] snapshot = snapshot(original);
        final MetricAnomalyScorer other = new MetricAnomalyScorer(2,
            new EnsembleDetector.Context().set("medianWindow", "32"));
        assertThrows(IOException.class, () -> other.readSnapshot(Channels.newChannel(new ByteArrayInputStream(snapshot))));
    }

    @Test
    void shouldRejectATruncatedSnapshot() throws IOException {
        final MetricAnomalyScorer original = new MetricAnomalyScorer(2);
        for (int i = 0; i < 300; i++) {
            original.update(1, 1, i * MINUTE_NS, i % 7);
        }
        final byte[] snapshot = snapshot(original);
        final byte[] truncated = Arrays.copyOf(snapshot, snapshot.length - 9);
        assertThrows(IOException.class,
            () -> new MetricAnomalyScorer(2).readSnapshot(Channels.newChannel(new ByteArrayInputStream(truncated))));
    }
}
