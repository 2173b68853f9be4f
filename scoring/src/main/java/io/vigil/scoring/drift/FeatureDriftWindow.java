package io.vigil.scoring.drift;

import org.agrona.DirectBuffer;
import org.apache.datasketches.kll.KllFloatsSketch;

import java.nio.ByteOrder;
import java.util.List;

/**
 * The recent distribution of each feature of a feature set, over a sliding window of panes, compared with a
 * {@link FeatureReference}.
 *
 * <p><b>Window.</b> {@code panes} panes, each a KLL sketch per feature; vectors go into the newest pane. A pane is
 * closed, and the oldest one emptied to become the newest, when a vector's event time is {@code windowNs / panes} or
 * more past the pane's first event time, or when the pane holds {@code windowVectors / panes} vectors (either limit
 * may be 0: not used). So the window holds the last {@code windowNs} of event time (or the last
 * {@code windowVectors} vectors), give or take one pane; an event time that jumps a whole window ahead empties it. A
 * late vector (event time before its pane's start) counts in the newest pane: the window follows arrival order. The
 * window's time is the vectors' event time only: no clock is read.
 *
 * <p><b>Comparison.</b> {@link #evaluate} merges the panes and computes, per feature, the PSI over the reference's
 * bins and the KS statistic against the reference's distribution function ({@link DriftStatistics}).
 *
 * <p>Not thread-safe: one thread (the drift thread) adds and evaluates. {@link #add} allocates only when a sketch
 * grows a level (amortised, bounded by k and the pane's count); {@link #evaluate} allocates its merged sketches and
 * results.
 */
public final class FeatureDriftWindow {
    /** The sketches' default k: about 1.3 % rank error for one pane, less for the merged window. */
    public static final int DEFAULT_K = 200;

    /** One feature's drift: NaN statistics when the window has no value of it. */
    public record FeatureDrift(String name, long samples, double psi, double ks) {
    }

    private final FeatureReference reference;
    private final int width;
    private final int k;
    private final long paneNs;
    private final long paneVectors;
    private final KllFloatsSketch[][] panes;
    private final long[] paneCounts;
    private final long[] paneStartNs;
    private int current;
    private long added;

    /**
     * @param windowNs      event time the window spans, 0 for no time limit.
     * @param windowVectors vectors the window holds, 0 for no count limit (not both 0).
     * @param panes         panes the window is cut into, at least 1 (1: a tumbling window).
     * @param k             the KLL sketches' k (8 to 65535).
     */
    public FeatureDriftWindow(final FeatureReference reference, final long windowNs, final long windowVectors,
        final int panes, final int k) {
        if (windowNs < 0 || windowVectors < 0 || windowNs == 0 && windowVectors == 0) {
            throw new IllegalArgumentException("a window needs a time span or a number of vectors");
        }
        if (panes < 1) {
            throw new IllegalArgumentException("panes must be at least 1");
        }
        this.reference = reference;
        this.width = reference.features().size();
        this.k = k;
        this.paneNs = windowNs == 0 ? 0 : Math.max(1, windowNs / panes);
        this.paneVectors = windowVectors == 0 ? 0 : Math.max(1, (windowVectors + panes - 1) / panes);
        this.panes = new KllFloatsSketch[panes][width];
        for (final KllFloatsSketch[] pane : this.panes) {
            for (int i = 0; i < width; i++) {
                pane[i] = KllFloatsSketch.newHeapInstance(k);
            }
        }
        this.paneCounts = new long[panes];
        this.paneStartNs = new long[panes];
    }

    /** Width of the vectors: the reference's features. */
    public int width() {
        return width;
    }

    public FeatureReference reference() {
        return reference;
    }

    /** Adds one vector: {@code vector[offset + i]} is feature i. NaN values are not counted. */
    public void add(final long eventTimeNs, final float[] vector, final int offset) {
        final KllFloatsSketch[] pane = paneFor(eventTimeNs);
        for (int i = 0; i < width; i++) {
            final float value = vector[offset + i];
            if (!Float.isNaN(value)) {
                pane[i].update(value);
            }
        }
    }

    /** Adds one vector of {@link #width()} little-endian floats at {@code offset} in {@code buffer}. */
    public void add(final long eventTimeNs, final DirectBuffer buffer, final int offset) {
        final KllFloatsSketch[] pane = paneFor(eventTimeNs);
        for (int i = 0; i < width; i++) {
            final float value = buffer.getFloat(offset + i * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            if (!Float.isNaN(value)) {
                pane[i].update(value);
            }
        }
    }

    private KllFloatsSketch[] paneFor(final long eventTimeNs) {
        if (paneCounts[current] == 0) {
            paneStartNs[current] = eventTimeNs;
        } else {
            long advance = 0;
            if (paneNs > 0 && eventTimeNs - paneStartNs[current] >= paneNs) {
                advance = Math.min(panes.length, (eventTimeNs - paneStartNs[current]) / paneNs);
            }
            if (advance == 0 && paneVectors > 0 && paneCounts[current] >= paneVectors) {
                advance = 1;
            }
            for (long a = 0; a < advance; a++) {
                current = (current + 1) % panes.length;
                for (final KllFloatsSketch sketch : panes[current]) {
                    sketch.reset();
                }
                paneCounts[current] = 0;
            }
            if (advance > 0) {
                paneStartNs[current] = eventTimeNs;
            }
        }
        paneCounts[current]++;
        added++;
        return panes[current];
    }

    /** Vectors in the window now. */
    public long vectorsInWindow() {
        long n = 0;
        for (final long count : paneCounts) {
            n += count;
        }
        return n;
    }

    /** Vectors added since construction. */
    public long added() {
        return added;
    }

    /** Event time of the first vector of the oldest pane that holds any, or {@link Long#MIN_VALUE} when empty. */
    public long windowStartNs() {
        for (int p = 1; p <= panes.length; p++) {
            final int pane = (current + p) % panes.length;
            if (paneCounts[pane] > 0) {
                return paneStartNs[pane];
            }
        }
        return Long.MIN_VALUE;
    }

    /** Per feature, in the reference's order: the window's values and their PSI and KS against the reference. */
    public List<FeatureDrift> evaluate() {
        final FeatureDrift[] drift = new FeatureDrift[width];
        for (int i = 0; i < width; i++) {
            final KllFloatsSketch merged = KllFloatsSketch.newHeapInstance(k);
            for (final KllFloatsSketch[] pane : panes) {
                if (!pane[i].isEmpty()) {
                    merged.merge(pane[i]);
                }
            }
            final FeatureReference.Feature ref = reference.features().get(i);
            if (merged.isEmpty()) {
                drift[i] = new FeatureDrift(ref.name(), 0, Double.NaN, Double.NaN);
                continue;
            }
            drift[i] = new FeatureDrift(ref.name(), merged.getN(),
                DriftStatistics.psi(ref.binShares(), ref.cutPoints(), merged), ref.cdf().ks(EmpiricalCdf.of(merged)));
        }
        return List.of(drift);
    }
}
