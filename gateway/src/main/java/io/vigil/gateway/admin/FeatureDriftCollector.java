package io.vigil.gateway.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.gateway.drift.FeatureDriftMonitor;

/**
 * Feature drift as gauges, from the snapshot the drift thread publishes (nothing is computed at the scrape):
 * {@code vigil_feature_psi{feature}}, {@code vigil_feature_ks{feature}} and {@code vigil_feature_drift_window_vectors}.
 * A feature's PSI and KS are absent while the window holds fewer vectors than {@code vigil.drift.min.samples}. The
 * vectors sampled and dropped are counters of the counters file ({@link CountersCollector}). Thread-safe; allocates
 * per scrape.
 */
final class FeatureDriftCollector implements MultiCollector {
    private final FeatureDriftMonitor monitor;

    FeatureDriftCollector(final FeatureDriftMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public MetricSnapshots collect() {
        final FeatureDriftMonitor.Status status = monitor.status();
        final GaugeSnapshot.Builder psi = GaugeSnapshot.builder().name("vigil_feature_psi")
            .help("Population stability index of the feature's recent values (the drift window of sampled vectors) against its reference, over the reference's decile bins; 0.1 warns, 0.25 is a major shift.");
        final GaugeSnapshot.Builder ks = GaugeSnapshot.builder().name("vigil_feature_ks")
            .help("Two-sample Kolmogorov-Smirnov statistic (0 to 1) between the feature's recent values (sampled) and its reference.");
        if (status.reported()) {
            for (final FeatureDriftMonitor.Feature feature : status.features()) {
                if (!Double.isNaN(feature.psi())) {
                    psi.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("feature", feature.name())).value(feature.psi()).build());
                    ks.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("feature", feature.name())).value(feature.ks()).build());
                }
            }
        }
        final GaugeSnapshot.Builder vectors = GaugeSnapshot.builder().name("vigil_feature_drift_window_vectors")
            .help("Sampled feature vectors in the drift window at the last evaluation.");
        vectors.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(status.windowVectors()).build());
        return new MetricSnapshots(psi.build(), ks.build(), vectors.build());
    }
}
