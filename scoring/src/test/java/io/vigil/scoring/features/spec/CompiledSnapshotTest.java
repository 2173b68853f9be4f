package io.vigil.scoring.features.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Snapshots of compiled state: restored state goes on exactly as the original; another definition is refused. */
class CompiledSnapshotTest {
    private static final long S = 1_000_000_000L;
    private static final long T = 1_767_225_600L * S;

    private static void feed(final CompiledFeatures c, final SplittableRandom r, final int events, final long start,
                             final float[] last) {
        final FeatureEvent e = new FeatureEvent();
        long t = start;
        for (int i = 0; i < events; i++) {
            t += r.nextLong(3 * S);
            c.onEvent(e.set(1 + r.nextInt(2), r.nextInt(50), r.nextInt(30), r.nextInt(100), r.nextLong(10_000), r.nextInt(4),
                t - (r.nextInt(10) == 0 ? r.nextLong(120 * S) : 0)), last, 0);
        }
    }

    private static FeatureSpec mixed() {
        return FeatureSpec.parse(String.join("\n", "name: mixed", "version: 1", "key: [account]",
            "windows: {w: {type: sliding, size: 10m, step: 1m}, s: {type: session, gap: 2m}, all: {type: since_first_seen}}",
            "features:",
            "  - {name: n, aggregate: count, window: w}",
            "  - {name: sd, aggregate: stddev, of: amount, window: w}",
            "  - {name: sn, aggregate: sum, of: amount, window: s}",
            "  - {name: d, aggregate: distinct, of: merchant, window: all, precision: 8}",
            "  - {name: m, aggregate: count, window: w, key: [merchant]}",
            "  - {name: dc, aggregate: decayed_count, half_life: 5m}", ""), "mixed");
    }

    @Test
    void restoredStateContinuesExactly() throws IOException {
        for (final FeatureSpec spec : new FeatureSpec[] {mixed(), FeatureSpec.defaultSpec()}) {
            final CompiledFeatures a = CompiledFeatures.compile(spec, 4);
            final float[] outA = new float[a.width()];
            feed(a, new SplittableRandom(1), 5000, T, outA);
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            a.writeSnapshot(Channels.newChannel(bytes));
            final CompiledFeatures b = CompiledFeatures.compile(spec, 4);
            b.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
            assertEquals(a.keys(), b.keys());
            // the copy-on-write snapshot writes the same bytes
            final ByteArrayOutputStream cow = new ByteArrayOutputStream();
            try (CompiledFeatures.Snapshot s = a.beginSnapshot()) {
                assertEquals(bytes.size(), s.bytes());
                s.writeTo(Channels.newChannel(cow));
            }
            assertArrayEquals(bytes.toByteArray(), cow.toByteArray());
            final float[] outB = new float[b.width()];
            final SplittableRandom ra = new SplittableRandom(2);
            final SplittableRandom rb = new SplittableRandom(2);
            for (int i = 0; i < 2000; i++) {
                feed(a, ra, 1, T + 20_000 * S + i * S, outA);
                feed(b, rb, 1, T + 20_000 * S + i * S, outB);
                assertArrayEquals(outA, outB, "event " + i + " of " + spec.name());
            }
        }
    }

    @Test
    void refusesASnapshotOfAnotherDefinition() throws IOException {
        final CompiledFeatures a = CompiledFeatures.compile(FeatureSpec.defaultSpec(), 4);
        feed(a, new SplittableRandom(1), 100, T, new float[a.width()]);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.writeSnapshot(Channels.newChannel(bytes));
        final CompiledFeatures other = CompiledFeatures.compile(mixed(), 4);
        final IOException e = assertThrows(IOException.class,
            () -> other.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray()))));
        assertTrue(e.getMessage().contains(a.hash()) && e.getMessage().contains(other.hash()), e.getMessage());
    }
}
