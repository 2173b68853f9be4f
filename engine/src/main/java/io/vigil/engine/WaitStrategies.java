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

    /** The Disruptor wait strategy of the pipeline thread. */
    public static WaitStrategy waitStrategy(final String name) {
        switch (normalise(name)) {
            case "spin": return new BusySpinWaitStrategy();
            case "yield": return new YieldingWaitStrategy();
            case "block": return new BlockingWaitStrategy();
            default: return new SleepingWaitStrategy(100, 20_000L);
        }
    }

    /** The idle strategy of a polling thread (the journal tailer, the load generator). */
    public static IdleStrategy idleStrategy(final String name) {
        switch (normalise(name)) {
            case "spin": return new BusySpinIdleStrategy();
            case "yield": return new YieldingIdleStrategy();
            default: return new BackoffIdleStrategy(100, 10, 1_000L, 50_000L);
        }
    }

    /** Validates a name, returning it normalised. */
    public static String check(final String name) {
        return normalise(name);
    }
}
