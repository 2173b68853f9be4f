package io.vigil.scoring.time;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event-time judgement at its boundaries: before the first tick, at the watermark, at the allowed lateness. */
class EventTimeJudgeTest {
    private static final long S = 1_000_000_000L;
    private static final long T = 1_767_225_600L * S;

    @Test
    void beforeTheFirstTickEveryEventIsOnTimeAndMovesNoWatermark() {
        final EventTimeJudge judge = new EventTimeJudge(4);
        assertEquals(EventTimeJudge.ON_TIME, judge.onEvent(1, 7, T + 100 * S, T));
        assertEquals(EventTimeJudge.ON_TIME, judge.onEvent(1, 7, T, T));
        assertFalse(judge.started());
        assertEquals(Watermarks.NONE, judge.watermarks().watermarkNs());
        assertEquals(0, judge.watermarks().sources());
    }

    @Test
    void lateIsStrictlyBehindTheWatermarkAndTooLateIsBeyondTheAllowedLateness() {
        final EventTimeJudge judge = new EventTimeJudge(4);
        assertTrue(judge.onTick(T, 5 * S, 0, 10 * S), "the first tick starts event time");
        assertFalse(judge.onTick(T, 5 * S, 0, 10 * S), "the same policy again changes nothing");
        assertEquals(EventTimeJudge.ON_TIME, judge.onEvent(1, 7, T + 100 * S, T));
        assertEquals(T + 95 * S, judge.watermarks().watermarkNs());
        assertEquals(EventTimeJudge.ON_TIME, judge.onEvent(1, 7, T + 95 * S, T), "exactly at the watermark: not late");
        assertEquals(0, judge.latenessNs());
        assertEquals(EventTimeJudge.LATE, judge.onEvent(1, 7, T + 95 * S - 1, T));
        assertEquals(1, judge.latenessNs());
        assertEquals(EventTimeJudge.LATE, judge.onEvent(1, 7, T + 85 * S, T), "lateness equal to the allowed: applied");
        assertEquals(10 * S, judge.latenessNs());
        assertEquals(EventTimeJudge.TOO_LATE, judge.onEvent(1, 7, T + 85 * S - 1, T));
        assertEquals(10 * S + 1, judge.latenessNs());
        assertEquals(T + 95 * S, judge.judgedWatermarkNs());
        assertTrue(judge.onTick(T, 5 * S, 0, EventTimeJudge.UNBOUNDED), "a new policy");
        assertEquals(EventTimeJudge.LATE, judge.onEvent(1, 7, T, T), "unbounded: every late event is applied");
    }

    @Test
    void aTooLateEventStillAdvancesItsSource() {
        final EventTimeJudge judge = new EventTimeJudge(4);
        judge.onTick(T, S, 0, 0);
        judge.onEvent(1, 7, T + 10 * S, T);
        judge.onEvent(1, 8, T + 20 * S, T); // source 8 is ahead; the watermark follows 7
        assertEquals(T + 9 * S, judge.watermarks().watermarkNs());
        assertEquals(EventTimeJudge.TOO_LATE, judge.onEvent(1, 7, T + 5 * S, T));
        assertEquals(EventTimeJudge.ON_TIME, judge.onEvent(1, 7, T + 30 * S, T));
        assertEquals(T + 19 * S, judge.watermarks().watermarkNs(), "7 moved on: 8 holds it now");
    }

    @Test
    void aTickWithAPolicyOutOfRangeChangesNothing() {
        final EventTimeJudge judge = new EventTimeJudge(4);
        judge.onTick(T, 5 * S, 30 * S, 10 * S);
        assertThrows(IllegalArgumentException.class, () -> judge.onTick(T, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> judge.onTick(T, 0, 0, -2));
        assertEquals(5 * S, judge.watermarks().maxOutOfOrdernessNs());
        assertEquals(30 * S, judge.idleTimeoutNs());
        assertEquals(10 * S, judge.allowedLatenessNs());
        judge.clear();
        assertFalse(judge.started());
        assertEquals(EventTimeJudge.UNBOUNDED, judge.allowedLatenessNs());
    }
}
