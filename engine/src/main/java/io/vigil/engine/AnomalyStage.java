package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionAnomaly;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Anomaly scores: a transaction's from its feature vector, a metric sample's from its series' detectors (which it
 * updates, and whose alert state it records in the slot for the rules stage). Checkpoint section
 * {@link #SECTION_ID}: {@link MetricAnomalyScorer#writeSnapshot}. Not thread-safe; allocation-free per event (new
 * series grow the table).
 */
final class AnomalyStage implements Stage {
    /** Checkpoint section of the metric series' detectors. */
    static final int SECTION_ID = 2;
    static final int SECTION_VERSION = 1;

    private final MetricAnomalyScorer metrics;
    /** The transaction score over the running feature set; null when it is off ({@code vigil.rules.off=anomaly}). */
    private final TransactionAnomaly.ByName transactions;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final MetricSampleDecoder sample = new MetricSampleDecoder();

    /** Over the default feature set. */
    AnomalyStage(final MetricAnomalyScorer metrics) {
        this(metrics, new TransactionAnomaly.ByName(io.vigil.scoring.features.FeatureSet.defaultSet(),
            io.vigil.scoring.rules.RuleInputs.AMOUNT_Z, io.vigil.scoring.rules.RuleInputs.VELOCITY_Z));
    }

    /** @param transactions the transactions' score, its z-scores found by name; null: transactions score 0. */
    AnomalyStage(final MetricAnomalyScorer metrics, final TransactionAnomaly.ByName transactions) {
        this.metrics = metrics;
        this.transactions = transactions;
    }

    MetricAnomalyScorer metrics() {
        return metrics;
    }

    @Override
    public String name() {
        return "anomaly";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            slot.anomalyScore = transactions != null ? transactions.score(slot.features, 0) : 0f;
        } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
            final MetricSampleDecoder metric = sample.wrapAndApplyHeader(slot.input.payload(), 0,
                header.wrap(slot.input.payload(), 0));
            slot.featuresNs = slot.validatedNs;
            slot.anomalyScore = (float)metrics.update(slot.input.tenantId, metric.seriesId(), metric.eventTimeNs(), metric.value());
            slot.metricAlert = metrics.isAlert(slot.input.tenantId, metric.seriesId());
        }
        if (slot.timed) {
            slot.anomalyNs = System.nanoTime();
        }
    }

    @Override
    public int sectionId() {
        return SECTION_ID;
    }

    @Override
    public int sectionVersion() {
        return SECTION_VERSION;
    }

    @Override
    public void writeSection(final WritableByteChannel out) throws IOException {
        metrics.writeSnapshot(out);
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version != SECTION_VERSION) {
            throw new IOException("metrics section version " + version + ", this engine reads " + SECTION_VERSION);
        }
        metrics.readSnapshot(in);
    }

    @Override
    public void clearState() throws IOException {
        final SnapshotChannel scratch = new SnapshotChannel(ByteBuffer.allocate(1 << 16));
        new MetricAnomalyScorer(1, metrics.context()).writeSnapshot(scratch);
        scratch.flip();
        metrics.readSnapshot(scratch);
    }
}
