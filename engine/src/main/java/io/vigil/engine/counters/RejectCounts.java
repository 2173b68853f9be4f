package io.vigil.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Rejects by reason as tallied by one thread, per event with a plain increment, and added to the shared
 * {@link CounterType#REJECTED} counters at a batch end or a sweep ({@link #publish}): one atomic add per reason that
 * changed, none when nothing was rejected.
 *
 * <p>Not thread-safe: owned by one thread (the pipeline, or the gateway's network thread). Allocates at construction
 * only.
 */
public final class RejectCounts {
    private final long[] counts;
    private final long[] published;
    private boolean dirty;

    public RejectCounts() {
        final int size = VigilCounters.MAX_REJECT_REASON + 1;
        this.counts = new long[size];
        this.published = new long[size];
    }

    /** Counts one reject; reason values without a counter are counted under none. */
    public void increment(final int reason) {
        if (reason > 0 && reason < counts.length) {
            counts[reason]++;
            dirty = true;
        }
    }

    /** Rejects with this reason tallied so far (the owning thread only). */
    public long count(final int reason) {
        return reason > 0 && reason < counts.length ? counts[reason] : 0;
    }

    /** Adds what was tallied since the last publish to {@code counters}. */
    public void publish(final VigilCounters counters) {
        if (!dirty) {
            return;
        }
        dirty = false;
        for (int reason = 1; reason < counts.length; reason++) {
            final long delta = counts[reason] - published[reason];
            if (delta != 0) {
                final AtomicCounter counter = counters.rejected(reason);
                if (counter != null) {
                    counter.getAndAdd(delta);
                }
                published[reason] = counts[reason];
            }
        }
    }
}
