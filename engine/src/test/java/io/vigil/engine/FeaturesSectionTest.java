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
}
