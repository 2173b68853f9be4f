package io.vigil.engine;

import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The features checkpoint section carries the running feature set's hash (the kernel's too): a section of another
 * definition is refused naming both hashes; a version 1 section (written before the hash) still restores.
 */
@Timeout(30)
class FeaturesSectionTest {
    private static final float[] OUT = new float[TransactionFeatures.WIDTH];

    private static ByteBuffer section(final FeaturesStage stage) throws IOException {
        final SnapshotChannel out = new SnapshotChannel(ByteBuffer.allocate(1 << 20));
        stage.writeSection(out);
        out.flip();
        final ByteBuffer b = ByteBuffer.allocate(1 << 20);
        out.read(b);
        return b.flip();
    }

    private static long accounts(final FeaturesStage stage) {
        return stage.keys();
    }

    @Test
    void shouldCarryTheHashAndRefuseAnotherDefinitionsSection() throws IOException {
        final TransactionFeatures kernel = new TransactionFeatures(16);
        for (long a = 1; a <= 3; a++) {
            kernel.onTransaction(1, a, 9, 5411, 1_000, 0, 1_700_000_000_000_000_000L + a, OUT, 0);
        }
        final FeaturesStage written = new FeaturesStage(kernel);
        final ByteBuffer bytes = section(written);
        assertEquals(0x56464831, bytes.getInt(0));
        final String hash = FeatureSpec.defaultHash();
        assertEquals(hash, new String(bytes.array(), 8, bytes.getInt(4), java.nio.charset.StandardCharsets.US_ASCII));

        final FeaturesStage restored = new FeaturesStage(new TransactionFeatures(16));
        restored.readSection(FeaturesStage.SECTION_VERSION, new SnapshotChannel(bytes.duplicate()));
        assertEquals(3, accounts(restored));

        final FeatureSpec other = FeatureSpec.parse("name: o\nversion: 1\nwindows: {a: {type: since_first_seen}}\n" +
            "features:\n  - {name: n, aggregate: count, window: a}\n", "other");
        final FeaturesStage compiled = new FeaturesStage(CompiledFeatures.compile(other, 16));
        final IOException refused = assertThrows(IOException.class,
            () -> compiled.readSection(FeaturesStage.SECTION_VERSION, new SnapshotChannel(bytes.duplicate())));
        assertTrue(refused.getMessage().contains(hash) && refused.getMessage().contains(other.hash()), refused.getMessage());

        // version 1: the kernel's snapshot alone
        final ByteBuffer v1 = bytes.duplicate().position(8 + bytes.getInt(4)).slice();
        final FeaturesStage old = new FeaturesStage(new TransactionFeatures(16));
        old.readSection(1, new SnapshotChannel(v1));
        assertEquals(3, accounts(old));
    }

    @Test
    void shouldCarryTheServedRowsSoARestartServesEveryKeyItServedBefore() throws IOException {
        final TransactionFeatures kernel = new TransactionFeatures(16);
        final FeaturesStage written = new FeaturesStage(kernel);
        final io.vigil.scoring.features.SingleWriterFeatureTable served = written.published();
        for (long a = 1; a <= 5; a++) {
            kernel.onTransaction((int)a % 2, a, 9, 5411, 1_000 * a, 0, 1_700_000_000_000_000_000L + a, OUT, 0);
            served.publish((int)a % 2, a, OUT, 0, 100 + a, 1_700_000_000_000_000_000L + a);
        }
        // the capture fixes the rows at 5 keys: a key first published after it is not in the image
        final SectionImage image = written.captureSection();
        served.publish(0, 99, OUT, 0, 200, 1_700_000_000_000_000_099L);
        final SnapshotChannel out = new SnapshotChannel(ByteBuffer.allocate(1 << 20));
        image.writeTo(out);
        image.close();
        out.flip();
        final ByteBuffer bytes = ByteBuffer.allocate(1 << 20);
        assertEquals(image.length(), out.read(bytes), "the image writes exactly the length it announced");
        bytes.flip();

        final FeaturesStage restored = new FeaturesStage(new TransactionFeatures(16));
        // what a restore that failed half-way left behind is replaced, not kept
        restored.published().publish(3, 12345, OUT, 0, 1, 1L);
        restored.readSection(FeaturesStage.SECTION_VERSION, new SnapshotChannel(bytes.duplicate()));
        final io.vigil.scoring.features.SingleWriterFeatureTable again = restored.published();
        assertEquals(5, again.size());
        assertTrue(!again.contains(3, 12345));
        final io.vigil.scoring.features.SingleWriterFeatureTable.View before = served.newView();
        final io.vigil.scoring.features.SingleWriterFeatureTable.View after = again.newView();
        for (long a = 1; a <= 5; a++) {
            assertTrue(served.read((int)a % 2, a, before));
            assertTrue(again.read((int)a % 2, a, after), "account " + a + " is served after the restore");
            assertEquals(before.eventIndex(), after.eventIndex());
            assertEquals(before.eventTimeNs(), after.eventTimeNs());
            for (int i = 0; i < TransactionFeatures.WIDTH; i++) {
                assertEquals(Float.floatToIntBits(before.value(i)), Float.floatToIntBits(after.value(i)));
            }
        }
        assertTrue(!again.contains(0, 99), "published after the capture");

        // serving off on either side: the section still reads, the rows are skipped or none
        final FeaturesStage off = new FeaturesStage(new TransactionFeatures(16), null);
        off.readSection(FeaturesStage.SECTION_VERSION, new SnapshotChannel(bytes.duplicate()));
        assertEquals(5, off.keys());
        final FeaturesStage fromOff = new FeaturesStage(new TransactionFeatures(16));
        fromOff.readSection(FeaturesStage.SECTION_VERSION, new SnapshotChannel(section(off)));
        assertEquals(5, fromOff.keys());
        assertEquals(0, fromOff.published().size());
    }
}
