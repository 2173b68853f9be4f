package io.vigil.gateway.slo;

import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SLO evaluator over real (in-memory) counters, driven by a synthetic clock: burn rates, the multi-window
 * conditions, the error budget.
 */
@Timeout(60)
class SloEvaluatorTest {
    private static final long SECOND = 1000;
    private static final long MINUTE = TimeUnit.MINUTES.toMillis(1);
    private static final long HOUR = TimeUnit.HOURS.toMillis(1);
    private static final double EPS = 1e-9;

    private final AtomicLong now = new AtomicLong(TimeUnit.DAYS.toMillis(20_000));
    private final VigilCounters counters = VigilCounters.inMemory();
    private final AtomicCounter good = counters.counter(CounterType.SLO_LATENCY_GOOD);
    private final AtomicCounter total = counters.counter(CounterType.SLO_LATENCY_TOTAL);

    private SloEvaluator evaluator(final double target, final long periodMs) {
        return new SloEvaluator(List.of(SloObjective.latency(target, 1_000_000)), BurnRateRule.DEFAULTS, periodMs,
            10 * SECOND, true, CounterValues.of(counters), now::get);
    }

    /** {@code events} more events of which {@code bad} were bad, over {@code ms}, a tick every 10 s. */
    private SloStatus run(final SloEvaluator evaluator, final long ms, final long eventsPerTick, final long badPerTick) {
        SloStatus status = null;
        for (long t = 0; t < ms; t += 10 * SECOND) {
            now.addAndGet(10 * SECOND);
            total.getAndAdd(eventsPerTick);
            good.getAndAdd(eventsPerTick - badPerTick);
            status = evaluator.tick();
        }
        return status;
    }

    private static SloStatus.Window window(final SloStatus status, final String name) {
        for (final SloStatus.Window window : status.objective("latency").windows()) {
            if (window.name().equals(name)) {
                return window;
            }
        }
        throw new AssertionError("no window " + name);
    }

    private static SloStatus.Condition condition(final SloStatus status, final String longWindow) {
        for (final SloStatus.Condition condition : status.objective("latency").conditions()) {
            if (condition.longWindow().equals(longWindow)) {
                return condition;
            }
        }
        throw new AssertionError("no condition " + longWindow);
    }

    @Test
    void shouldComputeBurnRateAsErrorRateOverTheBudget() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        evaluator.tick();
        // 5 minutes at an error rate of 0.5 %: 5x the 0.1 % budget
        final SloStatus status = run(evaluator, 5 * MINUTE, 1000, 5);
        final SloStatus.Window fiveMinutes = window(status, "5m");
        assertEquals(5 * MINUTE, fiveMinutes.coveredMs());
        assertEquals(30_000, fiveMinutes.total());
        assertEquals(30_000 - 150, fiveMinutes.good());
        assertEquals(0.005, fiveMinutes.errorRate(), EPS);
        assertEquals(5.0, fiveMinutes.burnRate(), EPS);
        // a 1 h window covers only the 5 minutes there are (partly covered), at the same rate
        assertEquals(5 * MINUTE, window(status, "1h").coveredMs());
        assertEquals(5.0, window(status, "1h").burnRate(), EPS);
        assertEquals(List.of("5m", "30m", "1h", "2h", "6h", "1d", "3d"),
            status.objective("latency").windows().stream().map(SloStatus.Window::name).toList());
    }

    @Test
    void shouldBurnAtZeroWithoutEvents() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        final SloStatus status = run(evaluator, HOUR, 0, 0);
        assertEquals(0.0, window(status, "1h").burnRate(), EPS);
        assertEquals(1.0, status.objective("latency").errorBudgetRemaining(), EPS);
        assertEquals("none", status.objective("latency").alerting());
    }

    @Test
    void shouldPageWhenTheLongAndTheShortWindowBothBurnAboveTheFactor() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        evaluator.tick();
        // 55 minutes clean, then 5 minutes at 2 %: the 5 m window burns at 20x, the 1 h one at 20/12 = 1.67x
        run(evaluator, 55 * MINUTE, 1000, 0);
        SloStatus status = run(evaluator, 5 * MINUTE, 1000, 20);
        assertEquals(20.0, window(status, "5m").burnRate(), EPS);
        assertEquals(20.0 / 12, window(status, "1h").burnRate(), EPS);
        assertFalse(condition(status, "1h").firing(), "only the short window burns fast");
        assertFalse(status.fastBurn());
        // 55 more minutes at 2 %: 1 h and 5 m both at 20x > 14.4
        status = run(evaluator, 55 * MINUTE, 1000, 20);
        assertEquals(20.0, window(status, "1h").burnRate(), EPS);
        assertTrue(condition(status, "1h").firing());
        assertEquals(BurnRateRule.PAGE, status.objective("latency").alerting());
        assertTrue(status.fastBurn());
        assertTrue(evaluator.fastBurn());
        assertNotNull(evaluator.notReadyReason());
    }

    @Test
    void shouldOpenATicketOnASlowBurnWithoutPaging() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        evaluator.tick();
        // a day at 0.4 %: 4x, above the 3x of 1 d / 2 h, below 6x and 14.4x
        final SloStatus status = run(evaluator, TimeUnit.DAYS.toMillis(1), 1000, 4);
        assertEquals(4.0, window(status, "1d").burnRate(), EPS);
        assertEquals(4.0, window(status, "2h").burnRate(), EPS);
        assertTrue(condition(status, "1d").firing());
        assertFalse(condition(status, "1h").firing());
        assertFalse(condition(status, "6h").firing());
        assertEquals(BurnRateRule.TICKET, status.objective("latency").alerting());
        assertFalse(status.fastBurn());
        assertNull(evaluator.notReadyReason());
    }

    @Test
    void shouldClearThePageOnceTheShortWindowsAreCleanAgain() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        evaluator.tick();
        SloStatus status = run(evaluator, 2 * HOUR, 1000, 20);
        assertTrue(condition(status, "1h").firing());
        assertTrue(condition(status, "6h").firing());
        // the cause is gone: after 5 clean minutes the 1 h window still burns far above 14.4x, the 5 m one at 0
        status = run(evaluator, 5 * MINUTE, 1000, 0);
        assertEquals(0.0, window(status, "5m").burnRate(), EPS);
        assertTrue(window(status, "1h").burnRate() > 14.4, "1h " + window(status, "1h").burnRate());
        assertFalse(condition(status, "1h").firing(), "the short window resets the 1 h / 5 m condition");
        assertTrue(condition(status, "6h").firing(), "the 30 m window still burns");
        assertTrue(status.fastBurn());
        // 30 clean minutes: the 30 m window clears the 6 h / 30 m condition too; the page ends, the ticket stays
        status = run(evaluator, 25 * MINUTE, 1000, 0);
        assertEquals(0.0, window(status, "30m").burnRate(), EPS);
        assertTrue(window(status, "6h").burnRate() > 6, "6h " + window(status, "6h").burnRate());
        assertFalse(condition(status, "6h").firing());
        assertFalse(status.fastBurn());
        assertFalse(evaluator.fastBurn());
        assertEquals(BurnRateRule.TICKET, status.objective("latency").alerting());
    }

    @Test
    void shouldReportTheErrorBudgetLeftOverThePeriod() {
        final SloEvaluator evaluator = evaluator(0.999, HOUR);
        evaluator.tick();
        // 1 000 000 events with 500 bad: half of the 1 000 allowed
        SloStatus status = run(evaluator, 10 * SECOND, 1_000_000, 500);
        SloStatus.Objective latency = status.objective("latency");
        assertEquals(0.5, latency.errorBudgetRemaining(), EPS);
        assertEquals(1_000_000, latency.budgetTotal());
        assertEquals(10 * SECOND, latency.budgetCoveredMs());
        // 1 500 more bad out of 1 000 000: 2 000 bad of 2 000 allowed, spent
        status = run(evaluator, 10 * SECOND, 1_000_000, 1500);
        assertEquals(0.0, status.objective("latency").errorBudgetRemaining(), EPS);
        // 2 000 more bad out of 500 000: overspent, negative
        status = run(evaluator, 10 * SECOND, 500_000, 2000);
        assertEquals(1 - 4000 / (0.001 * 2_500_000), status.objective("latency").errorBudgetRemaining(), EPS);
        // an hour of clean traffic later the bad events are out of the 1 h period: the whole budget is left
        status = run(evaluator, HOUR, 1000, 0);
        latency = status.objective("latency");
        assertEquals(HOUR, latency.budgetCoveredMs());
        assertEquals(360 * 1000, latency.budgetTotal());
        assertEquals(1.0, latency.errorBudgetRemaining(), EPS);
        assertEquals(2_500_000 + 360_000, latency.total());
    }

    @Test
    void shouldCountAvailabilityFromAnsweredAndTheTwoRejectReasons() {
        final SloEvaluator evaluator = new SloEvaluator(List.of(SloObjective.availability(0.9999)),
            BurnRateRule.DEFAULTS, TimeUnit.DAYS.toMillis(30), 10 * SECOND, true, CounterValues.of(counters), now::get);
        evaluator.tick();
        counters.counter(CounterType.ANSWERED).set(99_990);
        counters.rejected(RejectReason.INTERNAL_ERROR.value()).set(4);
        counters.rejected(RejectReason.JOURNAL_UNAVAILABLE.value()).set(10);
        counters.rejected(RejectReason.AMOUNT_OVER_LIMIT.value()).set(1000);
        now.addAndGet(10 * SECOND);
        final SloStatus.Objective availability = evaluator.tick().objective("availability");
        // total 99 990 answered + 10 never journaled; bad 4 + 10; a validation reject is an answer, not an outage
        assertEquals(100_000, availability.total());
        assertEquals(100_000 - 14, availability.good());
        assertEquals(1 - 14 / (0.0001 * 100_000), availability.errorBudgetRemaining(), 1e-6);
    }

    @Test
    void shouldStartTheHistoryAgainWhenTheCountersGoBack() {
        final SloEvaluator evaluator = evaluator(0.999, TimeUnit.DAYS.toMillis(30));
        run(evaluator, MINUTE, 1000, 100);
        total.set(10);
        good.set(10);
        now.addAndGet(10 * SECOND);
        final SloStatus status = evaluator.tick();
        assertEquals(0.0, window(status, "5m").burnRate(), EPS);
        assertEquals(10, status.objective("latency").total());
    }
}
