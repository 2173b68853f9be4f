package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Streaming quantile of scores in [0, 1] that turns a target false-positive rate into an alert
 * threshold: the threshold is the lowest bin edge such that at most {@code targetRate} of the
 * scores seen lie at or above it. Operators set a rate (or alerts per day), never a raw threshold.
 *
 * <p>Scores go into {@code bins} equal-width bins; the threshold bin moves incrementally, so a
 * record costs O(1) amortised and never more than O(bins). Counts are halved when they grow
 * large, so the calibration keeps adapting.
 *
 * <p>Single-threaded; allocates its bins in the constructor and nothing afterwards.
 */
public final class ThresholdCalibrator {
    private static final long HALVE_AT = 1L << 30;
    private static final double NEVER = Math.nextUp(1.0);

    private final int[] histogram;
    private final long minSamples;
    private double targetRate;
    private long count;
    private long above;
    private int thresholdBin;

    /**
     * @param bins       resolution of the quantile (threshold granularity {@code 1 / bins}).
     * @param targetRate fraction of scores allowed at or above the threshold, in (0, 1).
     * @param minSamples scores needed before {@link #isCalibrated()} turns true.
     */
    public ThresholdCalibrator(final int bins, final double targetRate, final long minSamples) {
        if (bins < 2) {
            throw new IllegalArgumentException("bins must be >= 2: " + bins);
        }
        this.histogram = new int[bins];
        this.minSamples = minSamples;
        this.thresholdBin = bins;
        targetRate(targetRate);
    }

    /** @param targetRate new fraction of scores allowed at or above the threshold, in (0, 1). */
    public void targetRate(final double targetRate) {
        if (!(targetRate > 0.0 && targetRate < 1.0)) {
            throw new IllegalArgumentException("targetRate must be in (0, 1): " + targetRate);
        }
        this.targetRate = targetRate;
        rebalance();
    }

    /** @return fraction of scores allowed at or above the threshold. */
    public double targetRate() {
        return targetRate;
    }

    /** @param score a score in [0, 1]; values outside are clamped. */
    public void record(final double score) {
        final int bins = histogram.length;
        final int bin = score >= 1.0 ? bins - 1 : score > 0.0 ? (int) (score * bins) : 0;
        histogram[bin]++;
        count++;
        if (bin >= thresholdBin) {
            above++;
        }
        if (count >= HALVE_AT) {
            halve();
        }
        rebalance();
    }

    private void rebalance() {
        final double limit = targetRate * count;
        while (above > limit && thresholdBin < histogram.length) {
            above -= histogram[thresholdBin++];
        }
        while (thresholdBin > 0 && above + histogram[thresholdBin - 1] <= limit) {
            above += histogram[--thresholdBin];
        }
    }

    private void halve() {
        count = 0;
        above = 0;
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] >>= 1;
            count += histogram[i];
            if (i >= thresholdBin) {
                above += histogram[i];
            }
        }
    }

    /** @return the alert threshold: a score alerts when it is {@code >=} this; above 1 when none may. */
    public double threshold() {
        return thresholdBin >= histogram.length ? NEVER : (double) thresholdBin / histogram.length;
    }

    /** @return true once {@code minSamples} scores have been recorded. */
    public boolean isCalibrated() {
        return count >= minSamples;
    }

    /** @return scores recorded (after any halving). */
    public long count() {
        return count;
    }

    /** Writes the learned state (histogram, rate, threshold) for a checkpoint. Control plane only. */
    void writeState(final DataOutput out) throws IOException {
        out.writeInt(histogram.length);
        for (final int h : histogram) {
            out.writeInt(h);
        }
        out.writeDouble(targetRate);
        out.writeLong(count);
        out.writeLong(above);
        out.writeInt(thresholdBin);
    }

    /** Replaces the learned state with one written by {@link #writeState} with the same number of bins. */
    void readState(final DataInput in) throws IOException {
        final int bins = in.readInt();
        if (bins != histogram.length) {
            throw new IOException("calibrator state has " + bins + " bins, this calibrator " + histogram.length);
        }
        for (int i = 0; i < bins; i++) {
            histogram[i] = in.readInt();
        }
        targetRate = in.readDouble();
        count = in.readLong();
        above = in.readLong();
        final int bin = in.readInt();
        if (bin < 0 || bin > bins) {
            throw new IOException("calibrator threshold bin out of range: " + bin);
        }
        thresholdBin = bin;
    }
}
