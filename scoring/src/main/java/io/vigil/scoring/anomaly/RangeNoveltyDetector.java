package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Range novelty (the "spatial anomaly" of Numenta's NAB detector): a value that leaves the range
 * of everything seen so far by more than a tolerance is surprising however well it is predicted.
 * The surprise is the distance beyond the range, as a fraction of the range's width.
 *
 * <p>Also the source of the ensemble's minimum deviation scale (a fraction of the range).
 *
 * <p>Single-threaded; allocates nothing.
 */
public final class RangeNoveltyDetector implements AnomalyDetector {
    private final int warmup;
    private final double cap;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private long count;

    /**
     * @param warmup values seen before any non-zero surprise is returned.
     * @param cap    largest surprise returned.
     */
    public RangeNoveltyDetector(final int warmup, final double cap) {
        this.warmup = warmup;
        this.cap = cap;
    }

    @Override
    public double update(final long eventTimeNs, final double value, final double minScale) {
        double surprise = 0.0;
        if (count >= warmup) {
            final double width = Math.max(max - min, minScale);
            final double beyond = value > max ? value - max : value < min ? min - value : 0.0;
            surprise = width > 0.0 ? Math.min(cap, beyond / width) : beyond > 0.0 ? cap : 0.0;
        }
        if (value < min) {
            min = value;
        }
        if (value > max) {
            max = value;
        }
        count++;
        return surprise;
    }

    /** @return width of the range seen so far, 0 before two distinct values. */
    public double width() {
        return count == 0 ? 0.0 : max - min;
    }

    @Override
    public String name() {
        return "range";
    }

    @Override
    public void writeState(final DataOutput out) throws IOException {
        out.writeDouble(min);
        out.writeDouble(max);
        out.writeLong(count);
    }

    @Override
    public void readState(final DataInput in) throws IOException {
        min = in.readDouble();
        max = in.readDouble();
        count = in.readLong();
    }
}
