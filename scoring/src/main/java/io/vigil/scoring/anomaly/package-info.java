/**
 * Streaming anomaly detection for metric series: detectors with O(1) or small bounded work and no
 * allocation per value (EWMA/EWMV z-score, Holt-Winters residual, median/MAD window, range
 * novelty), an {@link io.vigil.scoring.anomaly.EnsembleDetector} that turns them into one anomaly
 * score in [0, 1], a {@link io.vigil.scoring.anomaly.ThresholdCalibrator} that turns a target
 * false-positive rate into an alert threshold, and the engine-facing
 * {@link io.vigil.scoring.anomaly.MetricAnomalyScorer}. See {@code docs/anomaly.md}.
 */
package io.vigil.scoring.anomaly;
