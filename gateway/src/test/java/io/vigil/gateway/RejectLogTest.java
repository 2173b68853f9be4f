package io.vigil.gateway;

import io.vigil.codecs.sbe.RejectReason;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RejectLogTest {
    private static final long T0 = 1_000_000_000_000L;
    private static final long INTERVAL = RejectLog.LOG_INTERVAL_NS;

    private final RejectLog log = new RejectLog(LoggerFactory.getLogger(RejectLogTest.class));

    @Test
    void shouldLogTheFirstOccurrenceOfAReasonAndCountTheRestOfItsInterval() {
        assertTrue(log.shouldLog(RejectReason.BAD_CREDENTIAL, T0));
        int logged = 0;
        for (int i = 1; i <= 100_000; i++) {
            logged += log.shouldLog(RejectReason.BAD_CREDENTIAL, T0 + i) ? 1 : 0;
        }
        assertEquals(0, logged, "a flood within one interval writes no further line");
        assertEquals(100_000, log.suppressed(RejectReason.BAD_CREDENTIAL));
    }

    @Test
    void shouldLimitEachReasonOnItsOwn() {
        assertTrue(log.shouldLog(RejectReason.BAD_CREDENTIAL, T0));
        assertFalse(log.shouldLog(RejectReason.BAD_CREDENTIAL, T0 + 1));
        assertTrue(log.shouldLog(RejectReason.FRAME_TIMEOUT, T0 + 2), "another reason has its own interval");
        assertTrue(log.shouldLogConnectionError(T0 + 3));
        assertFalse(log.shouldLogConnectionError(T0 + 4));
    }

    @Test
    void shouldSummariseWhatWasLeftOutOnceTheIntervalHasPassed() {
        assertTrue(log.shouldLog(RejectReason.FRAME_TOO_LARGE, T0));
        assertFalse(log.shouldLog(RejectReason.FRAME_TOO_LARGE, T0 + 1));
        assertFalse(log.shouldLog(RejectReason.FRAME_TOO_LARGE, T0 + 2));
        log.sweep(T0 + INTERVAL - 1);
        assertEquals(2, log.suppressed(RejectReason.FRAME_TOO_LARGE), "not before the interval has passed");
        log.sweep(T0 + INTERVAL);
        assertEquals(0, log.suppressed(RejectReason.FRAME_TOO_LARGE), "the summary line took them");
        assertFalse(log.shouldLog(RejectReason.FRAME_TOO_LARGE, T0 + INTERVAL + 1),
            "a summary starts a new interval: still at most one line per interval");
        assertTrue(log.shouldLog(RejectReason.FRAME_TOO_LARGE, T0 + 2 * INTERVAL + 1));
        assertEquals(0, log.suppressed(RejectReason.FRAME_TOO_LARGE), "the next line summarised the one left out");
    }

    @Test
    void shouldLogAgainInFullAfterAQuietInterval() {
        assertTrue(log.shouldLog(RejectReason.TOO_MANY_CONNECTIONS, T0));
        log.sweep(T0 + 5 * INTERVAL);
        assertTrue(log.shouldLog(RejectReason.TOO_MANY_CONNECTIONS, T0 + 5 * INTERVAL + 1));
    }

    @Test
    void shouldCountEveryOccurrenceByReasonWhetherLoggedOrNot() {
        for (int i = 0; i < 5; i++) {
            log.record(RejectReason.UNKNOWN_TEMPLATE);
        }
        log.record(RejectReason.BAD_CREDENTIAL);
        log.recordConnectionError();
        log.recordConnectionError();
        assertEquals(5, log.count(RejectReason.UNKNOWN_TEMPLATE));
        assertEquals(1, log.count(RejectReason.BAD_CREDENTIAL));
        assertEquals(0, log.count(RejectReason.FRAME_TIMEOUT));
        assertEquals(6, log.total());
        assertEquals(2, log.connectionErrors());
    }
}
