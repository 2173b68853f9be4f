package io.vigil.gateway.slo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class SampleHistoryTest {
    @Test
    void shouldKeepTheFirstSampleOfEachAlignedBucketInACoarseLevel() {
        final SampleHistory history = new SampleHistory(List.of(new SampleHistory.Level(0, 4),
            new SampleHistory.Level(100, 3)));
        for (final long t : new long[] {0, 50, 99, 100, 150, 199, 200, 250}) {
            history.add(t, t, t);
        }
        // level 0 holds the last 4: 150, 199, 200, 250; level 1 the first of buckets 0, 1, 2: 0, 100, 200
        assertEquals(4, history.size(0));
        assertEquals(3, history.size(1));
        assertEquals(250, history.latest().timeMs());
        assertEquals(0, history.oldest().timeMs());
        // inside level 0: the newest at or before
        assertEquals(199, history.atOrBefore(199).timeMs());
        assertEquals(199, history.atOrBefore(199).good());
        assertEquals(150, history.atOrBefore(198).timeMs());
        assertEquals(250, history.atOrBefore(10_000).timeMs());
        // older than level 0 reaches: level 1's samples, at exactly a bucket start and just before the next one
        assertEquals(100, history.atOrBefore(149).timeMs());
        assertEquals(100, history.atOrBefore(100).timeMs());
        assertEquals(0, history.atOrBefore(99).timeMs());
        // older than anything: the oldest kept (a partly covered window)
        assertEquals(0, history.atOrBefore(-5).timeMs());
    }

    @Test
    void shouldDropOlderSamplesOfACoarseLevelOnceItIsFull() {
        final SampleHistory history = new SampleHistory(List.of(new SampleHistory.Level(0, 2),
            new SampleHistory.Level(10, 3)));
        for (long t = 0; t <= 100; t += 5) {
            history.add(t, 0, t);
        }
        // level 1 keeps 80, 90, 100; level 0 keeps 95, 100
        assertEquals(80, history.oldest().timeMs());
        assertEquals(80, history.atOrBefore(85).timeMs());
        assertEquals(80, history.atOrBefore(0).timeMs());
        assertEquals(95, history.atOrBefore(95).timeMs());
    }

    @Test
    void shouldIgnoreASampleOlderThanTheNewestAndStartAgainWhenCleared() {
        final SampleHistory history = new SampleHistory(List.of(new SampleHistory.Level(0, 4)));
        assertNull(history.atOrBefore(0));
        history.add(100, 1, 1);
        history.add(50, 2, 2);
        assertEquals(1, history.size(0));
        history.clear();
        assertTrue(history.isEmpty());
        history.add(10, 3, 3);
        assertEquals(3, history.latest().total());
    }

    @Test
    void shouldCoverThreeDaysAndTheBudgetPeriodWithFewSamples() {
        final long interval = TimeUnit.SECONDS.toMillis(10);
        final long threeDays = TimeUnit.DAYS.toMillis(3);
        final long period = TimeUnit.DAYS.toMillis(30);
        final List<SampleHistory.Level> levels = SampleHistory.levelsFor(interval, threeDays, period);
        assertTrue(levels.get(0).spanMs(interval) >= TimeUnit.HOURS.toMillis(2), levels.toString());
        assertTrue(levels.get(1).spanMs(interval) >= TimeUnit.HOURS.toMillis(6), levels.toString());
        assertTrue(levels.get(2).spanMs(interval) >= threeDays, levels.toString());
        assertTrue(levels.get(3).spanMs(interval) >= period, levels.toString());
        final int held = levels.stream().mapToInt(SampleHistory.Level::capacity).sum();
        // 3 days of 10 s samples would be 25 920; 30 days 259 200
        assertTrue(held < 3000, "samples held: " + held);

        final SampleHistory history = new SampleHistory(levels);
        final long end = threeDays + TimeUnit.HOURS.toMillis(5);
        for (long t = 0; t <= end; t += interval) {
            history.add(t, t / 1000, t / 1000);
        }
        // each window's start is found within its level's resolution
        for (final long window : new long[] {TimeUnit.MINUTES.toMillis(5), TimeUnit.HOURS.toMillis(1),
            TimeUnit.HOURS.toMillis(6), TimeUnit.DAYS.toMillis(1), threeDays}) {
            final SampleHistory.Sample start = history.atOrBefore(end - window);
            final long error = end - window - start.timeMs();
            final long resolution = window <= TimeUnit.HOURS.toMillis(1) ? interval :
                window <= TimeUnit.HOURS.toMillis(6) ? TimeUnit.MINUTES.toMillis(1) : TimeUnit.MINUTES.toMillis(5);
            assertTrue(error >= 0 && error < resolution, "window " + window + ": start " + start + ", off by " + error);
            assertEquals(start.timeMs() / 1000, start.total());
        }
    }
}
