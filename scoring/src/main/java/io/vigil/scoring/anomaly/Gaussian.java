package io.vigil.scoring.anomaly;

/** Standard normal tail probability; stateless, allocation-free. */
final class Gaussian {
    private Gaussian() {
    }

    /** @return P(Z &gt; z) for a standard normal Z, with relative error below 1.2e-7. */
    static double upperTail(final double z) {
        return 0.5 * erfc(z / Math.sqrt(2.0));
    }

    /** Complementary error function (Chebyshev fit, fractional error &lt; 1.2e-7 everywhere). */
    static double erfc(final double x) {
        final double ax = Math.abs(x);
        final double t = 1.0 / (1.0 + 0.5 * ax);
        final double poly = -ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
            + t * (-0.82215223 + t * 0.17087277))))))));
        final double r = t * Math.exp(poly);
        return x >= 0.0 ? r : 2.0 - r;
    }
}
