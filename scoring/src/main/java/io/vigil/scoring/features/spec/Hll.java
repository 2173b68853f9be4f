package io.vigil.scoring.features.spec;

/** The HyperLogLog estimate (Flajolet et al. 2007, with the linear-counting correction for small counts). Stateless. */
final class Hll {
    private Hll() {
    }

    /**
     * @param m     registers (a power of two, at least 16).
     * @param sum   the sum of 2^-register over all registers.
     * @param zeros registers that are 0.
     */
    static double estimate(final int m, final double sum, final int zeros) {
        final double alpha;
        switch (m) {
            case 16: alpha = 0.673; break;
            case 32: alpha = 0.697; break;
            case 64: alpha = 0.709; break;
            default: alpha = 0.7213 / (1.0 + 1.079 / m); break;
        }
        final double raw = alpha * m * (double)m / sum;
        if (raw <= 2.5 * m && zeros > 0) {
            return m * Math.log((double)m / zeros);
        }
        return raw;
    }
}
