package io.vigil.engine;

import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private static List<Stage> stages(final TransactionFeatures features, final MetricAnomalyScorer metrics) {
        return List.of(new FeaturesStage(features), new AnomalyStage(metrics));
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
        store.write(stages(features, metrics), "m1", 500);
        feed(features, metrics, 500, 1000);
        final Path newest = store.write(stages(features, metrics), "m1", 1000);

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        final MetricAnomalyScorer restoredMetrics = new MetricAnomalyScorer(1);
        final CheckpointStore.Restored restored = new CheckpointStore(dir, 3)
            .restoreLatest(stages(restoredFeatures, restoredMetrics), index -> true);
        assertEquals(newest, restored.checkpoint().file());
        assertEquals(1000, restored.inputIndex());
        assertEquals(FeaturesStage.SECTION_VERSION, restored.checkpoint().section(FeaturesStage.SECTION_ID).version());
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
        final Path older = store.write(stages(features, metrics), "m1", 300);
        final byte[] expected = metricsBytes(metrics);
        feed(features, metrics, 300, 600);
        final Path newest = store.write(stages(features, metrics), "m1", 600);
        final byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(newest, bytes);

        final MetricAnomalyScorer restoredMetrics = new MetricAnomalyScorer(1);
        final CheckpointStore.Restored restored = store.restoreLatest(stages(new TransactionFeatures(4), restoredMetrics), i -> true);
        assertEquals(older, restored.checkpoint().file());
        assertEquals(1, restored.skipped().size());
        assertTrue(restored.skipped().get(0).contains("corrupt checkpoint: section "), restored.skipped().get(0));
        assertArrayEquals(expected, metricsBytes(restoredMetrics));
    }

    @Test
    void shouldSkipAPartialCheckpoint() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 300);
        final Path only = store.write(stages(features, metrics), "m1", 300);
        final byte[] bytes = Files.readAllBytes(only);
        Files.write(only, Arrays.copyOf(bytes, bytes.length - 100), StandardOpenOption.TRUNCATE_EXISTING);
        assertThrows(IOException.class, () -> CheckpointStore.read(only));

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        feed(restoredFeatures, new MetricAnomalyScorer(1), 0, 10);
        final CheckpointStore.Restored restored = store.restoreLatest(stages(restoredFeatures, new MetricAnomalyScorer(1)), i -> true);
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
        final Path usable = store.write(stages(features, metrics), "m1", 100);
        store.write(stages(features, metrics), "m1", 200);
        final CheckpointStore.Restored restored = store.restoreLatest(stages(new TransactionFeatures(4), new MetricAnomalyScorer(1)),
            index -> index <= 150);
        assertEquals(usable, restored.checkpoint().file());
        assertEquals(1, restored.unusable().size());
        assertTrue(restored.skipped().isEmpty());
    }

    @Test
    void shouldPassOverACheckpointOfTheOldFormatAndRebuildFromTheJournal() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 100);
        final Path file = store.write(stages(features, metrics), "m1", 100);
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(4, 2);
        Files.write(file, bytes.array());

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        feed(restoredFeatures, new MetricAnomalyScorer(1), 0, 10);
        final CheckpointStore.Restored restored = store.restoreLatest(stages(restoredFeatures, new MetricAnomalyScorer(1)),
            i -> true);
        assertNull(restored.checkpoint());
        assertTrue(restored.skipped().get(0).contains("checkpoint format 2, this version reads 3"), restored.skipped().get(0));
        assertEquals(0, restoredFeatures.accounts(), "state emptied: rebuilt from the journal");
    }

    @Test
    void shouldPassOverACheckpointWhoseSectionAStageCannotRead() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 100);
        final Path older = store.write(stages(features, metrics), "m1", 100);
        final Stage newer = new Stage() {
            @Override
            public String name() {
                return "features of a newer build";
            }

            @Override
            public void onEvent(final EventSlot slot) {
            }

            @Override
            public int sectionId() {
                return FeaturesStage.SECTION_ID;
            }

            @Override
            public int sectionVersion() {
                return 99;
            }

            @Override
            public void writeSection(final java.nio.channels.WritableByteChannel out) throws IOException {
                features.writeSnapshot(out);
            }
        };
        store.write(List.of(newer, new AnomalyStage(metrics)), "m1", 200);

        final CheckpointStore.Restored restored = store.restoreLatest(
            stages(new TransactionFeatures(4), new MetricAnomalyScorer(1)), i -> true);
        assertEquals(older, restored.checkpoint().file());
        assertTrue(restored.skipped().get(0).contains("features section version 99"), restored.skipped().get(0));
    }

    @Test
    void shouldSkipACheckpointWithACorruptSection() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 100);
        final Path only = store.write(stages(features, metrics), "m1", 100);
        final CheckpointStore.Checkpoint sound = CheckpointStore.read(only);
        assertTrue(sound.section(FeaturesStage.SECTION_ID).length() > 1000, "the features section comes first, 37 accounts");
        final byte[] bytes = Files.readAllBytes(only);
        bytes[500] ^= 1; // past the header (36 bytes) and the section's frame (16): inside the features
        Files.write(only, bytes);
        final IOException thrown = assertThrows(IOException.class, () -> CheckpointStore.read(only));
        assertTrue(thrown.getMessage().contains("section 1 CRC32C"), thrown.getMessage());

        final TransactionFeatures restoredFeatures = new TransactionFeatures(4);
        final CheckpointStore.Restored restored = store.restoreLatest(stages(restoredFeatures, new MetricAnomalyScorer(1)),
            i -> true);
        assertNull(restored.checkpoint());
        assertTrue(restored.skipped().get(0).contains("section 1 CRC32C"), restored.skipped().get(0));
        assertEquals(0, restoredFeatures.accounts(), "a restore that met the damage leaves an empty state");
    }

    @Test
    void shouldSkipACheckpointWithACorruptHeader() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 100);
        final Path only = store.write(stages(features, metrics), "m5", 100);
        final byte[] bytes = Files.readAllBytes(only);
        bytes[27] ^= 1; // the model version's text
        Files.write(only, bytes);
        final IOException thrown = assertThrows(IOException.class, () -> CheckpointStore.read(only));
        assertTrue(thrown.getMessage().contains("header CRC32C"), thrown.getMessage());
    }

    @Test
    void shouldStreamACheckpointCapturedBeforeTheStateMovedOn() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 3);
        feed(features, metrics, 0, 300);
        final TransactionFeatures expected = new TransactionFeatures(16);
        final MetricAnomalyScorer expectedMetrics = new MetricAnomalyScorer(4);
        feed(expected, expectedMetrics, 0, 300);

        final CheckpointStore.Pending pending = store.capture(stages(features, metrics), "m1", 300);
        feed(features, metrics, 300, 600); // the pipeline goes on before the file is written
        final Path file = store.write(pending);
        assertEquals(pending.fileBytes(), Files.size(file));

        final TransactionFeatures restored = new TransactionFeatures(4);
        final MetricAnomalyScorer restoredMetrics = new MetricAnomalyScorer(1);
        assertEquals(file, store.restoreLatest(stages(restored, restoredMetrics), i -> true).checkpoint().file());
        assertArrayEquals(metricsBytes(expectedMetrics), metricsBytes(restoredMetrics), "metrics as of the capture");
        for (int i = 300; i < 340; i++) {
            assertArrayEquals(next(expected, i), next(restored, i), "features as of the capture, event " + i);
        }
        final TransactionFeatures again = new TransactionFeatures(4);
        store.restoreLatest(stages(again, new MetricAnomalyScorer(1)), i -> true);
        assertEquals(37, again.accounts());
        assertTrue(features.beginSnapshot() != null, "the capture's snapshot was closed by the write");
    }

    @Test
    void shouldKeepOnlyTheNewestCheckpointsAndNoTemporaryFiles() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(16);
        final MetricAnomalyScorer metrics = new MetricAnomalyScorer(4);
        final CheckpointStore store = new CheckpointStore(dir, 2);
        for (int i = 1; i <= 5; i++) {
            feed(features, metrics, (i - 1) * 10, i * 10);
            store.write(stages(features, metrics), "m1", i * 10L);
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
