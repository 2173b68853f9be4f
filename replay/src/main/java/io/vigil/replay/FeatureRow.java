package io.vigil.replay;

import io.vigil.scoring.features.FeatureSet;

import java.util.ArrayList;
import java.util.List;

/**
 * One exported row: an event's feature vector exactly as the pipeline computed it, with lineage columns. Reused
 * for every row (mutable); writers copy what they keep.
 */
final class FeatureRow {
    /** The lineage columns before the features, in order. */
    static final List<String> LINEAGE = List.of("journal_index", "ingest_time_ns", "event_time_ns", "entity_key",
        "event_type", "client_sequence", "feature_set_version", "feature_set_hash", "model_version");
    /** The columns after the features, in order. */
    static final List<String> OUTCOME = List.of("anomaly_score", "model_score", "decision", "reasons", "label");
    /** The columns of an export of the default feature set. */
    static final List<String> COLUMNS = columns(FeatureSet.defaultSet());

    /**
     * Column names, in order: lineage, the feature set's features (its names, in vector order), scores and outcome.
     *
     * @throws IllegalArgumentException when a feature is named like another column.
     */
    static List<String> columns(final FeatureSet set) {
        final List<String> columns = new ArrayList<>(LINEAGE);
        for (final String name : set.names()) {
            if (LINEAGE.contains(name) || OUTCOME.contains(name)) {
                throw new IllegalArgumentException("feature '" + name + "' of " + set.describe() + " is named like an " +
                    "export column (" + LINEAGE + ", " + OUTCOME + "): rename it to export the set");
            }
        }
        columns.addAll(set.names());
        columns.addAll(OUTCOME);
        return List.copyOf(columns);
    }

    FeatureRow(final int width) {
        features = new float[width];
    }

    long journalIndex;
    long ingestTimeNs;
    long eventTimeNs;
    long entityKey;
    /** "transaction" or "metric" (or "unknown" for an undecodable event). */
    String eventType;
    long clientSequence;
    String featureSetVersion;
    /** The feature set's content hash (lineage: the definition that computed the features). */
    String featureSetHash;
    /** Null when no model scored the event (metric samples, rejected events). */
    String modelVersion;
    /** False when the event has no feature vector (metric samples, rejected events): the feature cells are null. */
    boolean hasFeatures;
    final float[] features;
    float anomalyScore;
    float modelScore;
    /** APPROVE, REVIEW, DECLINE, or REJECT:reason. */
    String decision;
    long reasons;
    /** FRAUD, LEGIT, UNKNOWN as the event carries it; null when it carries none (metrics, version 1 clients). */
    String label;
}
