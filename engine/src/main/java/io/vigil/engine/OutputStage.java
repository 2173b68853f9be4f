package io.vigil.engine;

import io.vigil.codecs.sbe.Action;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.counters.RejectCounts;
import io.vigil.journal.DeadLetterTrailer;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.DecisionRules;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes each event's answer (the rules stage's Decision, or a Reject), journals it in the output journal, puts
 * rejected events in the dead-letter journal (with the exception text of an INTERNAL_ERROR, see
 * {@link DeadLetterTrailer}), and hands the answer to the {@link ResponseSink}. Events answered before a restart
 * are passed over. An event of the synthetic prober ({@link RecordHeader#SOURCE_SYNTHETIC}) is answered and journaled
 * like any other but left out of the business counts ({@link #answeredByType()}, {@link #decisionsByAction()}); it
 * stays in {@link #answered()} (the pipeline's progress, the journal lag and the availability SLO count it). Not
 * thread-safe; allocation-free per event (an INTERNAL_ERROR's dead letter allocates its text).
 */
final class OutputStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(OutputStage.class);
    private static final int ANSWER_BUFFER_BYTES = 256;
    /** Longest exception text kept in a dead letter, bytes. */
    static final int MAX_ERROR_TEXT_BYTES = 2048;

    private final JournalWriter output;
    private final JournalWriter deadLetters;
    private final ResponseSink sink;
    private final byte[] modelVersion;
    private final byte[] noModelVersion = new byte[DecisionEncoder.modelVersionLength()];
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final DecisionEncoder decisionEncoder = new DecisionEncoder();
    private final RejectEncoder rejectEncoder = new RejectEncoder();
    private final UnsafeBuffer answer = new UnsafeBuffer(new byte[ANSWER_BUFFER_BYTES]);
    private UnsafeBuffer errorLetter;
    private long answered;
    private long rejected;
    private final RejectCounts rejectCounts = new RejectCounts();
    private final long[] answeredByType = new long[CounterType.EVENT_TYPES.length];
    private final long[] decisionsByAction = new long[VigilCounters.ACTIONS.length];
    private final AnswerTrace trace = new AnswerTrace();
    private StageLatencies latencies;
    private Pipeline.Observer observer;

    /**
     * @param output      where answers are journaled; null for a dry run.
     * @param deadLetters where rejected events are journaled; null for a dry run.
     */
    OutputStage(final JournalWriter output, final JournalWriter deadLetters, final ResponseSink sink,
        final String modelVersion) {
        this.output = output;
        this.deadLetters = deadLetters;
        this.sink = sink;
        this.modelVersion = fixedAscii(modelVersion, DecisionEncoder.modelVersionLength());
    }

    /**
     * The bytes the encoder's {@code modelVersion(String)} writes for {@code text} (ASCII, '?' for any other
     * character, zeros after it), once, so that each decision copies them instead of encoding the text again.
     */
    static byte[] fixedAscii(final String text, final int length) {
        if (text.length() > length) {
            throw new IllegalArgumentException("model version '" + text + "' is longer than the " + length +
                " characters a Decision holds");
        }
        final byte[] bytes = new byte[length];
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            bytes[i] = c > 127 ? (byte)'?' : (byte)c;
        }
        return bytes;
    }

    @Override
    public String name() {
        return "output";
    }

    @Override
    public boolean seesRejected() {
        return true;
    }

    void latencies(final StageLatencies latencies) {
        this.latencies = latencies;
    }

    void observer(final Pipeline.Observer observer) {
        this.observer = observer;
    }

    long answered() {
        return answered;
    }

    long rejected() {
        return rejected;
    }

    /** Answered events per event type, as {@link CounterType#EVENT_TYPES} (the pipeline thread only). */
    long[] answeredByType() {
        return answeredByType;
    }

    /** Decisions per action wire value (the pipeline thread only). */
    long[] decisionsByAction() {
        return decisionsByAction;
    }

    /** Rejects by reason since start (the pipeline thread only: published to the counters at batch end). */
    RejectCounts rejectCounts() {
        return rejectCounts;
    }

    /** Records appended to the dead-letter journal since start; the pipeline thread only. */
    long deadLettered() {
        return deadLetters == null ? 0 : deadLetters.appended();
    }

    /** Appends to the output or dead-letter journal that failed since start; the pipeline thread only. */
    long journalFailures() {
        return (output == null ? 0 : output.failures()) + (deadLetters == null ? 0 : deadLetters.failures());
    }

    /** Index of the last answer appended to the output journal, -1 if none; the pipeline thread only. */
    long lastOutputIndex() {
        return output == null ? RecordHeader.NO_INDEX : output.lastIndex();
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.alreadyAnswered) {
            return;
        }
        final int length;
        final int answerTemplateId;
        final boolean synthetic = slot.input.source == RecordHeader.SOURCE_SYNTHETIC;
        if (slot.rejectReason != 0) {
            length = encodeReject(slot);
            answerTemplateId = RejectEncoder.TEMPLATE_ID;
            rejected++;
            rejectCounts.increment(slot.rejectReason);
            deadLetter(slot);
        } else {
            length = encodeDecision(slot, synthetic);
            answerTemplateId = DecisionEncoder.TEMPLATE_ID;
        }
        if (slot.timed) {
            slot.decidedNs = System.nanoTime();
        }
        if (output != null) {
            final long index = output.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
                slot.input.clientSequence, slot.input.index, slot.input.tenantId, answerTemplateId,
                0, answer, 0, length);
            if (index == JournalWriter.FAILED && output.failures() == 1) {
                LOG.error("output journal append failed at input index {}; answers are still sent, and after a " +
                    "restart events without a journaled answer are answered again (logged once)", slot.input.index,
                    output.lastFailure());
            }
        }
        answered++;
        if (!synthetic) {
            final int[] types = CounterType.EVENT_TYPES;
            for (int i = 0; i < types.length; i++) {
                if (types[i] == slot.templateId) {
                    answeredByType[i]++;
                    break;
                }
            }
        }
        final AnswerTrace trace = this.trace;
        if (latencies != null && slot.validatedNs != 0) {
            latencies.record(slot, trace.stageNs);
        } else {
            trace.unknownStages();
        }
        trace.inputIndex = slot.input.index;
        trace.clientSequence = slot.input.clientSequence;
        trace.templateId = slot.templateId;
        trace.synthetic = synthetic;
        sink.onResponse(slot.input.sessionId, slot.input.tenantId, slot.input.clientId, slot.input.timeNs, trace,
            answer, 0, length);
        if (observer != null) {
            observer.onAnswered(slot, answer, 0, length);
        }
    }

    private void deadLetter(final EventSlot slot) {
        if (deadLetters == null) {
            return;
        }
        final long dlqIndex;
        if (slot.error != null) {
            if (errorLetter == null) {
                errorLetter = new UnsafeBuffer(new byte[slot.input.payloadCapacity() + MAX_ERROR_TEXT_BYTES +
                    DeadLetterTrailer.FIXED_BYTES]);
            }
            final String text = slot.errorStage + ": " + slot.error.getClass().getName() +
                (slot.error.getMessage() == null ? "" : ": " + slot.error.getMessage());
            final int length = DeadLetterTrailer.compose(errorLetter, slot.input.payload(), 0, slot.input.payloadLength,
                text, MAX_ERROR_TEXT_BYTES);
            dlqIndex = deadLetters.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
                slot.input.clientSequence, slot.input.index, slot.input.tenantId, slot.rejectReason,
                RecordHeader.SOURCE_ENGINE, errorLetter, 0, length);
        } else {
            dlqIndex = deadLetters.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
                slot.input.clientSequence, slot.input.index, slot.input.tenantId, slot.rejectReason,
                RecordHeader.SOURCE_ENGINE, slot.input.payload(), 0, slot.input.payloadLength);
        }
        if (dlqIndex == JournalWriter.FAILED && deadLetters.failures() == 1) {
            LOG.error("dead-letter journal append failed at input index {}; rejected events are still " +
                "answered and stay in the input and output journals (logged once)", slot.input.index,
                deadLetters.lastFailure());
        }
    }

    private int encodeDecision(final EventSlot slot, final boolean synthetic) {
        final int decision = slot.decision;
        final int action = DecisionRules.action(decision);
        if (!synthetic && action >= 0 && action < decisionsByAction.length) {
            decisionsByAction[action]++;
        }
        final DecisionEncoder encoder = decisionEncoder.wrapAndApplyHeader(answer, 0, headerEncoder)
            .clientSequence(slot.input.clientSequence)
            .journalIndex(slot.input.index)
            .modelScore(slot.modelScore)
            .anomalyScore(slot.anomalyScore)
            .putModelVersion(slot.templateId == TransactionDecoder.TEMPLATE_ID ? modelVersion : noModelVersion, 0)
            .action(Action.get((short)action));
        answer.putInt(encoder.offset() + DecisionEncoder.reasonsEncodingOffset(), DecisionRules.reasons(decision),
            DecisionEncoder.BYTE_ORDER);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private int encodeReject(final EventSlot slot) {
        final RejectEncoder encoder = rejectEncoder.wrapAndApplyHeader(answer, 0, headerEncoder)
            .clientSequence(slot.input.clientSequence)
            .reason(RejectReason.get(slot.rejectReason))
            .journalIndex(slot.input.index)
            .refTemplateId(slot.templateId);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    void close() {
        if (output != null) {
            output.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }
}
