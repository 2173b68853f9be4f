package io.vigil.gateway.alert;

import java.util.Random;

/**
 * Exponential backoff with jitter, capped: the n-th consecutive retry (from 0) waits a random time between half and
 * all of {@code min(maxMs, initialMs * 2^n)} ("equal jitter": retries of many senders spread out, yet none comes
 * back sooner than half the nominal delay).
 *
 * <p>Not thread-safe: one delivery thread. Allocation-free.
 */
public final class Backoff {
    private final long initialMs;
    private final long maxMs;
    private final Random random;
    private int attempt;

    public Backoff(final long initialMs, final long maxMs, final Random random) {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException("backoff " + initialMs + " ms up to " + maxMs + " ms");
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
    }

    /** The nominal (cap of the jittered) delay of retry {@code attempt}. */
    public long nominalMs(final int attempt) {
        final int shift = Math.min(attempt, 62);
        final long delay = initialMs << shift;
        return delay <= 0 || delay >>> shift != initialMs ? maxMs : Math.min(maxMs, delay);
    }

    /** The delay before the next retry; each call counts one more. */
    public long nextMs() {
        final long nominal = nominalMs(attempt);
        if (attempt < Integer.MAX_VALUE) {
            attempt++;
        }
        final long half = nominal / 2;
        return half + (long)(random.nextDouble() * (nominal - half + 1));
    }

    /** After a success: the next failure starts again at the initial delay. */
    public void reset() {
        attempt = 0;
    }

    public int attempt() {
        return attempt;
    }
}
