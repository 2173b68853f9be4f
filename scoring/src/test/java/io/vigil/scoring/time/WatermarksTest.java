package io.vigil.scoring.time;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Watermarks} against a brute-force model: random sources, out-of-order events, ticks, snapshots. */
@Timeout(30)
class WatermarksTest {
    /** The model: the same rules, computed by scanning every source. */
    private static final class Model {
        final List<long[]> sources = new ArrayList<>(); // tenant, client, max, lastIngest, active
        long watermark = Watermarks.NONE;
        long bound;

        long[] source(final int tenant, final long client) {
            for (final long[] s : sources) {
                if (s[0] == tenant && s[1] == client) {
                    return s;
                }
            }
            return null;
        }

        void event(final int tenant, final long client, final long time, final long ingest) {
            long[] s = source(tenant, client);
            if (s == null) {
                s = new long[] {tenant, client, time, ingest, 1};
                sources.add(s);
            }
            s[2] = Math.max(s[2], time);
            s[3] = ingest;
            s[4] = 1;
            advance();
        }

        void tick(final long observed, final long idle) {
            for (final long[] s : sources) {
                if (idle > 0 && s[4] == 1 && observed - s[3] >= idle) {
                    s[4] = 0;
                }
            }
            advance();
        }

        void advance() {
            long min = Long.MAX_VALUE;
            for (final long[] s : sources) {
                if (s[4] == 1) {
                    min = Math.min(min, s[2]);
                }
            }
            if (min != Long.MAX_VALUE) {
                watermark = Math.max(watermark, min - bound);
            }
        }
    }

    @Test
    void shouldMatchABruteForceModelOverRandomStreams() throws Exception {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        for (int round = 0; round < 20; round++) {
            final long bound = random.nextInt(5_000);
            final Watermarks watermarks = new Watermarks(2, bound);
            final Model model = new Model();
            model.bound = bound;
            long now = 1_000_000;
            final int sources = 1 + random.nextInt(40);
            for (int step = 0; step < 5_000; step++) {
                now += random.nextInt(50);
                if (random.nextInt(20) == 0) {
                    final long idle = random.nextInt(3) == 0 ? 0 : random.nextInt(2_000);
                    watermarks.onTick(now, idle);
                    model.tick(now, idle);
                } else {
                    final int source = random.nextInt(sources);
                    final long time = now - random.nextInt(10_000) + (source % 7) * 300L;
                    watermarks.onEvent(source % 3, source, time, now);
                    model.event(source % 3, source, time, now);
                }
                assertEquals(model.watermark, watermarks.watermarkNs(), "seed " + seed + " round " + round + " step " + step);
                if (step % 1_000 == 999) {
                    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    watermarks.writeSnapshot(Channels.newChannel(bytes));
                    final Watermarks restored = new Watermarks(1, 0);
                    restored.readSnapshot(Channels.newChannel(new java.io.ByteArrayInputStream(bytes.toByteArray())));
                    assertEquals(watermarks.watermarkNs(), restored.watermarkNs());
                    assertEquals(watermarks.activeSources(), restored.activeSources());
                    assertEquals(watermarks.sources(), restored.sources());
                }
            }
        }
    }

    @Test
    void shouldHoldWhenEverySourceIsIdle() {
        final Watermarks watermarks = new Watermarks(4, 10);
        watermarks.onEvent(1, 1, 1_000, 100);
        watermarks.onEvent(1, 2, 2_000, 200);
        assertEquals(990, watermarks.watermarkNs());
        watermarks.onTick(10_000, 1_000);
        assertEquals(0, watermarks.activeSources());
        assertEquals(990, watermarks.watermarkNs(), "no source moves it: it holds");
        watermarks.onEvent(1, 2, 2_500, 10_001);
        assertEquals(2_490, watermarks.watermarkNs(), "source 2 is back, source 1 still idle");
    }
}
