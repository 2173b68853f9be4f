package io.vigil.scoring.drift;

import org.apache.datasketches.quantilescommon.FloatsSortedView;
import org.apache.datasketches.quantilescommon.QuantilesFloatsAPI;

import java.util.Arrays;

/**
 * A step distribution function: distinct values ascending and, for each, the number of items at or below it; from
 * a quantile sketch's sorted view (exact while the sketch retains every item) or written out in a reference file.
 * {@link #ks} is the two-sample Kolmogorov-Smirnov statistic between two of them.
 *
 * <p>Immutable; thread-safe. Allocates at construction.
 */
public final class EmpiricalCdf {
    private final float[] values;
    private final long[] cumulative;

    /**
     * @param values     distinct, ascending.
     * @param cumulative items at or below each value, ascending; the last is the number of items.
     */
    public EmpiricalCdf(final float[] values, final long[] cumulative) {
        if (values.length != cumulative.length || values.length == 0) {
            throw new IllegalArgumentException("a distribution needs as many cumulative counts as values, at least one");
        }
        for (int i = 1; i < values.length; i++) {
            if (!(values[i] > values[i - 1]) || cumulative[i] < cumulative[i - 1]) {
                throw new IllegalArgumentException("values must be distinct and ascending, counts ascending");
            }
        }
        this.values = values.clone();
        this.cumulative = cumulative.clone();
    }

    /** The sketch's distribution (its retained items, weighted); null for an empty sketch. */
    public static EmpiricalCdf of(final QuantilesFloatsAPI sketch) {
        if (sketch.isEmpty()) {
            return null;
        }
        final FloatsSortedView view = sketch.getSortedView();
        final float[] items = view.getQuantiles();
        final long[] weights = view.getCumulativeWeights();
        // a sorted view may hold one value several times: keep the last (the count at or below it)
        final float[] values = new float[items.length];
        final long[] cumulative = new long[items.length];
        int n = 0;
        for (int i = 0; i < items.length; i++) {
            if (n > 0 && items[i] == values[n - 1]) {
                cumulative[n - 1] = weights[i];
            } else {
                values[n] = items[i];
                cumulative[n++] = weights[i];
            }
        }
        return new EmpiricalCdf(Arrays.copyOf(values, n), Arrays.copyOf(cumulative, n));
    }

    /** The distinct values, ascending (a copy). */
    public float[] values() {
        return values.clone();
    }

    /** Items at or below each value (a copy). */
    public long[] cumulative() {
        return cumulative.clone();
    }

    /** Number of items. */
    public long count() {
        return cumulative[cumulative.length - 1];
    }

    /** Share of the items at or below {@code x}. */
    public double at(final float x) {
        int lo = 0;
        int hi = values.length - 1;
        int found = -1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (values[mid] <= x) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : (double)cumulative[found] / count();
    }

    /**
     * The two-sample Kolmogorov-Smirnov statistic {@code sup over x of |F(x) - G(x)|} between this distribution and
     * {@code other}, the supremum taken at every value of either (where the step functions change).
     */
    public double ks(final EmpiricalCdf other) {
        final double n = count();
        final double m = other.count();
        int i = 0;
        int j = 0;
        double f = 0;
        double g = 0;
        double d = 0;
        while (i < values.length || j < other.values.length) {
            final float x = j == other.values.length || i < values.length && values[i] <= other.values[j] ?
                values[i] : other.values[j];
            if (i < values.length && values[i] == x) {
                f = cumulative[i++] / n;
            }
            if (j < other.values.length && other.values[j] == x) {
                g = other.cumulative[j++] / m;
            }
            d = Math.max(d, Math.abs(f - g));
        }
        return d;
    }
}
