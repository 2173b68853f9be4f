package io.vigil.gateway.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vigil.gateway.ServerLatencies;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Arrays;
import java.util.Locale;

/**
 * {@code vigil_stage_latency_seconds{stage}}: a Prometheus histogram per server stage (gateway decode, journal append,
 * the pipeline's stages, egress), cumulative since the admin server started. At each scrape it drains the recorders
 * that {@link ServerLatencies#drainTo} keeps for the admin server (the writers record into them beside the ones the
 * bench and demo reports read, so neither steals the other's values) through the {@link StageLatencyHistory} it shares
 * with {@code /api/summary} (so that both see every value) into one cumulative HdrHistogram per stage, then counts that
 * histogram into the buckets of {@link #BOUNDS_SECONDS}. The sum is the count times each value's HdrHistogram equivalent (two
 * significant digits), so it is approximate to about 1%.
 *
 * <p>Thread-safe (collect is synchronized); allocates per scrape (control plane).
 */
final class StageLatencyCollector implements MultiCollector {
    /** Bucket upper bounds, seconds: 1 us to 10 s, then +Inf. */
    static final double[] BOUNDS_SECONDS = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
        5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 10, Double.POSITIVE_INFINITY};
    private static final long[] BOUNDS_NS = new long[BOUNDS_SECONDS.length];

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NS[i] = Double.isInfinite(BOUNDS_SECONDS[i]) ? Long.MAX_VALUE : Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    private final StageLatencyHistory history;
    private final String[] stageLabels = new String[ServerLatencies.STAGES.length];

    StageLatencyCollector(final StageLatencyHistory history) {
        this.history = history;
        for (int i = 0; i < stageLabels.length; i++) {
            stageLabels[i] = label(i);
        }
    }

    /** The {@code stage} label of stage {@code stage} of {@link ServerLatencies#STAGES}: {@code journal_append}. */
    static String label(final int stage) {
        return ServerLatencies.STAGES[stage].replace(' ', '_').toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized MetricSnapshots collect() {
        final HistogramSnapshot.Builder builder = HistogramSnapshot.builder()
            .name("vigil_stage_latency_seconds")
            .unit(Unit.SECONDS)
            .help("Time each answered event spent in each stage of the server, cumulative since the admin server started.");
        history.drain();
        for (int stage = 0; stage < stageLabels.length; stage++) {
            final Histogram histogram = history.cumulative(stage);
            final long[] counts = new long[BOUNDS_NS.length];
            double sumNs = 0;
            for (final HistogramIterationValue value : histogram.recordedValues()) {
                final long ns = value.getValueIteratedTo();
                final long count = value.getCountAtValueIteratedTo();
                int bucket = Arrays.binarySearch(BOUNDS_NS, ns);
                if (bucket < 0) {
                    bucket = -bucket - 1;
                }
                counts[Math.min(bucket, counts.length - 1)] += count;
                sumNs += (double)histogram.medianEquivalentValue(ns) * count;
            }
            builder.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .labels(Labels.of("stage", stageLabels[stage]))
                .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
                .sum(sumNs / 1e9)
                .build());
        }
        return MetricSnapshots.of(builder.build());
    }
}
