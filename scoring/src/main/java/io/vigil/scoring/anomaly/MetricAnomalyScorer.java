package io.vigil.scoring.anomaly;

import io.vigil.scoring.state.KeyedSlotTable;

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
 * (tenant, series id), created on first sight, all with the same parameters; two tenants with the same series id
 * never share a detector. The NAB runner goes through this class too, so a series streamed over TCP scores exactly
 * as the runner scores it.
 *
 * <p>The series index is a {@link KeyedSlotTable} (partitioned, so a new series never rehashes more than one small
 * partition) and the detectors sit in fixed chunks of references, never copied as they grow.
 *
 * <p>Single-threaded: owned by one pipeline thread. Allocates when it sees a new series (the
 * detector, and now and then an index partition or a chunk of references); a value of a known series
 * allocates nothing. Snapshots ({@link #writeSnapshot}, {@link #readSnapshot}) allocate: control plane only.
 */
public final class MetricAnomalyScorer {
    private static final int SNAPSHOT_MAGIC = 0x564d4153; // "VMAS"
    /** Format 2: series keyed by (tenant, series id). */
    private static final int SNAPSHOT_FORMAT = 2;
    private static final int CHUNK_SHIFT = 12;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private final KeyedSlotTable index;
    private EnsembleDetector[][] chunks = new EnsembleDetector[16][];
    private final EnsembleDetector.Context context;
    private int lastTenantId;
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
        this.index = new KeyedSlotTable(KeyedSlotTable.TRAILER_BYTES, Math.max(1, expectedSeries),
            KeyedSlotTable.DEFAULT_SLOTS_PER_SEGMENT, 256);
        this.context = context.conclude();
    }

    /**
     * Scores one value of a series against that series' past, then learns it.
     *
     * @param tenantId    the tenant the series belongs to.
     * @param seriesId    the series, within the tenant.
     * @param eventTimeNs event time in nanoseconds.
     * @param value       the observation.
     * @return the ensemble's anomaly score in [0, 1].
     */
    public double update(final int tenantId, final long seriesId, final long eventTimeNs, final double value) {
        return detector(tenantId, seriesId).update(eventTimeNs, value);
    }

    /** @return whether the last value of the series reached its calibrated alert threshold. */
    public boolean isAlert(final int tenantId, final long seriesId) {
        final EnsembleDetector detector = find(tenantId, seriesId);
        return detector != null && detector.isAlert();
    }

    /** @return the current alert threshold of the series, above 1 when unknown. */
    public double threshold(final int tenantId, final long seriesId) {
        final EnsembleDetector detector = find(tenantId, seriesId);
        return detector == null ? Math.nextUp(1.0) : detector.threshold();
    }

    /** @return number of series seen ((tenant, series id) pairs). */
    public int seriesCount() {
        return (int)index.size();
    }

    /** @return the shared parameters. */
    public EnsembleDetector.Context context() {
        return context;
    }

    /**
     * Writes every series' learned state: magic, format, a fingerprint of the parameters, the series count, then
     * per series (in ascending (tenant, id) order, so equal states give equal bytes) its tenant, its id and its
     * ensemble's state.
     * Allocates; control plane only. Does not close {@code channel}.
     *
     * @param channel destination.
     * @throws IOException from {@code channel}.
     */
    public void writeSnapshot(final WritableByteChannel channel) throws IOException {
        final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
        final int n = seriesCount();
        final Long[] slots = new Long[n];
        for (int i = 0; i < n; i++) {
            slots[i] = (long)i;
        }
        Arrays.sort(slots, (a, b) -> {
            final int byTenant = Integer.compare(index.tenant(a), index.tenant(b));
            return byTenant != 0 ? byTenant : Long.compare(index.key(a), index.key(b));
        });
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeInt(SNAPSHOT_FORMAT);
        out.writeInt(context.toString().hashCode());
        out.writeInt(n);
        for (final Long slot : slots) {
            out.writeInt(index.tenant(slot));
            out.writeLong(index.key(slot));
            detectorAt(slot).writeState(out);
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
        if (in.readInt() != SNAPSHOT_MAGIC) {
            throw new IOException("not a MetricAnomalyScorer snapshot");
        }
        final int format = in.readInt();
        if (format == 1) {
            throw new IOException("MetricAnomalyScorer snapshot format 1 keys series by id alone; this version reads " +
                "format " + SNAPSHOT_FORMAT + " (keyed by tenant and series): rebuild the state from the journal");
        }
        if (format != SNAPSHOT_FORMAT) {
            throw new IOException("MetricAnomalyScorer snapshot format " + format + ", this version reads " + SNAPSHOT_FORMAT);
        }
        if (in.readInt() != context.toString().hashCode()) {
            throw new IOException("metric anomaly snapshot was written with other detector parameters");
        }
        final int n = in.readInt();
        if (n < 0) {
            throw new IOException("metric anomaly snapshot series count out of range: " + n);
        }
        index.clear();
        Arrays.fill(chunks, null);
        last = null;
        for (int i = 0; i < n; i++) {
            final int tenantId = in.readInt();
            final long id = in.readLong();
            if (index.find(tenantId, id) != KeyedSlotTable.MISSING) {
                throw new IOException("metric anomaly snapshot holds tenant " + tenantId + " series " + id + " twice");
            }
            final EnsembleDetector detector = new EnsembleDetector(context);
            detector.readState(in);
            put(index.add(tenantId, id), detector);
        }
    }

    private EnsembleDetector detectorAt(final long slot) {
        return chunks[(int)(slot >>> CHUNK_SHIFT)][(int)slot & CHUNK_MASK];
    }

    private void put(final long slot, final EnsembleDetector detector) {
        final int chunk = (int)(slot >>> CHUNK_SHIFT);
        if (chunk == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunks.length * 2);
        }
        if (chunks[chunk] == null) {
            chunks[chunk] = new EnsembleDetector[CHUNK_MASK + 1];
        }
        chunks[chunk][(int)slot & CHUNK_MASK] = detector;
    }

    private EnsembleDetector find(final int tenantId, final long seriesId) {
        if (last != null && lastSeriesId == seriesId && lastTenantId == tenantId) {
            return last;
        }
        final long slot = index.find(tenantId, seriesId);
        return slot == KeyedSlotTable.MISSING ? null : detectorAt(slot);
    }

    private EnsembleDetector detector(final int tenantId, final long seriesId) {
        EnsembleDetector detector = find(tenantId, seriesId);
        if (detector == null) {
            detector = new EnsembleDetector(context);
            put(index.add(tenantId, seriesId), detector);
        }
        lastTenantId = tenantId;
        lastSeriesId = seriesId;
        last = detector;
        return detector;
    }
}
