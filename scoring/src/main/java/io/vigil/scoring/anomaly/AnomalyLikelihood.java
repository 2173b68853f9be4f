package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Turns a stream of raw surprises into the probability that the recent ones are unusual (the idea
 * of Numenta's "anomaly likelihood"): the mean of the last {@code shortWindow} surprises is compared
 * with the long-run distribution of that mean, modelled as a normal with exponentially weighted
 * mean and variance. {@link #update(double)} returns the upper tail probability, small when the
 * recent surprises are high for this series; the ensemble maps it onto a log scale.
 *
 * <p>Single-threaded; allocates its short window in the constructor and nothing afterwards.
 */
public final class AnomalyLikelihood {
    private final double[] recent;
    private final double longAlpha;
    private final double minStd;
    private final double minMean;
    private final int learn;
    private double sum;
    private int head;
    private int filled;
    private double mean;
    private double variance;
    private long count;

    /**
     * @param shortWindow number of recent surprises averaged.
     * @param longAlpha   weight of a new average in the long-run mean and variance; memory about
     *                    {@code 1 / longAlpha} values.
     * @param minStd      floor of the long-run standard deviation, in surprise units.
     * @param minMean     floor of the long-run mean, so that a series whose surprises are almost
     *                    always 0 does not turn the slightest blip into certainty.
     * @param learn       values seen before a tail probability below 1 is returned.
     */
    public AnomalyLikelihood(final int shortWindow, final double longAlpha, final double minStd,
        final double minMean, final int learn) {
        this.recent = new double[Math.max(1, shortWindow)];
        this.longAlpha = longAlpha;
        this.minStd = minStd;
        this.minMean = minMean;
        this.learn = learn;
    }

    /**
     * @param surprise latest raw surprise (non-negative).
     * @return upper tail probability of the current short-window mean, in (0, 1].
     */
    public double update(final double surprise) {
        sum += surprise - recent[head];
        recent[head] = surprise;
        head = head + 1 == recent.length ? 0 : head + 1;
        if (filled < recent.length) {
            filled++;
        }
        final double average = sum / filled;
        double tail = 1.0;
        if (count == 0) {
            mean = average;
        } else {
            if (count >= learn) {
                final double z = (average - Math.max(mean, minMean)) / Math.max(Math.sqrt(variance), minStd);
                tail = Gaussian.upperTail(z);
            }
            final double diff = average - mean;
            final double incr = longAlpha * diff;
            mean += incr;
            variance = (1.0 - longAlpha) * (variance + diff * incr);
        }
        count++;
        return tail;
    }

    /** Writes the learned state for a checkpoint. Control plane only. */
    void writeState(final DataOutput out) throws IOException {
        StateIo.writeDoubles(out, recent);
        out.writeDouble(sum);
        out.writeInt(head);
        out.writeInt(filled);
        out.writeDouble(mean);
        out.writeDouble(variance);
        out.writeLong(count);
    }

    /** Replaces the learned state with one written by {@link #writeState} with the same parameters. */
    void readState(final DataInput in) throws IOException {
        StateIo.readDoubles(in, recent, "likelihood window");
        sum = in.readDouble();
        head = in.readInt();
        filled = in.readInt();
        if (head < 0 || head >= recent.length || filled < 0 || filled > recent.length) {
            throw new IOException("likelihood state does not fit a window of " + recent.length);
        }
        mean = in.readDouble();
        variance = in.readDouble();
        count = in.readLong();
    }
}
