package io.vigil.engine;

import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RulesSetDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.rules.RulesConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The one place decisions are made: a transaction by {@link DecisionRules} from its model score, anomaly score and
 * features; a metric sample by its series' alert state.
 *
 * <p>The rules start as configured and change at a {@code RulesSet} control record ({@link RulesControl}), from
 * that point of the input journal on. Checkpoint section {@link #SECTION_ID}: whether a control record set the
 * rules and, if so, the thresholds it set (RulesSet's block), so that a restart or a replay from a checkpoint after
 * the change decides with the changed rules. Not thread-safe; allocation-free per event (a control record
 * allocates).
 */
final class RulesStage implements Stage {
    /** Checkpoint section of the rules in effect. */
    static final int SECTION_ID = 3;
    static final int SECTION_VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(RulesStage.class);

    private final DecisionRules configured;
    private DecisionRules rules;
    private boolean controlled;

    RulesStage(final DecisionRules rules) {
        this.configured = rules;
        this.rules = rules;
    }

    DecisionRules rules() {
        return rules;
    }

    @Override
    public String name() {
        return "rules";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.alreadyAnswered) {
            return;
        }
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            slot.decision = rules.decide(slot.modelScore, slot.anomalyScore, slot.features, 0, slot.modelFallback);
        } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
            slot.decision = slot.metricAlert ?
                DecisionRules.pack(DecisionRules.REVIEW, DecisionRules.METRIC_ANOMALY) :
                DecisionRules.pack(DecisionRules.APPROVE, 0);
        }
        if (slot.late) {
            slot.decision |= DecisionRules.LATE_EVENT << 8;
        }
    }

    @Override
    public void onControl(final ControlRecord control) {
        if (control.templateId() != RulesSetDecoder.TEMPLATE_ID) {
            return;
        }
        final RulesConfig changed = RulesControl.decode(control.buffer(), 0);
        rules = configured.withConfig(changed);
        controlled = true;
        LOG.info("rules set at input index {}: {}", Long.toHexString(control.inputIndex()), changed);
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
        final UnsafeBuffer message = new UnsafeBuffer(new byte[64 + RulesSetDecoder.BLOCK_LENGTH]);
        final int length = controlled ? RulesControl.encode(rules.config(), message) : 0;
        final ByteBuffer bytes = ByteBuffer.allocate(Integer.BYTES + length);
        bytes.putInt(length);
        bytes.put(message.byteArray(), 0, length);
        bytes.flip();
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version != SECTION_VERSION) {
            throw new IOException("rules section version " + version + ", this engine reads " + SECTION_VERSION);
        }
        final ByteBuffer lengthBytes = ByteBuffer.allocate(Integer.BYTES);
        readFully(in, lengthBytes);
        final int length = lengthBytes.flip().getInt();
        if (length == 0) {
            rules = configured;
            controlled = false;
            return;
        }
        if (length < 0 || length > 1024) {
            throw new IOException("rules section holds a message of " + length + " bytes");
        }
        final ByteBuffer message = ByteBuffer.allocate(length);
        readFully(in, message);
        try {
            rules = configured.withConfig(RulesControl.decode(new UnsafeBuffer(message.array()), 0));
        } catch (final RuntimeException ex) {
            throw new IOException("rules section: " + ex.getMessage(), ex);
        }
        controlled = true;
    }

    private static void readFully(final ReadableByteChannel in, final ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (in.read(into) < 0) {
                throw new IOException("rules section ends early");
            }
        }
    }

    @Override
    public void clearState() {
        rules = configured;
        controlled = false;
    }
}
