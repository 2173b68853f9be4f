package io.vigil.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;

/**
 * Maps the {@link VigilConfig#WAIT_STRATEGY} names to the Disruptor's wait strategies and Agrona's idle strategies.
 * Stateless.
 */
public final class WaitStrategies {
    private WaitStrategies() {
    }

    private static String normalise(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        switch (n) {
            case "spin":
            case "busy-spin":
                return "spin";
            case "yield":
            case "yielding":
                return "yield";
            case "sleep":
            case "sleeping":
            case "backoff":
                return "sleep";
            case "block":
            case "blocking":
                return "block";
            default:
                throw new IllegalArgumentException("unknown wait strategy '" + name + "', expected spin, yield, sleep or block");
        }
    }

    /**
     * The wait strategy of the engine's ring: no consumer waits on it (the pipeline agent polls the ring and idles by
     * {@link #idleStrategy}), so one whose publish-time signal costs nothing.
     */
    public static WaitStrategy ringWaitStrategy() {
        return new BusySpinWaitStrategy();
    }

    /** A Disruptor wait strategy for a consumer that waits on the ring (benchmarks of a plain Disruptor hop). */
    public static WaitStrategy waitStrategy(final String name) {
        switch (normalise(name)) {
            case "spin": return new BusySpinWaitStrategy();
            case "yield": return new YieldingWaitStrategy();
            case "block": return new BlockingWaitStrategy();
            default: return new SleepingWaitStrategy(100, 20_000L);
        }
    }

    /**
     * The idle strategy of a duty-cycle agent (the journal tailer, the pipeline, the load generator): spin; yield;
     * sleep: after work, 100 spins, then 100 yields, then parks growing from 1 to 20 us (as the Disruptor's sleeping
     * strategy the pipeline used before it became an agent: its 100 yields keep a thread on call for the tens of
     * microseconds in which the next event of a 10,000/s stream comes, where 10 yields left it parked: +60 us at the
     * median; a park on Linux lasts at least the timer slack, ~50 us, whatever it asks for); block (the same, parking
     * up to 1 ms: the gentlest, at up to a millisecond of added latency after a quiet spell).
     */
    public static IdleStrategy idleStrategy(final String name) {
        switch (normalise(name)) {
            case "spin": return new BusySpinIdleStrategy();
            case "yield": return new YieldingIdleStrategy();
            case "block": return new BackoffIdleStrategy(100, 10, 1_000L, 1_000_000L);
            default: return new BackoffIdleStrategy(100, 100, 1_000L, 20_000L);
        }
    }

    /**
     * The tailer thread's idle strategy when the gateway feeds the ring inline ({@link VigilConfig#FEED}): it only
     * catches up (recovery, other writers' records, a ring that was full), so after its spins and yields it parks up
     * to 1 ms whatever the strategy, except spin, which stays spin.
     */
    public static IdleStrategy catchUpIdleStrategy(final String name) {
        return "spin".equals(normalise(name)) ? new BusySpinIdleStrategy() :
            new BackoffIdleStrategy(100, 10, 1_000L, 1_000_000L);
    }

    /** Validates a name, returning it normalised. */
    public static String check(final String name) {
        return normalise(name);
    }
}
