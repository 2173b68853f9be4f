package io.vigil.scoring.drift;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureDriftWindowTest {
    private static final List<String> NAMES = List.of("amount", "flag");
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    /** amount uniform in [0, 100), flag 1 in one of four. */
    private static FeatureReference reference() {
        final FeatureReferenceBuilder builder = FeatureReferenceBuilder.of("test-1", NAMES);
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            builder.addRow(new float[] {(float)random.nextDouble(100), random.nextInt(4) == 0 ? 1 : 0}, 0);
        }
        return builder.build("test");
    }

    @Test
    void shouldKeepOnlyTheLastWindowOfEventTime() {
        final FeatureDriftWindow window = new FeatureDriftWindow(reference(), 10 * SECOND, 0, 5, 200);
        for (int i = 0; i < 100; i++) {
            window.add(i * 10_000_000L, new float[] {1, 0}, 0);
        }
        assertEquals(100, window.vectorsInWindow());
        // 11 s later than the first pane: the whole window is newer, the old panes are emptied
        for (int i = 0; i < 30; i++) {
            window.add(12 * SECOND + i, new float[] {50, 1}, 0);
        }
        assertEquals(30, window.vectorsInWindow());
        assertEquals(30, window.evaluate().get(0).samples());
        assertEquals(12 * SECOND, window.windowStartNs());
    }

    @Test
    void shouldSlidePaneByPaneOverEventTime() {
        final FeatureDriftWindow window = new FeatureDriftWindow(reference(), 10 * SECOND, 0, 5, 200);
        // one vector per second for 20 s: 2 s panes, 5 of them: the window holds the last 9 to 10 s
        for (int s = 0; s < 20; s++) {
            window.add(s * SECOND, new float[] {s, 0}, 0);
        }
        assertEquals(10, window.vectorsInWindow());
        assertEquals(10 * SECOND, window.windowStartNs());
    }

    @Test
    void shouldKeepOnlyTheLastVectorsOfACountWindow() {
        final FeatureDriftWindow window = new FeatureDriftWindow(reference(), 0, 100, 4, 200);
        for (int i = 0; i < 1_000; i++) {
            window.add(0, new float[] {i, 0}, 0);
        }
        final long n = window.vectorsInWindow();
        assertTrue(n > 75 && n <= 100, "window holds " + n);
        assertEquals(1_000, window.added());
    }

    @Test
    void shouldSeeNoDriftInValuesDrawnLikeTheReferenceAndDriftInShiftedOnes() {
        final FeatureDriftWindow window = new FeatureDriftWindow(reference(), 0, 10_000, 5, 200);
        final SplittableRandom random = new SplittableRandom(99);
        for (int i = 0; i < 10_000; i++) {
            window.add(i, new float[] {(float)random.nextDouble(100), random.nextInt(4) == 0 ? 1 : 0}, 0);
        }
        for (final FeatureDriftWindow.FeatureDrift drift : window.evaluate()) {
            assertTrue(drift.psi() < 0.02, drift.toString());
            assertTrue(drift.ks() < 0.05, drift.toString());
        }
        for (int i = 0; i < 10_000; i++) {
            window.add(i, new float[] {(float)random.nextDouble(50, 150), random.nextInt(4) == 0 ? 1 : 0}, 0);
        }
        final List<FeatureDriftWindow.FeatureDrift> drift = window.evaluate();
        assertTrue(drift.get(0).psi() > 0.25, drift.get(0).toString());
        assertEquals(0.5, drift.get(0).ks(), 0.05);
        assertTrue(drift.get(1).psi() < 0.02, drift.get(1).toString());
    }

    @Test
    void shouldReadBackTheReferenceItWrote() throws IOException {
        final FeatureReference reference = reference();
        final Path file = dir.resolve("ref.json");
        reference.write(file);
        final FeatureReference read = FeatureReference.read(file);
        assertEquals(reference.featureSetHash(), read.featureSetHash());
        assertEquals(NAMES, read.names());
        assertEquals(20_000, read.rows());
        for (int i = 0; i < NAMES.size(); i++) {
            final FeatureReference.Feature a = reference.features().get(i);
            final FeatureReference.Feature b = read.features().get(i);
            assertArrayEquals(a.cutPoints(), b.cutPoints());
            assertArrayEquals(a.binShares(), b.binShares(), 1e-12);
            assertArrayEquals(a.cdf().values(), b.cdf().values());
            assertArrayEquals(a.cdf().cumulative(), b.cdf().cumulative());
            assertEquals(20_000, b.cdf().count());
        }
        // a 0/1 flag: a bin per value, and one (empty) above the top decile for values never seen
        assertArrayEquals(new float[] {0, 1}, read.features().get(1).cutPoints());
        assertEquals(0.75, read.features().get(1).binShares()[0], 0.01);
        assertEquals(0.0, read.features().get(1).binShares()[2]);
    }

    @Test
    void shouldRefuseAReferenceOfAnotherFeatureSetNamingBoth() {
        final FeatureReference reference = reference();
        reference.requireFeatureSet("test-1", NAMES);
        final IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
            () -> reference.requireFeatureSet("test-2", List.of("amount", "flag", "velocity")));
        assertTrue(wrong.getMessage().contains("'test-1'") && wrong.getMessage().contains("'test-2'") &&
            wrong.getMessage().contains("[velocity]"), wrong.getMessage());
    }

    @Test
    void shouldRefuseAFileThatIsNotAReference() throws IOException {
        final Path file = dir.resolve("other.json");
        Files.writeString(file, "{\"format\": \"something-else\"}");
        final IOException ex = assertThrows(IOException.class, () -> FeatureReference.read(file));
        assertTrue(ex.getMessage().contains("not a feature reference"), ex.getMessage());
        Files.writeString(file, "not json");
        assertTrue(assertThrows(IOException.class, () -> FeatureReference.read(file)).getMessage().contains("not JSON"));
    }
}
