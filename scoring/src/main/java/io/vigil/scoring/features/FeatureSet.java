package io.vigil.scoring.features;

import io.vigil.scoring.features.spec.FeatureSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The identity and shape of the feature vector a pipeline computes: the feature set's name and version, its content
 * hash ({@link FeatureSpec#hash()}, the lineage every decision, export row and model refers to) and the emitted
 * feature names in vector order. Whatever reads the vector (rules, anomaly score, model, export, serving, drift)
 * resolves the features it needs by name against it once, at construction, into positions.
 *
 * <p><b>Thread safety:</b> immutable, thread-safe. Control plane only (allocates).
 *
 * @param name    the definition's name ({@code transactions} for the default).
 * @param version the definition's declared version ({@link TransactionFeatures#VERSION} for the default).
 * @param hash    the definition's content hash, 64 hex digits.
 * @param names   the emitted features, in vector order.
 */
public record FeatureSet(String name, String version, String hash, List<String> names) {
    private static volatile FeatureSet defaultSet;

    public FeatureSet {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a feature set emits at least one feature");
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("duplicate feature names in " + names);
        }
    }

    /** The built-in default: {@link TransactionFeatures}' 14 features, the default definition's hash. */
    public static FeatureSet defaultSet() {
        FeatureSet d = defaultSet;
        if (d == null) {
            final FeatureSpec spec = FeatureSpec.defaultSpec();
            d = new FeatureSet(spec.name(), TransactionFeatures.VERSION, FeatureSpec.defaultHash(), TransactionFeatures.NAMES);
            defaultSet = d;
        }
        return d;
    }

    /** The feature set a definition emits. */
    public static FeatureSet of(final FeatureSpec spec) {
        return new FeatureSet(spec.name(), spec.version(), spec.hash(), spec.emittedNames());
    }

    /** @return the running set for {@code spec}, the default when it is null. */
    public static FeatureSet ofNullable(final FeatureSpec spec) {
        return spec == null ? defaultSet() : of(spec);
    }

    /** @return floats per vector. */
    public int width() {
        return names.size();
    }

    /** @return the position of {@code feature} in the vector, -1 when the set does not emit it. */
    public int indexOf(final String feature) {
        return names.indexOf(feature);
    }

    /** @return the first 16 hex digits of the hash: the 64-bit prefix short records carry. */
    public String shortHash() {
        return hash.substring(0, Math.min(16, hash.length()));
    }

    /** @return the hash's first 64 bits as a long (big-endian hex digits). */
    public long hashPrefix() {
        return Long.parseUnsignedLong(shortHash(), 16);
    }

    /**
     * The positions of {@code features} in this set's vector, in their order.
     *
     * @param user what needs them, for the message ("model fraud-mlp-1").
     * @throws IllegalArgumentException naming {@code user}, every missing feature and this set's names.
     */
    public int[] indicesOf(final List<String> features, final String user) {
        final Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            at.put(names.get(i), i);
        }
        final int[] indices = new int[features.size()];
        final List<String> missing = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            final Integer p = at.get(features.get(i));
            if (p == null) {
                missing.add(features.get(i));
                indices[i] = -1;
            } else {
                indices[i] = p;
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(user + " needs " + (missing.size() == 1 ? "feature " : "features ") +
                String.join(", ", missing) + ", which " + describe() + " does not emit (it emits " + names + ")");
        }
        return indices;
    }

    /** "feature set 'transactions' txf-1 (hash 43d6ed1efd9e...)". */
    public String describe() {
        return "feature set '" + name + "' " + version + " (hash " + shortHash() + "...)";
    }
}
