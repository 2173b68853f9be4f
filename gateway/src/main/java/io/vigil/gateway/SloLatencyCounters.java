package io.vigil.gateway;

import io.vigil.engine.EpochClock;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The latency SLO's inputs, {@link CounterType#SLO_LATENCY_GOOD} and {@link CounterType#SLO_LATENCY_TOTAL}: for each
 * pipeline answer written to its socket, one compare of its time since the event's ingest stamp against the
 * threshold and two plain increments; the counters get one release store each per drain. Total is stored before
 * good, so a reader that loads good first never sees more good answers than answers.
 *
 * <p>Not thread-safe: the gateway's event loop thread only. Allocation-free.
 */
final class SloLatencyCounters {
    private final long thresholdNs;
    private final AtomicCounter good;
    private final AtomicCounter total;
    private long goodCount;
    private long totalCount;

    SloLatencyCounters(final VigilCounters counters, final long thresholdNs) {
        this.thresholdNs = thresholdNs;
        this.good = counters.counter(CounterType.SLO_LATENCY_GOOD);
        this.total = counters.counter(CounterType.SLO_LATENCY_TOTAL);
    }

    /**
     * {@code count} answers were written by {@code writtenNs} ({@link System#nanoTime()}); {@code ingestEpochNs}
     * holds their events' ingest stamps (epoch ns, {@link EpochClock}), 0 for an answer without one (not counted).
     */
    void written(final long writtenNs, final long[] ingestEpochNs, final int count) {
        long good = goodCount;
        long total = totalCount;
        for (int i = 0; i < count; i++) {
            final long ingest = ingestEpochNs[i];
            if (ingest != 0) {
                total++;
                if (writtenNs - EpochClock.toNanoTime(ingest) <= thresholdNs) {
                    good++;
                }
            }
        }
        if (total != totalCount) {
            totalCount = total;
            goodCount = good;
            this.total.setRelease(total);
            this.good.setRelease(good);
        }
    }
}
