package io.vigil.scoring.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.vigil.scoring.features.TransactionFeatures;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OnnxModelTest {
    private static final String RESOURCES = "/io/vigil/scoring/model/";

    @TempDir
    Path tempDir;

    @Test
    void shouldMatchNumpyReferenceWithinTolerance() throws IOException {
        final List<float[]> rows = new ArrayList<>();
        final List<Double> expected = new ArrayList<>();
        readReference(rows, expected);
        assertTrue(rows.size() >= 200, "reference rows: " + rows.size());

        final int maxBatch = 64;
        try (OnnxModel model = OnnxModel.loadDefault(maxBatch)) {
            final float[] scores = new float[maxBatch];
            int done = 0;
            int batch = 1;
            while (done < rows.size()) {
                final int n = Math.min(batch, rows.size() - done);
                final FloatBuffer in = model.input();
                for (int r = 0; r < n; r++) {
                    final float[] row = rows.get(done + r);
                    for (int i = 0; i < row.length; i++) {
                        in.put(r * model.width() + i, row[i]);
                    }
                }
                model.run(n, scores);
                for (int r = 0; r < n; r++) {
                    assertEquals(expected.get(done + r), scores[r], 1e-5, "row " + (done + r));
                }
                done += n;
                batch = batch % maxBatch + 7; // vary the batch size, and reuse cached tensors
            }
        }
    }

    /**
     * The default model with one more metadata property: a ModelProto's fields may be appended to its serialization,
     * so this appends field 14 (metadata_props), a StringStringEntryProto {key = 1, value = 2}.
     */
    private static byte[] withMetadata(final String key, final String value) throws java.io.IOException {
        final byte[] model;
        try (java.io.InputStream in = OnnxModel.class.getResourceAsStream(OnnxModel.DEFAULT_RESOURCE)) {
            model = in.readAllBytes();
        }
        final byte[] k = key.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] v = value.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final java.io.ByteArrayOutputStream entry = new java.io.ByteArrayOutputStream();
        entry.write(0x0A);
        varint(entry, k.length);
        entry.write(k);
        entry.write(0x12);
        varint(entry, v.length);
        entry.write(v);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(model);
        out.write(0x72); // field 14, length-delimited
        varint(out, entry.size());
        entry.writeTo(out);
        return out.toByteArray();
    }

    private static void varint(final java.io.ByteArrayOutputStream out, final int value) {
        int v = value;
        while (v >= 0x80) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    @Test
    void shouldRefuseAModelTrainedOnAnotherFeatureDefinition(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws Exception {
        final String running = io.vigil.scoring.features.spec.FeatureSpec.defaultHash();
        final java.nio.file.Path other = dir.resolve("other.onnx");
        final String otherHash = "0".repeat(64);
        java.nio.file.Files.write(other, withMetadata(OnnxModel.FEATURE_SET_HASH_KEY, otherHash));
        final ModelLoadException e = org.junit.jupiter.api.Assertions.assertThrows(ModelLoadException.class,
            () -> OnnxModel.load(other, TransactionFeatures.WIDTH, 2, running));
        assertTrue(e.getMessage().contains("other.onnx") && e.getMessage().contains("trained on the feature definition with hash " +
            otherHash) && e.getMessage().contains(running), e.getMessage());

        final java.nio.file.Path same = dir.resolve("same.onnx");
        java.nio.file.Files.write(same, withMetadata(OnnxModel.FEATURE_SET_HASH_KEY, running));
        try (OnnxModel model = OnnxModel.load(same, TransactionFeatures.WIDTH, 2, running)) {
            assertEquals(running, model.featureSetHash());
        }
        // a model that declares no hash (as the bundled one) loads: lineage is checked where it is declared
        try (OnnxModel model = OnnxModel.loadDefault(2)) {
            assertEquals("", model.featureSetHash());
        }
    }

    /** The model's columns come from the running vector by name: declared names, else the default's 14. */
    @Test
    void shouldGatherItsInputFeaturesByName() throws IOException {
        final List<String> reversed = new ArrayList<>(TransactionFeatures.NAMES);
        java.util.Collections.reverse(reversed);
        final io.vigil.scoring.features.FeatureSet permuted =
            new io.vigil.scoring.features.FeatureSet("p", "p-1", "ab".repeat(32), reversed);
        final int[] expected = new int[TransactionFeatures.WIDTH];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = TransactionFeatures.WIDTH - 1 - i;
        }
        // declaring its features
        final Path named = tempDir.resolve("named.onnx");
        Files.write(named, withMetadata(OnnxModel.FEATURE_NAMES_KEY, String.join(",", TransactionFeatures.NAMES)));
        try (OnnxModel model = OnnxModel.load(named, permuted, 4)) {
            assertEquals(TransactionFeatures.NAMES, model.featureNames());
            assertArrayEquals(expected, model.inputIndices());
        }
        // the bundled model declares neither names nor hash: it reads the default's 14, wherever they are
        try (OnnxModel model = OnnxModel.loadDefault(permuted, 4)) {
            assertEquals(List.of(), model.featureNames());
            assertArrayEquals(expected, model.inputIndices());
        }
        // declaring the features in another order than the vector's
        final Path reversedNames = tempDir.resolve("reversed.onnx");
        Files.write(reversedNames, withMetadata(OnnxModel.FEATURE_NAMES_KEY, String.join(",", reversed)));
        try (OnnxModel model = OnnxModel.load(reversedNames, io.vigil.scoring.features.FeatureSet.defaultSet(), 4)) {
            assertArrayEquals(expected, model.inputIndices());
        }
    }

    @Test
    void shouldRefuseAFeatureSetThatLacksItsFeatures() throws IOException {
        final io.vigil.scoring.features.FeatureSet small =
            new io.vigil.scoring.features.FeatureSet("s", "s-1", "cd".repeat(32), List.of("amount_z", "n_1m", "x"));
        final ModelLoadException undeclared = assertThrows(ModelLoadException.class, () -> OnnxModel.loadDefault(small, 4));
        assertTrue(undeclared.getMessage().startsWith("model fraud-model.onnx: it declares neither its input features") &&
            undeclared.getMessage().contains("log_amount, channel") && undeclared.getMessage().contains("[amount_z, n_1m, x]"),
            undeclared.getMessage());

        final io.vigil.scoring.features.FeatureSet fourteen = new io.vigil.scoring.features.FeatureSet("s", "s-1",
            "cd".repeat(32), java.util.stream.IntStream.range(0, 14).mapToObj(i -> i == 3 ? "amount_z" : "f" + i).toList());
        final ModelLoadException missing = assertThrows(ModelLoadException.class, () -> OnnxModel.loadDefault(fourteen, 4));
        assertTrue(missing.getMessage().startsWith("model fraud-model.onnx: ") && missing.getMessage().contains("log_amount") &&
            missing.getMessage().contains("does not emit") && missing.getMessage().contains(fourteen.names().toString()) &&
            !missing.getMessage().contains("features log_amount, channel, count_1m, log_sum_1m, count_1h, log_sum_1h, " +
                "amount_ewma, amount_z"), missing.getMessage());

        final Path wrongCount = tempDir.resolve("two.onnx");
        Files.write(wrongCount, withMetadata(OnnxModel.FEATURE_NAMES_KEY, "a,b"));
        final ModelLoadException count = assertThrows(ModelLoadException.class,
            () -> OnnxModel.load(wrongCount, io.vigil.scoring.features.FeatureSet.defaultSet(), 4));
        assertTrue(count.getMessage().contains("two.onnx") && count.getMessage().contains("declares 2 input features"),
            count.getMessage());

        final Path otherHash = tempDir.resolve("hash.onnx");
        Files.write(otherHash, withMetadata(OnnxModel.FEATURE_SET_HASH_KEY, "0".repeat(64)));
        final ModelLoadException hash = assertThrows(ModelLoadException.class,
            () -> OnnxModel.load(otherHash, io.vigil.scoring.features.FeatureSet.defaultSet(), 4));
        assertTrue(hash.getMessage().contains("hash.onnx") && hash.getMessage().contains("0".repeat(64)) &&
            hash.getMessage().contains(io.vigil.scoring.features.spec.FeatureSpec.defaultHash()), hash.getMessage());
    }

    @Test
    void shouldDescribeTheDefaultModel() {
        try (OnnxModel model = OnnxModel.loadDefault(8)) {
            assertEquals(TransactionFeatures.WIDTH, model.width());
            assertEquals(8, model.maxBatch());
            assertEquals(TransactionFeatures.VERSION, model.featureSet());
            assertTrue(model.version().length() <= OnnxModel.MAX_VERSION_LENGTH);
            assertTrue(model.version().startsWith("fraud-"), model.version());
            assertTrue(model.input().isDirect());
            assertEquals(8 * TransactionFeatures.WIDTH, model.input().capacity());
        }
    }

    @Test
    void shouldScoreIdenticalRowsIdenticallyWhateverTheBatchSize() {
        try (OnnxModel model = OnnxModel.loadDefault(16)) {
            final float[] row = {3.5f, 1f, 4f, 2f, 6f, 5f, 3.4f, 0.2f, 12f, 3f, 1f, 2.5f, 3f, 0.4f};
            for (int r = 0; r < 16; r++) {
                model.input().put(r * row.length, row);
            }
            final float[] single = new float[16];
            final float[] many = new float[16];
            model.run(1, single);
            model.run(16, many);
            for (int r = 0; r < 16; r++) {
                assertEquals(single[0], many[r], 0f);
            }
            assertTrue(single[0] >= 0f && single[0] <= 1f);
        }
    }

    @Test
    void shouldRejectModelWithWrongWidth() throws IOException {
        final Path file = copyResource("bad-width.onnx");
        final ModelLoadException ex =
            assertThrows(ModelLoadException.class, () -> OnnxModel.load(file, TransactionFeatures.WIDTH, 4));
        assertEquals("model bad-width.onnx: input 'features' has width 9, the feature set " +
            TransactionFeatures.VERSION + " has " + TransactionFeatures.WIDTH, ex.getMessage());
    }

    @Test
    void shouldRejectModelWithWrongInputName() throws IOException {
        final Path file = copyResource("bad-input-name.onnx");
        final ModelLoadException ex =
            assertThrows(ModelLoadException.class, () -> OnnxModel.load(file, TransactionFeatures.WIDTH, 4));
        assertTrue(ex.getMessage().startsWith("model bad-input-name.onnx: no input named 'features'"), ex.getMessage());
        assertTrue(ex.getMessage().contains("[x]"), ex.getMessage());
    }

    @Test
    void shouldRejectMissingFile() {
        final Path file = tempDir.resolve("nowhere.onnx");
        final ModelLoadException ex =
            assertThrows(ModelLoadException.class, () -> OnnxModel.load(file, TransactionFeatures.WIDTH, 4));
        assertTrue(ex.getMessage().startsWith("model nowhere.onnx: file not found"), ex.getMessage());
    }

    @Test
    void shouldRejectFileThatIsNotAModel() throws IOException {
        final Path file = tempDir.resolve("garbage.onnx");
        Files.write(file, "not an onnx model".getBytes(StandardCharsets.US_ASCII));
        final ModelLoadException ex =
            assertThrows(ModelLoadException.class, () -> OnnxModel.load(file, TransactionFeatures.WIDTH, 4));
        assertTrue(ex.getMessage().startsWith("model garbage.onnx: cannot be parsed"), ex.getMessage());
    }

    @Test
    void shouldLoadFromPathAndRejectBatchBeyondMax() throws IOException {
        final Path file = copyResource("fraud-model.onnx");
        try (OnnxModel model = OnnxModel.load(file, TransactionFeatures.WIDTH, 2)) {
            assertThrows(IllegalArgumentException.class, () -> model.run(3, new float[3]));
            assertThrows(IllegalArgumentException.class, () -> model.run(0, new float[3]));
        }
    }

    @Test
    void shouldRefuseToRunAfterClose() {
        final OnnxModel model = OnnxModel.loadDefault(2);
        model.close();
        model.close();
        assertThrows(IllegalStateException.class, () -> model.run(1, new float[1]));
    }

    private Path copyResource(final String name) throws IOException {
        final Path file = tempDir.resolve(Path.of(name).getFileName().toString());
        try (InputStream in = OnnxModelTest.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            Files.copy(in, file);
        }
        return file;
    }

    private static void readReference(final List<float[]> rows, final List<Double> expected) throws IOException {
        try (InputStream in = OnnxModelTest.class.getResourceAsStream(RESOURCES + "model-reference.csv");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            final String[] header = reader.readLine().split(",");
            assertArrayEquals(TransactionFeatures.NAMES.toArray(), java.util.Arrays.copyOf(header, header.length - 1));
            String line;
            while ((line = reader.readLine()) != null) {
                final String[] cells = line.split(",");
                final float[] row = new float[cells.length - 1];
                for (int i = 0; i < row.length; i++) {
                    row[i] = Float.parseFloat(cells[i]);
                }
                rows.add(row);
                expected.add(Double.parseDouble(cells[cells.length - 1]));
            }
        }
    }
}
