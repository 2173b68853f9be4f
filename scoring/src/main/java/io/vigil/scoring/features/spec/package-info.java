/**
 * Feature definitions (docs/features.md): a YAML file parsed and validated into a {@link
 * io.vigil.scoring.features.spec.FeatureSpec} (name, version, content hash, entity keys, windows, aggregations,
 * derived features), compiled by {@link io.vigil.scoring.features.spec.CompiledFeatures} into off-heap slot layouts
 * and a flat array of operators that compute an event's features without allocating. The built-in default
 * ({@code /features/default.yaml}) computes exactly what {@link io.vigil.scoring.features.TransactionFeatures}
 * computes. {@code vigil features check} prints a definition's hash and layout.
 */
package io.vigil.scoring.features.spec;
