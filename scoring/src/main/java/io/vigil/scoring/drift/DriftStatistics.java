package io.vigil.scoring.drift;

import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.apache.datasketches.quantilescommon.QuantilesFloatsAPI;

/**
 * The statistics that compare a feature's recent distribution with its reference:
 *
 * <ul>
 * <li><b>PSI</b>, the population stability index over bins cut at the reference's deciles:
 * {@code sum over bins of (a - e) * ln(a / e)} where {@code e} is the reference's share of the bin and {@code a} the
 * recent one, each raised to {@link #PSI_EPSILON} when smaller (an empty bin would make the term infinite; the same
 * floor as Evidently's and most PSI implementations). Bins are {@code (-inf, c1], (c1, c2], ..., (ck, +inf)} over the
 * distinct cut points {@code c}: a discrete feature whose deciles repeat gets one bin per distinct value (the last
 * bin, empty in the reference when the top decile is its maximum, catches values above it). Usual reading: below 0.1 no change, 0.1 to 0.25 a moderate shift, above 0.25 a major one.</li>
 * <li><b>KS</b>, the two-sample Kolmogorov-Smirnov statistic {@code D = sup |F1(x) - F2(x)|} between the two
 * empirical distribution functions (between 0 and 1), evaluated at every value either sketch retains
 * ({@link EmpiricalCdf#ks}): exact while both sketches are exact (fewer items than their k), within the sketches'
 * rank error otherwise. (DataSketches' own {@code KolmogorovSmirnov.computeKSDelta} is not used: in 7.0 it gives 0.5
 * for the samples {1, 2} and {3, 4}, whose distributions are 1 apart.)</li>
 * </ul>
 *
 * <p>Stateless; thread-safe. The sketch methods allocate (the sketches' sorted views).
 */
public final class DriftStatistics {
    /** Floor of a bin's share in {@link #psi}. */
    public static final double PSI_EPSILON = 1e-4;
    /** The deciles' ranks: the reference's bins are cut at these quantiles. */
    public static final double[] DECILE_RANKS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    private DriftStatistics() {
    }

    /**
     * PSI of {@code actual} against {@code expected}, two arrays of bin shares of the same length (each summing to 1,
     * up to rounding).
     */
    public static double psi(final double[] expected, final double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException(expected.length + " expected bins, " + actual.length + " actual");
        }
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            final double e = Math.max(expected[i], PSI_EPSILON);
            final double a = Math.max(actual[i], PSI_EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    /**
     * The shares of {@code sketch}'s items in the bins cut at {@code cutPoints} (distinct, ascending):
     * {@code cutPoints.length + 1} shares, an item equal to a cut point in the bin below it.
     */
    public static double[] binShares(final QuantilesFloatsAPI sketch, final float[] cutPoints) {
        final double[] shares = new double[cutPoints.length + 1];
        if (sketch.isEmpty()) {
            return shares;
        }
        if (cutPoints.length == 0) {
            shares[0] = 1;
            return shares;
        }
        // the CDF at each cut point (items <= it), then 1: the differences are the bins' shares
        final double[] cdf = sketch.getCDF(cutPoints, QuantileSearchCriteria.INCLUSIVE);
        double below = 0;
        for (int i = 0; i < shares.length; i++) {
            shares[i] = Math.max(0, cdf[i] - below);
            below = cdf[i];
        }
        return shares;
    }

    /** The distinct cut points at the deciles of {@code sketch}, ascending; empty for an empty sketch. */
    public static float[] decileCutPoints(final QuantilesFloatsAPI sketch) {
        if (sketch.isEmpty()) {
            return new float[0];
        }
        final float[] deciles = sketch.getQuantiles(DECILE_RANKS, QuantileSearchCriteria.INCLUSIVE);
        int distinct = 0;
        for (int i = 0; i < deciles.length; i++) {
            if (i == 0 || deciles[i] > deciles[distinct - 1]) {
                deciles[distinct++] = deciles[i];
            }
        }
        return java.util.Arrays.copyOf(deciles, distinct);
    }

    /** PSI of {@code recent} against a reference cut at {@code cutPoints} with bin shares {@code referenceShares}. */
    public static double psi(final double[] referenceShares, final float[] cutPoints, final QuantilesFloatsAPI recent) {
        return psi(referenceShares, binShares(recent, cutPoints));
    }

    /** The two-sample KS statistic between the items of two sketches; NaN when either is empty. */
    public static double ks(final QuantilesFloatsAPI reference, final QuantilesFloatsAPI recent) {
        if (reference.isEmpty() || recent.isEmpty()) {
            return Double.NaN;
        }
        return EmpiricalCdf.of(reference).ks(EmpiricalCdf.of(recent));
    }
}
