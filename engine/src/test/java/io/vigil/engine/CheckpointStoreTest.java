package io.vigil.engine;

import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class CheckpointStoreTest {
    private static final long SECOND_NS = 1_000_000_000L;

    @TempDir
    Path dir;

    private static void feed(final TransactionFeatures features, final MetricAnomalyScorer metrics, final int from,
        final int to) {
        final float[] out = new float[TransactionFeatures.WIDTH];
        for (int i = from; i < to; i++) {
            features.onTransaction(1, i % 37, i % 11, 5411, 100 + i % 500, (short)(i % 3), i * SECOND_NS, out, 0);
            metrics.update(1, i % 3, i * 60 * SECOND_NS, Math.sin(i / 10.0) + (i % 50 == 0 ? 5 : 0));
        }
    }

    private static byte[] metricsBytes(final MetricAnomalyScorer metrics) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        metrics.writeSnapshot(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    private static float[] next(final TransactionFeatures features, final int i) {
        final float[] out = new float[TransactionFeatures.WIDTH];
        features.onTransaction(1, i % 37, i % 11, 5411, 100 + i % 500, (short)(i % 3), i * SECOND_NS, out, 0);
        return out;
    }

    @Test
    void shouldRestoreTheNewestCheckpointExactly() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 500);
        store.write(features, metrics, "m1", 500);
        feed(features, metrics, 500, 1000);
        final Path newest = store.write(features, metrics, "m1", 1000);

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        final MetricAnomalyScorer restoredMetrics = new MetricAnomalyScorer(1);
        final CheckpointStore.Restored restored = new CheckpointStore(dir, 3)
            .restoreLatest(restoredFeatures, restoredMetrics, index -> true);
        assertEquals(newest, restored.checkpoint().file());
        assertEquals(1000, restored.inputIndex());
        assertEquals(TransactionFeatures.VERSION, restored.checkpoint().featureSetVersion());
        assertEquals("m1", restored.checkpoint().modelVersion());
        assertTrue(restored.skipped().isEmpty());
        assertArrayEquals(metricsBytes(metrics), metricsBytes(restoredMetrics));
        for (int i = 1000; i < 1100; i++) {
            assertArrayEquals(next(features, i), next(restoredFeatures, i), "features of event " + i);
        }
    }

    @Test
    void shouldSkipACorruptCheckpointAndUseTheOneBefore() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 300);
        final Path older = store.write(features, metrics, "m1", 300);
        final byte[] expected = metricsBytes(metrics);
        feed(features, metrics, 300, 600);
        final Path newest = store.write(features, metrics, "m1", 600);
        final byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(newest, bytes);

        final MetricAnomalyScorer restoredMetrics = new MetricAnomalyScorer(1);
        final CheckpointStore.Restored restored = store.restoreLatest(new TransactionFeatures(4), restoredMetrics, i -> true);
        assertEquals(older, restored.checkpoint().file());
        assertEquals(1, restored.skipped().size());
        assertTrue(restored.skipped().get(0).contains("corrupt checkpoint: CRC32"), restored.skipped().get(0));
        assertArrayEquals(expected, metricsBytes(restoredMetrics));
    }

    @Test
    void shouldSkipAPartialCheckpoint() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 300);
        final Path only = store.write(features, metrics, "m1", 300);
        final byte[] bytes = Files.readAllBytes(only);
        Files.write(only, Arrays.copyOf(bytes, bytes.length - 100), StandardOpenOption.TRUNCATE_EXISTING);
        assertThrows(IOException.class, () -> CheckpointStore.read(only));

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        feed(restoredFeatures, new MetricAnomalyScorer(1), 0, 10);
        final CheckpointStore.Restored restored = store.restoreLatest(restoredFeatures, new MetricAnomalyScorer(1), i -> true);
        assertNull(restored.checkpoint());
        assertEquals(RecordHeader.NO_INDEX, restored.inputIndex());
        assertTrue(restored.skipped().get(0).contains("partial checkpoint"), restored.skipped().get(0));
        assertEquals(0, restoredFeatures.accounts(), "a failed restore leaves an empty state");
    }

    @Test
    void shouldSkipCheckpointsTheJournalsCannotContinueFrom() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 100);
        final Path usable = store.write(features, metrics, "m1", 100);
        store.write(features, metrics, "m1", 200);
        final CheckpointStore.Restored restored = store.restoreLatest(new TransactionFeatures(4), new MetricAnomalyScorer(1),
            index -> index <= 150);
        assertEquals(usable, restored.checkpoint().file());
        assertEquals(1, restored.unusable().size());
        assertTrue(restored.skipped().isEmpty());
    }

    @Test
    void shouldKeepOnlyTheNewestCheckpointsAndNoTemporaryFiles() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 2);
        for (int i = 1; i <= 5; i++) {
            feed(features, metrics, (i - 1) * 10, i * 10);
            store.write(features, metrics, "m1", i * 10L);
        }
        final List<Path> files = store.list();
        assertEquals(2, files.size());
        assertEquals(50, CheckpointStore.read(files.get(0)).inputIndex());
        assertEquals(40, CheckpointStore.read(files.get(1)).inputIndex());
        try (var all = Files.list(dir)) {
            assertEquals(2, all.count());
        }
    }
}
