package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Robust z-score of each value against the median and the median absolute deviation (MAD) of the
 * last {@code window} values.
 *
 * <p>The window is kept both in arrival order (a ring) and sorted; each value costs two binary
 * searches and at most {@code window} element moves, and the MAD is found by merging the deviations
 * on both sides of the median, so the work per value is O(window) with a small constant.
 *
 * <p>Single-threaded; allocates its two arrays in the constructor and nothing afterwards.
 */
public final class RobustWindowDetector implements AnomalyDetector {
    private static final double MAD_TO_SIGMA = 1.4826;

    private final double[] ring;
    private final double[] sorted;
    private final double zCap;
    private final int minFill;
    private int size;
    private int head;

    /**
     * @param window  number of recent values kept (at least 3).
     * @param zCap    largest surprise returned.
     * @param minFill values needed in the window before any non-zero surprise is returned.
     */
    public RobustWindowDetector(final int window, final double zCap, final int minFill) {
        if (window < 3) {
            throw new IllegalArgumentException("window must be >= 3: " + window);
        }
        this.ring = new double[window];
        this.sorted = new double[window];
        this.zCap = zCap;
        this.minFill = Math.min(Math.max(minFill, 3), window);
    }

    @Override
    public double update(final long eventTimeNs, final double value, final double minScale) {
        double z = 0.0;
        if (size >= minFill) {
            final double median = median();
            final double mad = mad(median);
            z = Math.min(zCap, Math.abs(value - median) / Math.max(MAD_TO_SIGMA * mad, minScale));
        }
        insert(value);
        return z;
    }

    private double median() {
        final int mid = size >>> 1;
        return (size & 1) == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    /** k-th smallest absolute deviation by merging the two sorted runs around the median. */
    private double mad(final double median) {
        int right = lowerBound(median, size);
        int left = right - 1;
        final int target = (size - 1) >>> 1;
        double dev = 0.0;
        for (int k = 0; k <= target; k++) {
            final double dl = left >= 0 ? median - sorted[left] : Double.POSITIVE_INFINITY;
            final double dr = right < size ? sorted[right] - median : Double.POSITIVE_INFINITY;
            if (dl <= dr) {
                dev = dl;
                left--;
            } else {
                dev = dr;
                right++;
            }
        }
        return dev;
    }

    private void insert(final double value) {
        final int capacity = ring.length;
        if (size == capacity) {
            final double oldest = ring[head];
            final int at = lowerBound(oldest, size);
            System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
            size--;
        }
        ring[head] = value;
        head = head + 1 == capacity ? 0 : head + 1;
        final int at = lowerBound(value, size);
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = value;
        size++;
    }

    private int lowerBound(final double value, final int length) {
        int lo = 0;
        int hi = length;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public String name() {
        return "median";
    }

    @Override
    public void writeState(final DataOutput out) throws IOException {
        out.writeInt(size);
        out.writeInt(head);
        StateIo.writeDoubles(out, ring);
        StateIo.writeDoubles(out, sorted);
    }

    @Override
    public void readState(final DataInput in) throws IOException {
        final int newSize = in.readInt();
        final int newHead = in.readInt();
        if (newSize < 0 || newSize > ring.length || newHead < 0 || newHead >= ring.length) {
            throw new IOException("median state does not fit a window of " + ring.length);
        }
        size = newSize;
        head = newHead;
        StateIo.readDoubles(in, ring, "median ring");
        StateIo.readDoubles(in, sorted, "median window");
    }
}
