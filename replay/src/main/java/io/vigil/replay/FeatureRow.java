package io.vigil.replay;

import io.vigil.scoring.features.TransactionFeatures;

import java.util.ArrayList;
import java.util.List;

/**
 * One exported row: an event's feature vector exactly as the pipeline computed it, with lineage columns. Reused
 * for every row (mutable); writers copy what they keep.
 */
final class FeatureRow {
    /** Column names, in order: lineage, the {@link TransactionFeatures#WIDTH} features, scores and outcome. */
    static final List<String> COLUMNS;

    static {
        final List<String> columns = new ArrayList<>(List.of("journal_index", "ingest_time_ns", "event_time_ns",
            "entity_key", "event_type", "client_sequence", "feature_set_version", "model_version"));
        columns.addAll(TransactionFeatures.NAMES);
        columns.addAll(List.of("anomaly_score", "model_score", "decision", "reasons", "label"));
        COLUMNS = List.copyOf(columns);
    }

    long journalIndex;
    long ingestTimeNs;
    long eventTimeNs;
    long entityKey;
    /** "transaction" or "metric" (or "unknown" for an undecodable event). */
    String eventType;
    long clientSequence;
    String featureSetVersion;
    /** Null when no model scored the event (metric samples, rejected events). */
    String modelVersion;
    /** False when the event has no feature vector (metric samples, rejected events): the feature cells are null. */
    boolean hasFeatures;
    final float[] features = new float[TransactionFeatures.WIDTH];
    float anomalyScore;
    float modelScore;
    /** APPROVE, REVIEW, DECLINE, or REJECT:reason. */
    String decision;
    long reasons;
    /** FRAUD, LEGIT, UNKNOWN as the event carries it; null when it carries none (metrics, version 1 clients). */
    String label;
}
