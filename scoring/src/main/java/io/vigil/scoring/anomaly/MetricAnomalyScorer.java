package io.vigil.scoring.anomaly;

import org.agrona.collections.Long2ObjectHashMap;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * The engine's entry point for {@code MetricSample} events: one {@link EnsembleDetector} per
 * series id, created on first sight, all with the same parameters. The NAB runner goes through
 * this class too, so a series streamed over TCP scores exactly as the runner scores it.
 *
 * <p>Single-threaded: owned by one pipeline thread. Allocates when it sees a new series (the
 * detector, and possibly a map resize past {@code expectedSeries}); a value of a known series
 * allocates nothing. Snapshots ({@link #writeSnapshot}, {@link #readSnapshot}) allocate: control plane only.
 */
public final class MetricAnomalyScorer {
    private static final int SNAPSHOT_MAGIC = 0x564d4153; // "VMAS"
    private static final int SNAPSHOT_FORMAT = 1;

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

    /**
     * Writes every series' learned state: magic, format, a fingerprint of the parameters, the series count, then
     * per series (in ascending id order, so equal states give equal bytes) its id and its ensemble's state.
     * Allocates; control plane only. Does not close {@code channel}.
     *
     * @param channel destination.
     * @throws IOException from {@code channel}.
     */
    public void writeSnapshot(final WritableByteChannel channel) throws IOException {
        final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
        final long[] ids = new long[detectors.size()];
        int n = 0;
        final Long2ObjectHashMap<EnsembleDetector>.KeyIterator it = detectors.keySet().iterator();
        while (it.hasNext()) {
            ids[n++] = it.nextLong();
        }
        Arrays.sort(ids);
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeInt(SNAPSHOT_FORMAT);
        out.writeInt(context.toString().hashCode());
        out.writeInt(n);
        for (final long id : ids) {
            out.writeLong(id);
            detectors.get(id).writeState(out);
        }
        out.flush();
    }

    /**
     * Replaces every series' state with a snapshot written by {@link #writeSnapshot} under the same parameters.
     * Allocates; control plane only. May read ahead of the snapshot's end: give it a channel holding the snapshot
     * alone.
     *
     * @param channel source.
     * @throws IOException if the stream ends early or was written by another format or other parameters.
     */
    public void readSnapshot(final ReadableByteChannel channel) throws IOException {
        final DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024));
        if (in.readInt() != SNAPSHOT_MAGIC || in.readInt() != SNAPSHOT_FORMAT) {
            throw new IOException("not a MetricAnomalyScorer snapshot (format " + SNAPSHOT_FORMAT + ")");
        }
        if (in.readInt() != context.toString().hashCode()) {
            throw new IOException("metric anomaly snapshot was written with other detector parameters");
        }
        final int n = in.readInt();
        if (n < 0) {
            throw new IOException("metric anomaly snapshot series count out of range: " + n);
        }
        detectors.clear();
        last = null;
        for (int i = 0; i < n; i++) {
            final long id = in.readLong();
            final EnsembleDetector detector = new EnsembleDetector(context);
            detector.readState(in);
            detectors.put(id, detector);
        }
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
