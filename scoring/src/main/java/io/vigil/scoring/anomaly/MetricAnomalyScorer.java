package io.vigil.scoring.anomaly;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * The engine's entry point for {@code MetricSample} events: one {@link EnsembleDetector} per
 * series id, created on first sight, all with the same parameters. The NAB runner goes through
 * this class too, so a series streamed over TCP scores exactly as the runner scores it.
 *
 * <p>Single-threaded: owned by one pipeline thread. Allocates when it sees a new series (the
 * detector, and possibly a map resize past {@code expectedSeries}); a value of a known series
 * allocates nothing.
 */
public final class MetricAnomalyScorer {
    private final Long2ObjectHashMap<EnsembleDetector> detectors;
    private final EnsembleDetector.Context context;
    private long lastSeriesId;
    private EnsembleDetector last;

    /** @param expectedSeries number of series to size for; more are accepted. */
    public MetricAnomalyScorer(final int expectedSeries) {
        this(expectedSeries, new EnsembleDetector.Context());
    }

    /**
     * @param expectedSeries number of series to size for; more are accepted.
     * @param context        parameters of every detector (validated here).
     */
    public MetricAnomalyScorer(final int expectedSeries, final EnsembleDetector.Context context) {
        this.detectors = new Long2ObjectHashMap<>(Math.max(8, expectedSeries * 2), 0.65f);
        this.context = context.conclude();
    }

    /**
     * Scores one value of a series against that series' past, then learns it.
     *
     * @param seriesId    the series.
     * @param eventTimeNs event time in nanoseconds.
     * @param value       the observation.
     * @return the ensemble's anomaly score in [0, 1].
     */
    public double update(final long seriesId, final long eventTimeNs, final double value) {
        return detector(seriesId).update(eventTimeNs, value);
    }

    /** @return whether the last value of the series reached its calibrated alert threshold. */
    public boolean isAlert(final long seriesId) {
        final EnsembleDetector detector = find(seriesId);
        return detector != null && detector.isAlert();
    }

    /** @return the current alert threshold of the series, above 1 when unknown. */
    public double threshold(final long seriesId) {
        final EnsembleDetector detector = find(seriesId);
        return detector == null ? Math.nextUp(1.0) : detector.threshold();
    }

    /** @return number of series seen. */
    public int seriesCount() {
        return detectors.size();
    }

    /** @return the shared parameters. */
    public EnsembleDetector.Context context() {
        return context;
    }

    private EnsembleDetector find(final long seriesId) {
        if (last != null && lastSeriesId == seriesId) {
            return last;
        }
        return detectors.get(seriesId);
    }

    private EnsembleDetector detector(final long seriesId) {
        EnsembleDetector detector = find(seriesId);
        if (detector == null) {
            detector = new EnsembleDetector(context);
            detectors.put(seriesId, detector);
        }
        lastSeriesId = seriesId;
        last = detector;
        return detector;
    }
}
