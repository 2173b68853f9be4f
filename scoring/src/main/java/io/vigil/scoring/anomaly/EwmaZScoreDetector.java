package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Exponentially weighted mean and variance (EWMA/EWMV) with a z-score of each new value against
 * the state before it.
 *
 * <p>Single-threaded; allocates nothing after construction.
 */
public final class EwmaZScoreDetector implements AnomalyDetector {
    private final double alpha;
    private final double zCap;
    private final int warmup;
    private double mean;
    private double variance;
    private long count;

    /**
     * @param alpha  smoothing weight of a new value in the mean and the variance, in (0, 1];
     *               the effective memory is about {@code 1 / alpha} values.
     * @param zCap   largest surprise returned.
     * @param warmup values seen before any non-zero surprise is returned.
     */
    public EwmaZScoreDetector(final double alpha, final double zCap, final int warmup) {
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        }
        this.alpha = alpha;
        this.zCap = zCap;
        this.warmup = warmup;
    }

    @Override
    public double update(final long eventTimeNs, final double value, final double minScale) {
        if (count == 0) {
            mean = value;
            count = 1;
            return 0.0;
        }
        final double diff = value - mean;
        final double std = Math.sqrt(variance);
        double z = Math.abs(diff) / Math.max(std, minScale);
        z = count < warmup ? 0.0 : Math.min(z, zCap);
        // West's incremental EW update: variance uses the pre-update mean
        final double incr = alpha * diff;
        mean += incr;
        variance = (1.0 - alpha) * (variance + diff * incr);
        count++;
        return z;
    }

    /** @return the current exponentially weighted mean. */
    public double mean() {
        return mean;
    }

    @Override
    public String name() {
        return "ewma";
    }

    @Override
    public void writeState(final DataOutput out) throws IOException {
        out.writeDouble(mean);
        out.writeDouble(variance);
        out.writeLong(count);
    }

    @Override
    public void readState(final DataInput in) throws IOException {
        mean = in.readDouble();
        variance = in.readDouble();
        count = in.readLong();
    }
}
