package io.vigil.replay;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Pipeline;
import io.vigil.scoring.features.FeatureSet;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The pipeline observer of {@code replay export}: turns every answered event into a {@link FeatureRow} (the slot's
 * feature vector as the pipeline left it, the answer it produced, lineage from the journal) for a writer.
 *
 * <p>Single-threaded (the replay thread). Allocates a few strings per row (decision, label): an offline tool.
 */
final class FeatureExporter implements Pipeline.Observer {
    /** Where rows go. */
    interface RowWriter extends AutoCloseable {
        void write(FeatureRow row) throws IOException;

        @Override
        void close() throws IOException;
    }

    private final RowWriter writer;
    private final String modelVersion;
    private final FeatureSet featureSet;
    private final FeatureRow row;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final MessageHeaderDecoder answerHeader = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();
    private final MetricSampleDecoder metric = new MetricSampleDecoder();
    private final DecisionDecoder decision = new DecisionDecoder();
    private final RejectDecoder reject = new RejectDecoder();
    private long rows;

    /** @param featureSet the pipeline's ({@link Pipeline#featureSet()}): the rows' width, version and hash. */
    FeatureExporter(final RowWriter writer, final String modelVersion, final FeatureSet featureSet) {
        this.writer = writer;
        this.modelVersion = modelVersion;
        this.featureSet = featureSet;
        this.row = new FeatureRow(featureSet.width());
    }

    @Override
    public void onAnswered(final EventSlot slot, final DirectBuffer answer, final int offset, final int length) {
        if (slot.input.source == io.vigil.journal.RecordHeader.SOURCE_SYNTHETIC) {
            return; // the server's own probe: no business event, no training row
        }
        final FeatureRow r = row;
        r.journalIndex = slot.input.index;
        r.ingestTimeNs = slot.input.timeNs;
        r.eventTimeNs = slot.eventTimeNs;
        r.entityKey = slot.entityKey;
        r.clientSequence = slot.input.clientSequence;
        r.featureSetVersion = featureSet.version();
        r.featureSetHash = featureSet.hash();
        r.anomalyScore = slot.anomalyScore;
        r.modelScore = slot.modelScore;
        r.label = null;
        r.modelVersion = null;
        r.hasFeatures = false;
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            r.eventType = "transaction";
            if (slot.rejectReason == 0) {
                r.hasFeatures = true;
                r.modelVersion = modelVersion;
                System.arraycopy(slot.features, 0, r.features, 0, r.features.length);
            }
            if (slot.input.payloadLength >= MessageHeaderDecoder.ENCODED_LENGTH) {
                header.wrap(slot.input.payload(), 0);
                transaction.wrapAndApplyHeader(slot.input.payload(), 0, header);
                if (transaction.actingVersion() >= TransactionDecoder.labelSinceVersion()) {
                    final Label label = transaction.label();
                    r.label = label == null || label == Label.NULL_VAL ? null : label.name();
                }
            }
        } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
            r.eventType = "metric";
        } else {
            r.eventType = "unknown";
        }
        answerHeader.wrap(answer, offset);
        if (answerHeader.templateId() == DecisionDecoder.TEMPLATE_ID) {
            decision.wrapAndApplyHeader(answer, offset, answerHeader);
            final Action action = decision.action();
            r.decision = action == null ? "ACTION_" + decision.actionRaw() : action.name();
            r.reasons = decision.reasons().getRaw();
        } else {
            reject.wrapAndApplyHeader(answer, offset, answerHeader);
            final RejectReason reason = reject.reason();
            r.decision = "REJECT:" + (reason == null ? Integer.toString(reject.reasonRaw()) : reason.name());
            r.reasons = 0;
        }
        try {
            writer.write(r);
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
        rows++;
    }

    long rows() {
        return rows;
    }
}
