/**
 * Transaction features: per-account windowed, EWMA and merchant-sketch state off-heap ({@link io.vigil.scoring.features.TransactionFeatures}) and the z-score anomaly score ({@link io.vigil.scoring.features.TransactionAnomaly}). Single-threaded, allocation-free per event.
 */
package io.vigil.scoring.features;
