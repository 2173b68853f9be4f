package io.vigil.scoring.features;

/**
 * Anomaly score of a transaction from its EWMA z-scores (amount and velocity) in a
 * {@link TransactionFeatures} vector.
 *
 * <p><b>Thread safety:</b> stateless, thread-safe. <b>Allocation:</b> none.
 *
 * <p>Only upward deviations count (larger amounts, more events per minute than usual): with
 * {@code a = max(0, amount_z)}, {@code v = max(0, velocity_z)} and {@code c = sqrt(a² + v²)}, the score is
 * {@code 1 - exp(-c / SCALE)}. It lies in [0, 1), is 0 when neither z-score is positive, and never
 * decreases when either z-score grows. With {@code SCALE = 4}: c = 3 → 0.53, c = 6.4 → 0.80, c = 12 → 0.95.
 * A NaN z-score counts as 0.
 */
public final class TransactionAnomaly {
    /** z-distance that maps to {@code 1 - 1/e ≈ 0.63}. */
    public static final double SCALE = 4.0;

    private TransactionAnomaly() {
    }

    /** @return the anomaly score in [0, 1] of the default feature set's vector at {@code offset}. */
    public static float score(final float[] features, final int offset) {
        return score(features[offset + TransactionFeatures.AMOUNT_Z], features[offset + TransactionFeatures.VELOCITY_Z]);
    }

    /** @return the anomaly score in [0, 1] of the two z-scores. */
    public static float score(final float amountZ, final float velocityZ) {
        final double a = amountZ > 0f ? amountZ : 0.0; // NaN > 0 is false
        final double v = velocityZ > 0f ? velocityZ : 0.0;
        final double c = Math.sqrt(a * a + v * v);
        final double s = 1.0 - Math.exp(-c / SCALE);
        return (float)Math.min(1.0, s);
    }

    /**
     * The score over any feature set's vector: the two z-scores found by name at construction, read at their
     * positions per event. Immutable, thread-safe, allocation-free.
     */
    public static final class ByName {
        private final int amountZAt;
        private final int velocityZAt;

        /**
         * @param set        the running feature set.
         * @param amountZ    the feature that is the amount z-score ({@code amount_z} in the default).
         * @param velocityZ  the feature that is the velocity z-score ({@code velocity_z}).
         * @throws IllegalArgumentException naming the missing features and the set's names.
         */
        public ByName(final FeatureSet set, final String amountZ, final String velocityZ) {
            final int[] at = set.indicesOf(java.util.List.of(amountZ, velocityZ), "the transaction anomaly score");
            this.amountZAt = at[0];
            this.velocityZAt = at[1];
        }

        /** @return the anomaly score in [0, 1] of the vector at {@code offset}. */
        public float score(final float[] features, final int offset) {
            return TransactionAnomaly.score(features[offset + amountZAt], features[offset + velocityZAt]);
        }
    }
}
