package io.vigil.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One stage's latency recorder with two independent readers: {@link #interval} (the bench and demo reports) and
 * {@link #drainTo} ({@code /metrics}). The writer records each value once (one wait-free, allocation-free
 * {@link SingleWriterRecorder#recordValue}); a reader's call moves what was recorded since the last call of either
 * reader into a pending histogram per reader, so neither steals the other's values. A reader that never calls keeps
 * a fixed-size histogram, nothing grows.
 *
 * <p>{@link #record} from the one writer thread only; the readers from any threads (synchronized, control plane).
 */
public final class StageRecorder {
    private final SingleWriterRecorder recorder;
    private final Histogram forInterval;
    private final Histogram forMetrics;
    private Histogram recycled;

    public StageRecorder(final long highestNs, final int significantDigits) {
        recorder = new SingleWriterRecorder(highestNs, significantDigits);
        forInterval = new Histogram(highestNs, significantDigits);
        forMetrics = new Histogram(highestNs, significantDigits);
    }

    /** Records one value; the writer thread only. */
    public void record(final long value) {
        recorder.recordValue(value);
    }

    private void pull() {
        recycled = recorder.getIntervalHistogram(recycled);
        forInterval.add(recycled);
        forMetrics.add(recycled);
    }

    /** The values recorded since the previous {@code interval}, newly allocated. */
    public synchronized Histogram interval() {
        pull();
        final Histogram out = forInterval.copy();
        forInterval.reset();
        return out;
    }

    /** Adds to {@code cumulative} the values recorded since the previous {@code drainTo}. */
    public synchronized void drainTo(final Histogram cumulative) {
        pull();
        cumulative.add(forMetrics);
        forMetrics.reset();
    }
}
