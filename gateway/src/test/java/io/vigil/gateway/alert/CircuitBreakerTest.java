package io.vigil.gateway.alert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The breaker and the backoff on synthetic time. */
@Timeout(10)
class CircuitBreakerTest {
    @Test
    void shouldOpenAfterConsecutiveFailuresAndLetOneProbeThroughAfterTheCooldown() {
        final CircuitBreaker breaker = new CircuitBreaker(3, 1000);
        breaker.onFailure(0);
        breaker.onFailure(1);
        breaker.onSuccess();
        breaker.onFailure(2);
        breaker.onFailure(3);
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state(), "a success in between resets the count");
        assertTrue(breaker.tryAcquire(4));
        breaker.onFailure(4);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(4, breaker.openedAtMs());
        assertFalse(breaker.tryAcquire(5));
        assertEquals(999, breaker.waitMs(5));
        assertFalse(breaker.tryAcquire(1003));
        // cool-down over: half-open, one probe only
        assertTrue(breaker.tryAcquire(1004));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        assertFalse(breaker.tryAcquire(1005), "a second attempt while the probe is out");
        assertEquals(Long.MAX_VALUE, breaker.waitMs(1005));
        // the probe fails: open again, a new cool-down from now
        breaker.onFailure(1300);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(1300, breaker.openedAtMs());
        assertFalse(breaker.tryAcquire(2299));
        assertTrue(breaker.tryAcquire(2300));
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertEquals(0, breaker.consecutiveFailures());
        assertEquals(2, breaker.timesOpened());
        assertTrue(breaker.tryAcquire(2301));
    }

    @Test
    void shouldBackOffExponentiallyWithJitterUpToTheCap() {
        final long seed = System.nanoTime();
        final Backoff backoff = new Backoff(100, 1000, new Random(seed));
        final long[] nominal = {100, 200, 400, 800, 1000, 1000};
        for (int round = 0; round < 2; round++) {
            for (final long cap : nominal) {
                final long delay = backoff.nextMs();
                assertTrue(delay >= cap / 2 && delay <= cap, "seed " + seed + ": delay " + delay + " for cap " + cap);
            }
            backoff.reset();
        }
        assertEquals(1000, backoff.nominalMs(70), "no overflow");
    }
}
