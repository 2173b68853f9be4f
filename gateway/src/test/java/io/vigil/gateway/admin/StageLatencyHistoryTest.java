package io.vigil.gateway.admin;

import io.vigil.gateway.ServerLatencies;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared reader of the stage recorders: every value once in the cumulative histograms, recent ones in the window. */
class StageLatencyHistoryTest {
    private final Histogram[] pending = new Histogram[ServerLatencies.STAGES.length];
    private final AtomicLong nowMs = new AtomicLong(1_000_000);
    private final StageLatencyHistory history = new StageLatencyHistory((stage, into) -> {
        into.add(pending[stage]);
        pending[stage].reset();
    }, pending.length, nowMs::get);

    StageLatencyHistoryTest() {
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new Histogram(3);
        }
    }

    @Test
    void shouldKeepEveryValueSinceStartAndOnlyTheLastTenSecondsInTheRecentWindow() {
        pending[0].recordValueWithCount(1_000, 100);     // 1 us
        history.drain();
        nowMs.addAndGet(3_000);
        pending[0].recordValueWithCount(50_000, 10);     // 50 us
        pending[1].recordValue(7_000);
        history.drain();
        assertEquals(110, history.cumulative(0).getTotalCount());
        assertEquals(110, history.recent(0).getTotalCount());
        assertEquals(1, history.recent(1).getTotalCount());

        // eight seconds on: the first drain (11 s ago) left the window, the second (8 s ago) is still in it
        nowMs.addAndGet(8_000);
        history.drain();
        assertEquals(10, history.recent(0).getTotalCount());
        assertTrue(history.recent(0).getValueAtPercentile(50) >= 49_000, "the recent p50 is the 50 us values'");
        assertEquals(110, history.cumulative(0).getTotalCount());

        // a slot reused ten seconds later starts empty
        nowMs.addAndGet(10_000);
        pending[0].recordValue(2_000);
        history.drain();
        assertEquals(1, history.recent(0).getTotalCount());
        assertEquals(0, history.recent(1).getTotalCount());
        assertEquals(111, history.cumulative(0).getTotalCount());
        assertEquals(1, history.cumulative(1).getTotalCount());
        // without a drain the window still moves on
        nowMs.addAndGet(10_000);
        assertEquals(0, history.recent(0).getTotalCount());
    }

    @Test
    void shouldHandTheSameValuesToBothReadersWhicheverDrains() {
        final StageLatencyCollector metrics = new StageLatencyCollector(history);
        pending[0].recordValueWithCount(1_000, 5);
        history.drain();                                     // the summary's drain
        pending[0].recordValueWithCount(1_000, 3);
        metrics.collect();                                   // the scrape's drain
        assertEquals(8, history.cumulative(0).getTotalCount(), "one reader, every value");
        assertEquals(8, history.recent(0).getTotalCount());
    }
}
