package io.vigil.scoring.features.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.apache.datasketches.hll.HllSketch;
import org.junit.jupiter.api.Test;

/** Every window kind and aggregation at its boundaries, compiled from small definitions. */
class WindowSemanticsTest {
    private static final long S = 1_000_000_000L;
    private static final long M = 60 * S;
    /** Aligned to the hour and the day. */
    private static final long T = 1_767_225_600L * S;

    private final FeatureEvent e = new FeatureEvent();

    private static CompiledFeatures compile(final String windows, final String... features) {
        final StringBuilder y = new StringBuilder("name: t\nversion: 1\nkey: [account]\nwindows:\n");
        y.append(windows.isEmpty() ? "  all: {type: since_first_seen}\n" : windows);
        y.append("features:\n");
        for (final String f : features) {
            y.append("  - ").append(f).append('\n');
        }
        return CompiledFeatures.compile(FeatureSpec.parse(y.toString(), "test"), 16);
    }

    private float[] event(final CompiledFeatures c, final int tenant, final long account, final long merchant,
                          final long amount, final long time) {
        final float[] out = new float[c.width()];
        c.onEvent(e.set(tenant, account, merchant, 0, amount, 0, time), out, 0);
        return out;
    }

    private float[] event(final CompiledFeatures c, final long amount, final long time) {
        return event(c, 1, 42, 7, amount, time);
    }

    @Test
    void slidingWindowDropsAnEventExactlyAtItsEnd() {
        final CompiledFeatures c = compile("  1m: {type: sliding, size: 60s, step: 1s}\n",
            "{name: n, aggregate: count, window: 1m}", "{name: s, aggregate: sum, of: amount, window: 1m}");
        event(c, 100, T);
        assertEquals(2f, event(c, 10, T + 60 * S - 1)[0], "59.999999999 s later: still inside");
        final float[] atEnd = event(c, 1, T + 60 * S);
        assertEquals(2f, atEnd[0], "exactly 60 s later: the first event left, the second is still in");
        assertEquals(11f, atEnd[1]);
    }

    @Test
    void hoppingWindowsOverlap() {
        // 10-minute windows hopping by 5 minutes: an event is in two consecutive windows
        final CompiledFeatures c = compile("  h: {type: hopping, size: 10m, step: 5m}\n",
            "{name: n, aggregate: count, window: h}");
        event(c, 1, T);                               // hop [0, 5m)
        assertEquals(2f, event(c, 1, T + 7 * M)[0]);   // hop [5m, 10m): window [0, 10m) holds both
        assertEquals(2f, event(c, 1, T + 10 * M)[0]);  // hop [10m, 15m): window [5m, 15m): the 7m event and this one
        assertEquals(1f, event(c, 1, T + 20 * M)[0]);  // window [15m, 25m)
    }

    @Test
    void tumblingWindowStartsAtItsEndAndIgnoresEventsOfPastWindows() {
        final CompiledFeatures c = compile("  h: {type: tumbling, size: 1h}\n",
            "{name: n, aggregate: count, window: h}", "{name: mx, aggregate: max, of: amount, window: h}");
        event(c, 5, T);
        assertEquals(2f, event(c, 9, T + 3600 * S - 1)[0]);
        final float[] next = event(c, 3, T + 3600 * S);
        assertEquals(1f, next[0], "an event exactly at the end opens the next window");
        assertEquals(3f, next[1]);
        final float[] late = event(c, 100, T + 10 * M);
        assertEquals(1f, late[0], "a late event of the past window is not added; the current window answers");
        assertEquals(3f, late[1]);
    }

    @Test
    void sessionsSplitAtTheGapAndMergeWhenALateEventBridgesThem() {
        final CompiledFeatures c = compile("  s: {type: session, gap: 10m}\n",
            "{name: n, aggregate: count, window: s}", "{name: total, aggregate: sum, of: amount, window: s}");
        event(c, 1, T);
        assertEquals(2f, event(c, 2, T + 5 * M)[0]);                // [0, 5m]
        assertEquals(1f, event(c, 4, T + 15 * M)[0], "exactly one gap after the end: a new session (split)");
        assertEquals(2f, event(c, 8, T + 20 * M)[0]);               // [15m, 20m]
        assertEquals(1f, event(c, 16, T + 31 * M)[0]);              // [31m]; previous [15m, 20m]
        // a late event at 25m: within the gap of the current session (31m) and of the previous one (20m): merged
        final float[] merged = event(c, 32, T + 25 * M);
        assertEquals(4f, merged[0]);
        assertEquals(4f + 8 + 16 + 32, merged[1]);
        // the first session [0, 5m] is gone; a late event at 2m is too late to join anything
        final float[] tooLate = event(c, 64, T + 2 * M);
        assertEquals(4f, tooLate[0]);
    }

    @Test
    void aLateEventJoinsThePreviousSessionWithoutChangingTheCurrent() {
        final CompiledFeatures c = compile("  s: {type: session, gap: 10m}\n",
            "{name: n, aggregate: count, window: s}");
        event(c, 1, T);
        event(c, 1, T + 30 * M);
        assertEquals(1f, event(c, 1, T + 3 * M)[0], "joins [0] (previous), the current session still has 1");
        // now the previous session is [0, 3m]; an event at 12m joins it too (within 10m of 3m), not the current (30m)
        assertEquals(1f, event(c, 1, T + 12 * M)[0]);
        // 21m is within 10m of both 12m and 30m: everything merges into one session of 5
        assertEquals(5f, event(c, 1, T + 21 * M)[0]);
    }

    @Test
    void decayedCountHalvesAfterOneHalfLife() {
        final CompiledFeatures c = compile("",
            "{name: d, aggregate: decayed_count, half_life: 10m}", "{name: ds, aggregate: decayed_sum, of: amount, half_life: 10m}");
        assertEquals(1.0, event(c, 8, T)[0], 0);
        final float[] later = event(c, 4, T + 10 * M);
        assertEquals(1.5, later[0], 1e-6, "the first event weighs 1/2 one half-life later");
        assertEquals(8 * 0.5 + 4, later[1], 1e-5);
        final float[] twoMore = event(c, 0, T + 30 * M);
        assertEquals(1.5 * 0.25 + 1, twoMore[0], 1e-6);
        // a late event counts with its age against the key's latest time
        assertEquals(1.5 * 0.25 + 1 + 0.5, event(c, 0, T + 20 * M)[0], 1e-6);
    }

    @Test
    void sinceFirstSeenNeverForgets() {
        final CompiledFeatures c = compile("",
            "{name: n, aggregate: count, window: all}", "{name: prior, aggregate: count, window: all, exclude_current: true}",
            "{name: mean, aggregate: mean, of: amount, window: all}", "{name: lo, aggregate: min, of: amount, window: all}");
        float[] f = event(c, 10, T);
        assertEquals(1f, f[0]);
        assertEquals(0f, f[1]);
        f = event(c, 30, T + 400 * 86_400L * S);
        assertEquals(2f, f[0]);
        assertEquals(1f, f[1]);
        f = event(c, 5, T - 3 * 86_400L * S); // late: still counted
        assertEquals(3f, f[0]);
        assertEquals(15f, f[2]);
        assertEquals(5f, f[3]);
    }

    @Test
    void momentsOverASlidingWindow() {
        final CompiledFeatures c = compile("  w: {type: sliding, size: 10s, step: 1s}\n",
            "{name: mean, aggregate: mean, of: amount, window: w}", "{name: lo, aggregate: min, of: amount, window: w}",
            "{name: hi, aggregate: max, of: amount, window: w}", "{name: sd, aggregate: stddev, of: amount, window: w}");
        event(c, 2, T);
        event(c, 4, T + S);
        event(c, 4, T + 2 * S);
        event(c, 4, T + 3 * S);
        event(c, 5, T + 4 * S);
        event(c, 5, T + 5 * S);
        event(c, 7, T + 6 * S);
        final float[] f = event(c, 9, T + 7 * S); // 2 4 4 4 5 5 7 9: mean 5, population sd 2
        assertEquals(5f, f[0]);
        assertEquals(2f, f[1]);
        assertEquals(9f, f[2]);
        assertEquals(2f, f[3], 1e-6);
        final float[] after = event(c, 5, T + 11 * S); // buckets 2..11: 4 4 5 5 7 9 5
        assertEquals(4f, after[1]);
        assertEquals((4 + 4 + 5 + 5 + 7 + 9 + 5) / 7f, after[0], 1e-6);
    }

    @Test
    void lastAndTimeSinceLastAndDerived() {
        final CompiledFeatures c = compile("  w: {type: sliding, size: 1h, step: 1m}\n",
            "{name: prev, aggregate: last, of: amount, initial: -1}",
            "{name: gap, aggregate: time_since_last, max: 3600}",
            "{name: mean, aggregate: mean, of: amount, window: w}",
            "{name: sd, aggregate: stddev, of: amount, window: w}",
            "{name: ratio, derive: ratio, of: [amount, mean]}",
            "{name: diff, derive: difference, of: [amount, prev]}",
            "{name: z, derive: zscore, of: [amount, mean, sd], std_floor: 1}");
        float[] f = event(c, 10, T);
        assertEquals(-1f, f[0]);
        assertEquals(3600f, f[1], "first event: max");
        assertEquals(1f, f[4]);
        f = event(c, 30, T + 90 * S);
        assertEquals(10f, f[0]);
        assertEquals(90f, f[1]);
        assertEquals(30f / 20f, f[4]);
        assertEquals(20f, f[5]);
        assertEquals((30 - 20) / 10f, f[6], 1e-6);
        f = event(c, 50, T + 30 * S); // late
        assertEquals(30f, f[0], "the latest in event time stays the latest");
        assertEquals(0f, f[1], "late: 0");
        f = event(c, 1, T + 10 * 3600 * S);
        assertEquals(30f, f[0]);
        assertEquals(3600f, f[1], "capped");
    }

    @Test
    void newValueAndBitmapDistinct() {
        final CompiledFeatures c = compile("  d: {type: hopping, size: 2h, step: 1h}\n",
            "{name: dist, aggregate: distinct_bitmap, of: merchant, window: d, bits: 1024}",
            "{name: fresh, aggregate: new_value, of: merchant, window: d, bits: 1024}");
        assertEquals(1f, event(c, 1, 42, 100, 1, T)[1]);
        assertEquals(0f, event(c, 1, 42, 100, 1, T + M)[1]);
        final float[] other = event(c, 1, 42, 200, 1, T + 2 * M);
        assertEquals(1f, other[1]);
        assertEquals(2f, other[0], 0.01f);
        assertEquals(0f, event(c, 1, 42, 100, 1, T + 61 * M)[1], "previous hour still in the window");
        assertEquals(1f, event(c, 1, 42, 200, 1, T + 3 * 3600 * S)[1], "both hours expired");
    }

    @Test
    void hllDistinctIsWithinItsErrorAndAgreesWithDataSketches() {
        final CompiledFeatures c = compile("", "{name: d, aggregate: distinct, of: merchant, window: all, precision: 12}");
        final HllSketch reference = new HllSketch(12);
        final SplittableRandom r = new SplittableRandom(7);
        final Set<Long> exact = new HashSet<>();
        float estimate = 0;
        for (int i = 0; i < 200_000; i++) {
            final long merchant = r.nextLong(100_000);
            exact.add(merchant);
            reference.update(merchant);
            estimate = event(c, 1, 42, merchant, 1, T + i)[0];
            if (i == 99) {
                // small counts: linear counting, nearly exact
                assertEquals(exact.size(), estimate, exact.size() * 0.03, "at 100 events");
            }
        }
        final double n = exact.size();
        final double sigma = 1.04 / Math.sqrt(4096);
        assertTrue(Math.abs(estimate - n) / n < 3 * sigma, "estimate " + estimate + " of " + n);
        assertTrue(Math.abs(reference.getEstimate() - n) / n < 3 * sigma, "DataSketches " + reference.getEstimate());
        assertTrue(Math.abs(estimate - reference.getEstimate()) / n < 4 * sigma,
            "ours " + estimate + " DataSketches " + reference.getEstimate() + " of " + n);
    }

    @Test
    void hllOverASlidingWindowForgetsExpiredBuckets() {
        final CompiledFeatures c = compile("  w: {type: sliding, size: 2m, step: 1m}\n",
            "{name: d, aggregate: distinct, of: merchant, window: w, precision: 10}");
        for (int i = 0; i < 500; i++) {
            event(c, 1, 42, i, 1, T + i);
        }
        float d = 0;
        for (int i = 0; i < 300; i++) {
            d = event(c, 1, 42, 10_000 + i, 1, T + M + i)[0];
        }
        assertEquals(800, d, 800 * 0.1);
        d = event(c, 1, 42, 10_000, 1, T + 2 * M)[0]; // the first minute left
        assertEquals(300, d, 300 * 0.1);
    }

    @Test
    void tenantsNeverShareState() {
        final CompiledFeatures c = compile("  w: {type: sliding, size: 1h, step: 1m}\n",
            "{name: n, aggregate: count, window: w}", "{name: m, aggregate: count, window: w, key: [merchant]}");
        event(c, 1, 42, 7, 1, T);
        event(c, 1, 42, 7, 1, T + S);
        final float[] other = event(c, 2, 42, 7, 1, T + 2 * S);
        assertEquals(1f, other[0], "tenant 2's account 42 is not tenant 1's");
        assertEquals(1f, other[1], "nor its merchant 7");
        assertEquals(3f, event(c, 1, 42, 7, 1, T + 3 * S)[0]);
    }

    @Test
    void keysCanCombineFields() {
        final CompiledFeatures c = compile("  w: {type: since_first_seen}\n",
            "{name: per_account_merchant, aggregate: count, window: w, key: [account, merchant]}",
            "{name: per_mcc_channel, aggregate: count, window: w, key: [mcc, channel]}",
            "{name: per_tenant, aggregate: count, window: w, key: []}");
        final float[] out = new float[3];
        c.onEvent(e.set(1, 1, 1, 5411, 1, 0, T), out, 0);
        c.onEvent(e.set(1, 1, 2, 5411, 1, 1, T), out, 0);
        assertEquals(1f, out[0]);
        assertEquals(1f, out[1]);
        c.onEvent(e.set(1, 2, 2, 5411, 1, 1, T), out, 0);
        assertEquals(1f, out[0]);
        assertEquals(2f, out[1]);
        assertEquals(3f, out[2]);
        assertEquals(3, c.slotBytes().length);
    }

    @Test
    void onEventAllocatesNothingInSteadyState() {
        final CompiledFeatures c = CompiledFeatures.compile(thirtyFeatureSpec(), 2048);
        final CompiledFeatures d = CompiledFeatures.compile(FeatureSpec.defaultSpec(), 2048);
        final float[] out = new float[64];
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        long time = T;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100_000; i++) {
                time += 3_000_000L;
                c.onEvent(e.set(1, i & 1023, i % 97, 5411, 100 + i % 5000, i & 3, time), out, 0);
                d.onEvent(e, out, 0);
            }
        }
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
            time += 3_000_000L;
            c.onEvent(e.set(1, i & 1023, i % 97, 5411, 100 + i % 5000, i & 3, time), out, 0);
            d.onEvent(e, out, 0);
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 100k events");
    }

    /** 5 windows x 6 aggregations of the amount, per account. */
    static FeatureSpec thirtyFeatureSpec() {
        final StringBuilder y = new StringBuilder("name: thirty\nversion: 1\nkey: [account]\nwindows:\n");
        final String[] windows = {"w1m: {type: sliding, size: 60s, step: 1s}", "w1h: {type: sliding, size: 1h, step: 1m}",
            "w1d: {type: sliding, size: 1d, step: 1h}", "t1h: {type: tumbling, size: 1h}", "s30m: {type: session, gap: 30m}"};
        for (final String w : windows) {
            y.append("  ").append(w).append('\n');
        }
        y.append("features:\n");
        for (final String w : windows) {
            final String name = w.substring(0, w.indexOf(':'));
            for (final String a : new String[] {"count", "sum", "mean", "min", "max", "stddev"}) {
                y.append("  - {name: ").append(a).append('_').append(name).append(", aggregate: ").append(a)
                    .append(a.equals("count") ? "" : ", of: amount").append(", window: ").append(name).append("}\n");
            }
        }
        return FeatureSpec.parse(y.toString(), "thirty");
    }
}
