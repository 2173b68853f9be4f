/**
 * Feature drift, pure computation (no threads): the reference distribution of each feature built from a training
 * export ({@link io.vigil.scoring.drift.FeatureReference}, {@link io.vigil.scoring.drift.FeatureReferenceBuilder}),
 * the recent distribution of each feature in a sliding window of KLL quantile sketches
 * ({@link io.vigil.scoring.drift.FeatureDriftWindow}), and the statistics that compare them: the population stability
 * index over the reference's decile bins and the two-sample Kolmogorov-Smirnov statistic
 * ({@link io.vigil.scoring.drift.DriftStatistics}). Written over a list of feature names and a float vector, so that
 * any declared feature set fits. See docs/feature-drift.md.
 */
package io.vigil.scoring.drift;
