package io.vigil.peer.flink;

/**
 * The job's output: one event's feature vector with its input journal index. A Flink POJO; mutable, not thread-safe.
 */
public final class FeatureRecord {
    public long journalIndex;
    public float[] features = new float[AccountState.WIDTH];

    public FeatureRecord() {
    }

    /**
     * An order-independent digest contribution of one row (index and the 14 features' raw bits): summed over the rows,
     * it tells two runs, or Flink and Vigil, apart without writing the rows. {@code Compare} computes the same.
     */
    public static long digest(final long journalIndex, final float[] features) {
        long h = journalIndex;
        for (final float f : features) {
            h = h * 0x9E3779B97F4A7C15L + Float.floatToRawIntBits(f);
        }
        return AccountState.murmurFinalizer(h);
    }
}
