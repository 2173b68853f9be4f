package io.vigil.scoring.drift;

import org.apache.datasketches.kll.KllFloatsSketch;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link FeatureReference} from the rows of a training export, one feature vector (or one feature value) at
 * a time: a KLL sketch per feature ({@link #DEFAULT_K}, about 0.7 % rank error), from which the deciles, the PSI bins'
 * shares and the distribution function of the file come. NaN values (cells without a value) are not counted.
 *
 * <p>Not thread-safe. Allocates as the sketches grow (offline tool).
 */
public final class FeatureReferenceBuilder {
    /** The sketches' k: larger than the live window's, the reference is built once. */
    public static final int DEFAULT_K = 400;

    private final String featureSet;
    private final String featureSetHash;
    private final List<String> names;
    private final KllFloatsSketch[] sketches;
    private long rows;

    public FeatureReferenceBuilder(final String featureSet, final String featureSetHash, final List<String> names,
        final int k) {
        this.featureSet = featureSet;
        this.featureSetHash = featureSetHash;
        this.names = List.copyOf(names);
        this.sketches = new KllFloatsSketch[names.size()];
        for (int i = 0; i < sketches.length; i++) {
            sketches[i] = KllFloatsSketch.newHeapInstance(k);
        }
    }

    /** For the feature set {@code version} with {@code names}, hashed by {@link FeatureReference#featureSetHash}. */
    public static FeatureReferenceBuilder of(final String version, final List<String> names) {
        return new FeatureReferenceBuilder(version, FeatureReference.featureSetHash(version, names), names, DEFAULT_K);
    }

    /** Adds one row: {@code vector[offset + i]} is feature i. */
    public void addRow(final float[] vector, final int offset) {
        for (int i = 0; i < sketches.length; i++) {
            add(i, vector[offset + i]);
        }
        rows++;
    }

    /** Adds one value of feature {@code feature} (a column-wise reader); count the row with {@link #rowDone()}. */
    public void add(final int feature, final float value) {
        if (!Float.isNaN(value)) {
            sketches[feature].update(value);
        }
    }

    /** One more row read column-wise. */
    public void rowDone() {
        rows++;
    }

    public long rows() {
        return rows;
    }

    /**
     * The reference of the rows added.
     *
     * @throws IllegalStateException when a feature has no value at all (nothing to compare with).
     */
    public FeatureReference build(final String source) {
        final List<FeatureReference.Feature> features = new ArrayList<>();
        for (int i = 0; i < sketches.length; i++) {
            final KllFloatsSketch sketch = sketches[i];
            if (sketch.isEmpty()) {
                throw new IllegalStateException("feature " + names.get(i) + " has no value in " + rows + " rows");
            }
            final float[] cuts = DriftStatistics.decileCutPoints(sketch);
            features.add(new FeatureReference.Feature(names.get(i), sketch.getN(), sketch.getMinItem(),
                sketch.getMaxItem(), cuts, DriftStatistics.binShares(sketch, cuts), EmpiricalCdf.of(sketch)));
        }
        return new FeatureReference(featureSet, featureSetHash, source, rows, features);
    }
}
