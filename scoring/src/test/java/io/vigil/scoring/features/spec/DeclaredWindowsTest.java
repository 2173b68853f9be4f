package io.vigil.scoring.features.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.vigil.scoring.time.WindowResultSink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The window results of a definition's tumbling and session windows ({@link DeclaredWindows}): boundaries, session
 * split and merge, closed windows, agreement with the compiled features, snapshot and restore, determinism and
 * allocation.
 */
@Timeout(60)
class DeclaredWindowsTest {
    private static final long S = 1_000_000_000L;
    private static final long T = 1_767_225_600L * S; // 2026-01-01T00:00:00Z, minute-aligned

    static final String KPI = String.join("\n",
        "name: kpi",
        "version: k1",
        "key: [account]",
        "windows:",
        "  t1m: {type: tumbling, size: 1m}",
        "  s: {type: session, gap: 30s}",
        "  w: {type: sliding, size: 10s, step: 1s}",
        "features:",
        "  - {name: n_1m, aggregate: count, window: t1m}",
        "  - {name: sum_1m, aggregate: sum, of: amount, window: t1m}",
        "  - {name: mean_1m, aggregate: mean, of: amount, window: t1m}",
        "  - {name: min_1m, aggregate: min, of: amount, window: t1m}",
        "  - {name: max_1m, aggregate: max, of: amount, window: t1m}",
        "  - {name: std_1m, aggregate: stddev, of: amount, window: t1m}",
        "  - {name: log_sum_1m, aggregate: sum, of: amount, window: t1m, transform: [{divide: 100}, log1p]}",
        "  - {name: half, value: amount, transform: [{divide: 2}], emit: false}",
        "  - {name: half_mean_1m, aggregate: mean, of: half, window: t1m}",
        "  - {name: distinct_1m, aggregate: distinct_bitmap, of: merchant, window: t1m}",
        "  - {name: n_s, aggregate: count, window: s}",
        "  - {name: sum_s, aggregate: sum, of: amount, window: s}",
        "  - {name: max_s, aggregate: max, of: amount, window: s}",
        "  - {name: n_w, aggregate: count, window: w}",
        "");

    private final FeatureEvent e = new FeatureEvent();
    private final List<String> emitted = new ArrayList<>();
    private final WindowResultSink sink = (window, tenant, key, start, end, values, count) -> {
        final StringBuilder sb = new StringBuilder(window.name()).append(' ').append(tenant).append('/').append(key)
            .append(" [").append(start - T).append(',').append(end - T).append(')');
        for (int i = 0; i < count; i++) {
            sb.append(' ').append(values[i]);
        }
        emitted.add(sb.toString());
    };

    /** Like {@link #sink}, with the firing number appended ({@code #n}). */
    private final WindowResultSink firings = new WindowResultSink() {
        @Override
        public void onWindow(final io.vigil.scoring.time.EventTimeWindows window, final int tenant, final long key,
                             final long start, final long end, final double[] values, final int count) {
            onWindow(window, tenant, key, start, end, values, count, 0);
        }

        @Override
        public void onWindow(final io.vigil.scoring.time.EventTimeWindows window, final int tenant, final long key,
                             final long start, final long end, final double[] values, final int count, final int firing) {
            final StringBuilder sb = new StringBuilder(window.name()).append(' ').append(tenant).append('/').append(key)
                .append(" [").append((start - T) / S).append(',').append((end - T) / S).append(')');
            for (int i = 0; i < count; i++) {
                sb.append(' ').append(values[i]);
            }
            emitted.add(sb.append(" #").append(firing).toString());
        }
    };

    private static FeatureSpec spec(final String yaml) {
        return FeatureSpec.parse(yaml, "test");
    }

    private static DeclaredWindows producer(final List<DeclaredWindows> ps, final String name) {
        return ps.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private void event(final CompiledFeatures c, final List<DeclaredWindows> ps, final int tenant, final long account,
                       final long merchant, final long amount, final long time, final float[] out) {
        c.onEvent(e.set(tenant, account, merchant, 5411, amount, 0, time), out, 0);
        for (final DeclaredWindows p : ps) {
            p.addLastEvent();
        }
    }

    @Test
    void makesOneProducerPerTumblingAndSessionWindowNamedAfterTheFeatureSet() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final List<DeclaredWindows> ps = DeclaredWindows.of(c);
        assertEquals(List.of("kpi.t1m", "kpi.s"), ps.stream().map(DeclaredWindows::name).toList(),
            "sliding windows have no results");
        assertEquals(List.of("n_1m", "sum_1m", "mean_1m", "min_1m", "max_1m", "std_1m", "log_sum_1m", "half_mean_1m"),
            ps.get(0).valueNames(), "distinct_bitmap is not in the results");
        assertEquals(List.of("n_s", "sum_s", "max_s"), ps.get(1).valueNames());
        assertEquals(List.of("distinct_1m"), DeclaredWindows.unsupported(c.spec()));
        assertEquals(DeclaredWindows.windowId("kpi.t1m"), ps.get(0).windowId());
        assertEquals(DeclaredWindows.windowId("kpi.t1m"), DeclaredWindows.of(CompiledFeatures.compile(spec(KPI), 1))
            .get(0).windowId(), "stable per name");
        assertNotEquals(ps.get(0).windowId(), ps.get(1).windowId());
        assertTrue(ps.get(0).windowId() != 1 && ps.get(0).windowId() > 0, "never the built-in window's id");
        assertTrue(DeclaredWindows.of(CompiledFeatures.compile(FeatureSpec.defaultSpec(), 1)).isEmpty(),
            "the default declares no tumbling or session window");
    }

    @Test
    void tumblingPutsAnEventExactlyAtTheEndIntoTheNextWindowAndEmitsWhenTheWatermarkReachesTheEnd() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final List<DeclaredWindows> ps = List.of(producer(DeclaredWindows.of(c), "kpi.t1m"));
        final DeclaredWindows t = ps.get(0);
        final float[] out = new float[64];
        event(c, ps, 1, 7, 1, 100, T, out);
        event(c, ps, 1, 7, 1, 300, T + 60 * S - 1, out);
        event(c, ps, 1, 7, 1, 1000, T + 60 * S, out); // exactly at the end: the next window
        event(c, ps, 2, 7, 1, 50, T + 10 * S, out); // another tenant, same account
        assertEquals(3, t.openWindows());
        assertEquals(0, t.advance(T + 60 * S - 1, sink), "the window [0, 60s) ends at 60s");
        assertEquals(2, t.advance(T + 60 * S, sink), "emitted exactly when the watermark reaches the end");
        assertEquals(0, t.advance(T + 90 * S, sink), "each window once");
        assertFalse(addOne(c, t, 1, 7, 500, T + 30 * S), "its window's result is out");
        assertEquals(1, t.eventsForClosedWindows());
        assertTrue(addOne(c, t, 1, 7, 500, T + 100 * S), "a late event for an open window updates it");
        assertEquals(1, t.advance(T + 120 * S, sink));
        final double std = Math.sqrt(Math.max(0, (100.0 * 100 + 300.0 * 300) / 2 - 200.0 * 200));
        assertEquals(List.of(
            "kpi.t1m 1/7 [0,60000000000) 2.0 400.0 200.0 100.0 300.0 " + std + " " + Math.log1p(4.0) + " 100.0",
            "kpi.t1m 2/7 [0,60000000000) 1.0 50.0 50.0 50.0 50.0 0.0 " + Math.log1p(0.5) + " 25.0",
            "kpi.t1m 1/7 [60000000000,120000000000) 2.0 1500.0 750.0 500.0 1000.0 250.0 " + Math.log1p(15.0) + " 375.0"),
            emitted);
        assertEquals(0, t.openWindows());
    }

    private boolean addOne(final CompiledFeatures c, final DeclaredWindows p, final int tenant, final long account,
                           final long amount, final long time) {
        c.onEvent(e.set(tenant, account, 1, 5411, amount, 0, time), new float[64], 0);
        return p.addLastEvent();
    }

    @Test
    void aLateEventWithinTheLatenessAfterTheOnTimeFiringFiresTheWindowAgainUntilItIsPurged() {
        final String yaml = String.join("\n", "name: late", "version: 1", "key: [account]",
            "windows:", "  t1m: {type: tumbling, size: 1m}",
            "features:",
            "  - {name: n, aggregate: count, window: t1m}",
            "  - {name: sum, aggregate: sum, of: amount, window: t1m}",
            "  - {name: max, aggregate: max, of: amount, window: t1m}", "");
        final CompiledFeatures c = CompiledFeatures.compile(spec(yaml), 64);
        final DeclaredWindows t = DeclaredWindows.of(c).get(0);
        final long lateness = 30 * S;
        assertTrue(addOne(c, t, 1, 7, 100, T));
        assertTrue(addOne(c, t, 1, 7, 300, T + 10 * S));
        assertEquals(1, t.advance(T + 60 * S, lateness, firings), "on time at the end");
        assertEquals(1, t.openWindows(), "kept for the lateness");
        assertEquals(0, t.advance(T + 61 * S, lateness, firings), "nothing changed: no firing");
        // two late events between two advances: one revised firing
        assertTrue(addOne(c, t, 1, 7, 50, T + 20 * S), "within end + lateness: applied");
        assertTrue(addOne(c, t, 1, 7, 1000, T + 59 * S));
        assertTrue(addOne(c, t, 2, 8, 5, T + 30 * S), "a late event of a key without that window: a first result");
        assertEquals(2, t.advance(T + 62 * S, lateness, firings));
        assertEquals(0, t.advance(T + 89 * S, lateness, firings));
        assertTrue(addOne(c, t, 1, 7, 1, T + 40 * S), "still kept: purged when the watermark reaches 90 s");
        assertEquals(1, t.advance(T + 90 * S, lateness, firings), "fires, then is purged");
        assertEquals(0, t.openWindows());
        assertFalse(addOne(c, t, 1, 7, 2, T + 45 * S), "purged: counted, not added");
        assertEquals(1, t.eventsForClosedWindows());
        assertEquals(0, t.advance(T + 200 * S, lateness, firings), "no firing for the purged window");
        assertEquals(List.of(
            "late.t1m 1/7 [0,60) 2.0 400.0 300.0 #0",
            "late.t1m 1/7 [0,60) 4.0 1450.0 1000.0 #1",
            "late.t1m 2/8 [0,60) 1.0 5.0 5.0 #0",
            "late.t1m 1/7 [0,60) 5.0 1451.0 1000.0 #2"), emitted);
    }

    @Test
    void withoutABoundedLatenessAResultIsFinalAtTheEnd() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final DeclaredWindows t = producer(DeclaredWindows.of(c), "kpi.t1m");
        assertTrue(addOne(c, t, 1, 7, 100, T));
        assertEquals(1, t.advance(T + 60 * S, io.vigil.scoring.time.EventTimeWindows.UNBOUNDED, firings));
        assertEquals(0, t.openWindows(), "freed at its firing: memory stays bounded by the open windows");
        assertFalse(addOne(c, t, 1, 7, 100, T + S));
        assertEquals(1, t.eventsForClosedWindows());
        assertEquals(0, t.advance(T + 120 * S, io.vigil.scoring.time.EventTimeWindows.UNBOUNDED, firings));
    }

    @Test
    void aLateEventThatBridgesFiredSessionsMergesThemAndTheMergedSessionFiresAgain() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final DeclaredWindows s = producer(DeclaredWindows.of(c), "kpi.s");
        final long lateness = 60 * S;
        assertTrue(addOne(c, s, 1, 7, 1, T));
        assertTrue(addOne(c, s, 1, 7, 2, T + 40 * S));
        assertTrue(addOne(c, s, 1, 7, 4, T + 200 * S));
        assertEquals(2, s.advance(T + 70 * S, lateness, firings), "[0, 30) and [40, 70)");
        assertTrue(addOne(c, s, 1, 7, 8, T + 20 * S), "late, [20, 50) overlaps both fired sessions");
        assertEquals(2, s.openWindows(), "merged into one, beside [200, 230)");
        assertEquals(1, s.advance(T + 71 * S, lateness, firings));
        // a late event that moves a fired session's end past the watermark: it fires when the watermark gets there
        assertTrue(addOne(c, s, 1, 7, 16, T + 65 * S), "extends [0, 70) to [0, 95)");
        assertEquals(0, s.advance(T + 94 * S, lateness, firings));
        assertEquals(1, s.advance(T + 95 * S, lateness, firings));
        assertEquals(0, s.advance(T + 154 * S, lateness, firings));
        assertEquals(2, s.openWindows());
        assertEquals(0, s.advance(T + 155 * S, lateness, firings));
        assertEquals(1, s.openWindows(), "purged at end + lateness");
        assertFalse(addOne(c, s, 1, 7, 32, T + 60 * S), "would be the purged session (and is too late by the " +
            "event-time judgement anyway): counted");
        assertEquals(1, s.advance(T + 230 * S, lateness, firings));
        assertEquals(List.of(
            "kpi.s 1/7 [0,30) 1.0 1.0 1.0 #0",
            "kpi.s 1/7 [40,70) 1.0 2.0 2.0 #0",
            "kpi.s 1/7 [0,70) 3.0 11.0 8.0 #1",
            "kpi.s 1/7 [0,95) 4.0 27.0 16.0 #2",
            "kpi.s 1/7 [200,230) 1.0 4.0 4.0 #0"), emitted);
    }

    @Test
    void sessionsSplitAtTheGapMergeWhenALateEventBridgesThemAndEndAGapAfterTheirLastEvent() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final DeclaredWindows s = producer(DeclaredWindows.of(c), "kpi.s");
        assertTrue(addOne(c, s, 1, 7, 1, T));
        assertTrue(addOne(c, s, 1, 7, 2, T + 30 * S)); // exactly the gap after: a second session
        assertEquals(2, s.openWindows());
        assertTrue(addOne(c, s, 1, 7, 4, T + 100 * S)); // a third
        assertTrue(addOne(c, s, 1, 7, 8, T + 150 * S)); // a fourth
        assertEquals(4, s.openWindows());
        assertTrue(addOne(c, s, 1, 7, 16, T + 125 * S)); // late, bridges the third [100s, 130s) and the fourth [150s, 180s)
        assertEquals(3, s.openWindows());
        assertEquals(0, s.advance(T + 30 * S - 1, sink));
        assertEquals(1, s.advance(T + 30 * S, sink), "the first ends a gap after its only event");
        assertFalse(addOne(c, s, 1, 7, 32, T), "the first session's result is out");
        assertTrue(addOne(c, s, 1, 7, 64, T + 29 * S), "joins the open second session [30s, 60s): starts it earlier");
        assertEquals(1, s.advance(T + 60 * S, sink));
        assertEquals(0, s.advance(T + 179 * S, sink));
        assertEquals(1, s.advance(T + 180 * S, sink), "the merged session ends a gap after its latest event");
        assertEquals(List.of(
            "kpi.s 1/7 [0,30000000000) 1.0 1.0 1.0",
            "kpi.s 1/7 [29000000000,60000000000) 2.0 66.0 64.0",
            "kpi.s 1/7 [100000000000,180000000000) 3.0 28.0 16.0"), emitted);
        assertEquals(1, s.eventsForClosedWindows());
    }

    @Test
    void resultsEqualTheFeaturesAtEachWindowsLastEventForEventsInOrder() {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 1024);
        final List<DeclaredWindows> ps = DeclaredWindows.of(c);
        final List<String> names = c.names();
        // per key, the features after each event time (the latest event at that time)
        final Map<String, java.util.TreeMap<Long, float[]>> last = new HashMap<>();
        final Random random = new Random(13);
        final float[] out = new float[64];
        long time = T;
        final List<String> mismatches = new ArrayList<>();
        final WindowResultSink check = (window, tenant, key, start, end, values, count) -> {
            final DeclaredWindows p = (DeclaredWindows)window;
            final Map.Entry<Long, float[]> at = last.get(tenant + "|" + key).lowerEntry(end);
            assertTrue(at.getKey() >= start, "the key has an event in the window");
            final float[] features = at.getValue();
            for (int i = 0; i < count; i++) {
                final float feature = features[names.indexOf(p.valueNames().get(i))];
                if (Float.floatToIntBits((float)values[i]) != Float.floatToIntBits(feature)) {
                    mismatches.add(p.name() + " " + p.valueNames().get(i) + " " + values[i] + " != " + feature);
                }
            }
            emitted.add(window.name());
        };
        for (int i = 0; i < 50_000; i++) {
            time += random.nextInt(3) == 0 ? 0 : (long)random.nextInt(4000) * 1_000_000L;
            final int tenant = 1 + random.nextInt(2);
            final long account = random.nextInt(40);
            event(c, ps, tenant, account, random.nextInt(5), random.nextInt(100_000) - 1000, time, out);
            last.computeIfAbsent(tenant + "|" + account, k -> new java.util.TreeMap<>()).put(time, out.clone());
            for (final DeclaredWindows p : ps) {
                p.advance(time - 5 * S, check);
            }
        }
        for (final DeclaredWindows p : ps) {
            p.advance(Long.MAX_VALUE, check);
        }
        assertTrue(emitted.size() > 2_000, emitted.size() + " results");
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())));
    }

    /** A stream with out-of-order and late events, many keys, tumbling and session windows. */
    private List<String> run(final int events, final int snapshotAt, final boolean restoreIntoFresh) throws IOException {
        return run(events, snapshotAt, restoreIntoFresh, false);
    }

    /**
     * @param lateFirings with a bounded lateness: 20 s for the first half of the events, 10 s after (a lateness that
     * shrinks purges earlier), else unbounded.
     */
    private List<String> run(final int events, final int snapshotAt, final boolean restoreIntoFresh,
                             final boolean lateFirings) throws IOException {
        CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 1024);
        List<DeclaredWindows> ps = DeclaredWindows.of(c);
        final Random random = new Random(42);
        final float[] out = new float[64];
        long max = T;
        final List<String> results = new ArrayList<>();
        final WindowResultSink collect = new WindowResultSink() {
            @Override
            public void onWindow(final io.vigil.scoring.time.EventTimeWindows window, final int tenant, final long key,
                                 final long start, final long end, final double[] values, final int count) {
                throw new AssertionError("the producer gives the firing number");
            }

            @Override
            public void onWindow(final io.vigil.scoring.time.EventTimeWindows window, final int tenant, final long key,
                                 final long start, final long end, final double[] values, final int count, final int firing) {
                final StringBuilder sb = new StringBuilder(window.name()).append(' ').append(tenant).append('/').append(key)
                    .append(' ').append(start).append(' ').append(end);
                for (int i = 0; i < count; i++) {
                    sb.append(' ').append(values[i]);
                }
                results.add(sb.append(" #").append(firing).toString());
            }
        };
        for (int i = 0; i < events; i++) {
            if (i == snapshotAt) {
                final List<byte[]> snapshots = new ArrayList<>();
                for (final DeclaredWindows p : ps) {
                    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    p.writeSnapshot(Channels.newChannel(bytes));
                    snapshots.add(bytes.toByteArray());
                }
                if (restoreIntoFresh) {
                    // the compiled state is not under test here: keep it, restore the producers into new ones
                    ps = DeclaredWindows.of(c);
                }
                for (int p = 0; p < ps.size(); p++) {
                    ps.get(p).readSnapshot(Channels.newChannel(new ByteArrayInputStream(snapshots.get(p))));
                }
            }
            max += (long)random.nextInt(2000) * 1_000_000L;
            final long time = random.nextInt(10) == 0 ? max - (long)random.nextInt(40_000) * 1_000_000L : max;
            event(c, ps, 1 + random.nextInt(2), random.nextInt(300), random.nextInt(5), random.nextInt(10_000), time, out);
            final long lateness = !lateFirings ? io.vigil.scoring.time.EventTimeWindows.UNBOUNDED :
                i < events / 2 ? 20 * S : 10 * S;
            for (final DeclaredWindows p : ps) {
                p.advance(max - 5 * S, lateness, collect);
            }
        }
        for (final DeclaredWindows p : ps) {
            p.advance(Long.MAX_VALUE, collect);
            results.add("closed-window events " + p.eventsForClosedWindows());
        }
        return results;
    }

    @Test
    void aRestoredProducerEmitsExactlyWhatAnUninterruptedOneDoes() throws IOException {
        final List<String> straight = run(60_000, -1, false);
        assertTrue(straight.size() > 10_000, straight.size() + " results");
        assertEquals(straight, run(60_000, 31_337, true));
        assertEquals(straight, run(60_000, 31_337, false), "restored over its own state");
        assertEquals(straight, run(60_000, -1, false), "deterministic");
        assertTrue(straight.stream().filter(r -> r.startsWith("closed-window events")).anyMatch(r -> !r.endsWith(" 0")),
            "the stream has events for closed windows");
    }

    @Test
    void withLateFiringsARestoredProducerEmitsExactlyWhatAnUninterruptedOneDoes() throws IOException {
        final List<String> straight = run(60_000, -1, false, true);
        assertTrue(straight.stream().anyMatch(r -> r.endsWith(" #1")), "the stream has late firings");
        assertTrue(straight.stream().anyMatch(r -> r.startsWith("kpi.s") && r.endsWith(" #1")), "of sessions too");
        assertNotEquals(run(60_000, -1, false, false), straight);
        assertEquals(straight, run(60_000, 13_000, true, true), "restored while the lateness is 20 s");
        assertEquals(straight, run(60_000, 45_000, true, true), "restored after it shrank to 10 s");
        assertEquals(straight, run(60_000, 45_000, false, true), "restored over its own state");
        assertEquals(straight, run(60_000, -1, false, true), "deterministic");
        assertTrue(straight.stream().filter(r -> r.startsWith("closed-window events")).anyMatch(r -> !r.endsWith(" 0")),
            "the stream has events for purged windows");
    }

    @Test
    void aVersion1SnapshotIsRead() throws IOException {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 64);
        final DeclaredWindows t = producer(DeclaredWindows.of(c), "kpi.s");
        assertTrue(addOne(c, t, 1, 7, 100, T));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.writeSnapshot(Channels.newChannel(bytes));
        // rewrite it as version 1 wrote it: no retention in the counters, no firings and dirty flag per window
        final java.nio.ByteBuffer v2 = java.nio.ByteBuffer.wrap(bytes.toByteArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final int descLength = v2.getInt(4);
        final java.nio.ByteBuffer v1 = java.nio.ByteBuffer.allocate(v2.capacity() - 8 - 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        v1.putInt(1).putInt(descLength).put(java.util.Arrays.copyOfRange(v2.array(), 8, 8 + descLength));
        v1.putLong(v2.getLong(8 + descLength)); // closed before
        v1.put(java.util.Arrays.copyOfRange(v2.array(), 8 + descLength + 16, 8 + descLength + 16 + 8 + 8 + 4));
        final int entry = 8 + descLength + 16 + 20;
        v1.put(java.util.Arrays.copyOfRange(v2.array(), entry, entry + 4 + 8 * 5)); // tenant, key, start, end, seq, count
        v1.put(java.util.Arrays.copyOfRange(v2.array(), entry + 4 + 8 * 7, v2.capacity())); // past firings and dirty
        final DeclaredWindows restored = producer(DeclaredWindows.of(c), "kpi.s");
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(v1.array())));
        assertEquals(1, restored.openWindows());
        assertEquals(1, restored.advance(T + 30 * S, 10 * S, firings));
        assertEquals(List.of("kpi.s 1/7 [0,30) 1.0 100.0 100.0 #0"), emitted);
    }

    @Test
    void aSnapshotOfAnotherDefinitionIsRefused() throws IOException {
        final DeclaredWindows a = DeclaredWindows.of(CompiledFeatures.compile(spec(KPI), 1)).get(0);
        final DeclaredWindows b = DeclaredWindows.of(CompiledFeatures.compile(spec(KPI.replace("size: 1m", "size: 2m")), 1))
            .get(0);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.writeSnapshot(Channels.newChannel(bytes));
        final IOException ex = assertThrows(IOException.class,
            () -> b.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray()))));
        assertTrue(ex.getMessage().contains("kpi.t1m"), ex.getMessage());
    }

    @Test
    void featuresOfSeveralKeysOverOneWindowGiveOneProducerPerKeyIdentifiedByItsPackedOrHashedKey() {
        final String yaml = String.join("\n",
            "name: multi", "version: 1", "key: [account]",
            "windows:", "  t: {type: tumbling, size: 10s}",
            "features:",
            "  - {name: n, aggregate: count, window: t}",
            "  - {name: n_mcc_channel, key: [mcc, channel], aggregate: count, window: t}",
            "  - {name: n_pair, key: [account, merchant], aggregate: count, window: t}",
            "  - {name: n_tenant, key: [], aggregate: count, window: t}", "");
        final CompiledFeatures c = CompiledFeatures.compile(spec(yaml), 64);
        final List<DeclaredWindows> ps = DeclaredWindows.of(c);
        assertEquals(List.of("multi.t.account", "multi.t.mcc+channel", "multi.t.account+merchant", "multi.t.tenant"),
            ps.stream().map(DeclaredWindows::name).toList());
        c.onEvent(e.set(3, 42, 9, 5411, 1, 2, T), new float[8], 0);
        final long hashed = c.lastKey(c.group(List.of(Field.ACCOUNT, Field.MERCHANT)));
        ps.forEach(DeclaredWindows::addLastEvent);
        for (final DeclaredWindows p : ps) {
            p.advance(T + 10 * S, sink);
        }
        assertEquals(List.of(
            "multi.t.account 3/42 [0,10000000000) 1.0",
            "multi.t.mcc+channel 3/" + ((5411L << 8) | 2) + " [0,10000000000) 1.0",
            "multi.t.account+merchant 3/" + hashed + " [0,10000000000) 1.0",
            "multi.t.tenant 3/0 [0,10000000000) 1.0"), emitted);
    }

    @Test
    void addAndAdvanceAllocateNothingInSteadyState() {
        allocationFree(io.vigil.scoring.time.EventTimeWindows.UNBOUNDED);
    }

    @Test
    void addAndAdvanceWithLateFiringsAllocateNothingInSteadyState() {
        allocationFree(3 * S);
    }

    private void allocationFree(final long lateness) {
        final CompiledFeatures c = CompiledFeatures.compile(spec(KPI), 4096);
        final List<DeclaredWindows> ps = DeclaredWindows.of(c);
        final DeclaredWindows[] array = ps.toArray(new DeclaredWindows[0]);
        final float[] out = new float[64];
        final long[] emittedCount = new long[1];
        final WindowResultSink count = (window, tenant, key, start, end, values, n) -> emittedCount[0]++;
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        long time = T;
        long before = 0;
        for (int round = 0; round < 4; round++) {
            if (round == 3) {
                before = threads.getThreadAllocatedBytes(thread);
            }
            for (int i = 0; i < 100_000; i++) {
                time += 3_000_000L;
                final long t = (i & 15) == 0 ? time - 7 * S : time; // 2 s behind the watermark
                c.onEvent(e.set(1 + (i & 1), i & 1023, i % 7, 5411, 100 + i % 5000, 0, t), out, 0);
                for (final DeclaredWindows p : array) {
                    p.addLastEvent();
                    p.advance(time - 5 * S, lateness, count);
                }
            }
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(emittedCount[0] > 10_000, emittedCount[0] + " results");
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 100k events");
    }
}
