package io.vigil.gateway.slo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cumulative (time, good, total) samples of one SLO indicator, kept in fixed rings at coarser resolutions the further
 * back they go, so that a 3-day window needs a few hundred samples rather than 3 days of 10-second ones. Because the
 * counts are cumulative, downsampling is just keeping fewer points: the difference between any two kept samples is
 * exact, only the window's edge moves to the nearest kept sample at or before it.
 *
 * <p>Level 0 keeps every sample; level {@code k > 0} keeps the first sample of each of its aligned buckets
 * ({@code floor(time / resolution)} changes). A lookup for time {@code t} answers from the finest level that reaches
 * back to {@code t}: the newest sample at or before {@code t}; when no level reaches back that far, the oldest sample
 * kept (a window that is only partly covered, since the history started).
 *
 * <p>Not thread-safe: one evaluator thread. Allocates at construction only (lookups return a new {@link Sample}).
 */
public final class SampleHistory {
    /** One sample. */
    public record Sample(long timeMs, long good, long total) {
    }

    /** One ring: keep a sample per {@code resolutionMs} (0: every sample), {@code capacity} of them. */
    public record Level(long resolutionMs, int capacity) {
        public Level {
            if (resolutionMs < 0 || capacity < 2) {
                throw new IllegalArgumentException("level: resolution " + resolutionMs + " ms, capacity " + capacity);
            }
        }

        /** How far back a full ring reaches, roughly. */
        public long spanMs(final long sampleIntervalMs) {
            return Math.max(resolutionMs, sampleIntervalMs) * (capacity - 1L);
        }
    }

    private final Level[] levels;
    private final long[][] times;
    private final long[][] goods;
    private final long[][] totals;
    /** Index of the newest sample per level, -1 while empty. */
    private final int[] newest;
    private final int[] size;

    public SampleHistory(final List<Level> levels) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("no levels");
        }
        this.levels = levels.toArray(new Level[0]);
        final int n = this.levels.length;
        this.times = new long[n][];
        this.goods = new long[n][];
        this.totals = new long[n][];
        this.newest = new int[n];
        this.size = new int[n];
        for (int i = 0; i < n; i++) {
            final int capacity = this.levels[i].capacity();
            times[i] = new long[capacity];
            goods[i] = new long[capacity];
            totals[i] = new long[capacity];
            newest[i] = -1;
        }
    }

    /**
     * The levels for windows up to {@code longestWindowMs} and an error-budget period of {@code periodMs}, sampled
     * every {@code sampleIntervalMs}: every sample for 2 hours, one a minute for 7 hours, one per 5 minutes for the
     * longest window (3 days by default), one an hour for the period (each level a sample or two longer, so that a
     * window's start is always inside it).
     */
    public static List<Level> levelsFor(final long sampleIntervalMs, final long longestWindowMs, final long periodMs) {
        final List<Level> levels = new ArrayList<>();
        levels.add(new Level(0, ringSize(TimeUnit.HOURS.toMillis(2), sampleIntervalMs)));
        levels.add(level(TimeUnit.MINUTES.toMillis(1), TimeUnit.HOURS.toMillis(7), sampleIntervalMs));
        levels.add(level(TimeUnit.MINUTES.toMillis(5), longestWindowMs + TimeUnit.HOURS.toMillis(1), sampleIntervalMs));
        levels.add(level(TimeUnit.HOURS.toMillis(1), Math.max(periodMs, longestWindowMs) + TimeUnit.HOURS.toMillis(2),
            sampleIntervalMs));
        return levels;
    }

    private static Level level(final long resolutionMs, final long spanMs, final long sampleIntervalMs) {
        final long resolution = Math.max(resolutionMs, sampleIntervalMs);
        return new Level(resolution, ringSize(spanMs, resolution));
    }

    private static int ringSize(final long spanMs, final long stepMs) {
        return (int)Math.min(1 << 20, spanMs / Math.max(1, stepMs) + 2);
    }

    /** Adds a sample; times must not decrease (an older one is ignored). */
    public void add(final long timeMs, final long good, final long total) {
        for (int level = 0; level < levels.length; level++) {
            final int at = newest[level];
            if (at >= 0) {
                final long last = times[level][at];
                if (timeMs < last) {
                    continue;
                }
                final long resolution = levels[level].resolutionMs();
                if (resolution > 0 && Math.floorDiv(timeMs, resolution) == Math.floorDiv(last, resolution)) {
                    continue;
                }
            }
            final int capacity = levels[level].capacity();
            final int next = at < 0 ? 0 : (at + 1) % capacity;
            times[level][next] = timeMs;
            goods[level][next] = good;
            totals[level][next] = total;
            newest[level] = next;
            size[level] = Math.min(capacity, size[level] + 1);
        }
    }

    /** Forgets every sample (the counters were reset: another process now writes them). */
    public void clear() {
        for (int level = 0; level < levels.length; level++) {
            newest[level] = -1;
            size[level] = 0;
        }
    }

    public boolean isEmpty() {
        return newest[0] < 0;
    }

    /** The newest sample, or null while empty. */
    public Sample latest() {
        return isEmpty() ? null : sample(0, newest[0]);
    }

    /** The oldest sample of any level, or null while empty. */
    public Sample oldest() {
        Sample oldest = null;
        for (int level = 0; level < levels.length; level++) {
            if (size[level] > 0) {
                final int at = oldestIndex(level);
                if (oldest == null || times[level][at] < oldest.timeMs()) {
                    oldest = sample(level, at);
                }
            }
        }
        return oldest;
    }

    /**
     * The newest sample at or before {@code timeMs}, from the finest level that reaches back to it; the oldest sample
     * kept when none does; null while empty.
     */
    public Sample atOrBefore(final long timeMs) {
        for (int level = 0; level < levels.length; level++) {
            if (size[level] == 0 || times[level][oldestIndex(level)] > timeMs) {
                continue;
            }
            // binary search over the ring in age order: position 0 is the oldest
            int lo = 0;
            int hi = size[level] - 1;
            while (lo < hi) {
                final int mid = (lo + hi + 1) >>> 1;
                if (times[level][ringIndex(level, mid)] <= timeMs) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return sample(level, ringIndex(level, lo));
        }
        return oldest();
    }

    /** Samples held per level (tests, diagnostics). */
    public int size(final int level) {
        return size[level];
    }

    public List<Level> levels() {
        return List.of(levels);
    }

    private int oldestIndex(final int level) {
        return ringIndex(level, 0);
    }

    /** The ring index of the sample at {@code age} positions after the oldest. */
    private int ringIndex(final int level, final int age) {
        final int capacity = levels[level].capacity();
        return Math.floorMod(newest[level] - (size[level] - 1) + age, capacity);
    }

    private Sample sample(final int level, final int index) {
        return new Sample(times[level][index], goods[level][index], totals[level][index]);
    }
}
