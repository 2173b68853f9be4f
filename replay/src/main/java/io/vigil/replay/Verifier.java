package io.vigil.replay;

import io.vigil.codecs.ReasonNames;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.ResponseSink;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares every answer a replay produces with the answer recorded in the output journal for the same input index,
 * field by field: the output record's header (session, tenant, client, sequence, answered index, template) and every field
 * of the Decision (sequence, journal index, model score and anomaly score bit for bit, model version, action,
 * reasons) or Reject (sequence, reason, journal index, referenced template).
 *
 * <p>Both streams are in input-index order, so they are merged: a recorded answer with no replayed counterpart is
 * <em>extra</em>, a replayed answer with no recorded one <em>missing</em>, a replayed answer after the end of the
 * output journal <em>unrecorded</em> (the recorded run stopped before answering it; not a mismatch).
 *
 * <p>Single-threaded (the replay thread); allocation-free per matching answer, it allocates to describe mismatches.
 */
final class Verifier implements ResponseSink {
    private final JournalReader output;
    private final Journals journals;
    private JournalReader input;
    private final JournalRecord inputRecord = new JournalRecord(0);
    private long lost;
    private final JournalRecord recorded = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final MessageHeaderDecoder recordedHeader = new MessageHeaderDecoder();
    private final DecisionDecoder decision = new DecisionDecoder();
    private final DecisionDecoder recordedDecision = new DecisionDecoder();
    private final RejectDecoder reject = new RejectDecoder();
    private final RejectDecoder recordedReject = new RejectDecoder();
    private final int keep;
    private final List<String> firstMismatches = new ArrayList<>();
    private final StringBuilder fields = new StringBuilder();
    private boolean haveRecorded;
    private boolean outputEnded;
    private long compared;
    private long matched;
    private long mismatched;
    private long missing;
    private long extra;
    private long unrecorded;

    /**
     * @param journals the recorded journals.
     * @param fromIndex first input index replayed and answered (-1: from the start).
     * @param keep      how many mismatches to describe.
     */
    Verifier(final Journals journals, final long fromIndex, final int keep) {
        this.keep = keep;
        this.journals = journals;
        this.output = journals.outputReader();
        if (fromIndex >= 0) {
            final long first = journals.outputSearch().firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, fromIndex);
            if (first == RecordHeader.NO_INDEX) {
                output.toEnd();
            } else {
                output.moveToIndex(first);
            }
        }
    }

    @Override
    public void onResponse(final long sessionId, final DirectBuffer message, final int offset, final int length) {
        onResponse(sessionId, 0, 0, message, offset, length);
    }

    @Override
    public void onResponse(final long sessionId, final int tenantId, final long clientId, final DirectBuffer message,
        final int offset, final int length) {
        header.wrap(message, offset);
        final int template = header.templateId();
        final long index;
        final long sequence;
        if (template == DecisionDecoder.TEMPLATE_ID) {
            decision.wrapAndApplyHeader(message, offset, header);
            index = decision.journalIndex();
            sequence = decision.clientSequence();
        } else {
            reject.wrapAndApplyHeader(message, offset, header);
            index = reject.journalIndex();
            sequence = reject.clientSequence();
        }
        while (true) {
            if (!nextRecorded()) {
                unrecorded++;
                return;
            }
            if (recorded.refIndex < index) {
                recordedOnly();
                haveRecorded = false;
                continue;
            }
            if (recorded.refIndex > index) {
                missing++;
                describe("input index %d (client %d sequence %d): answered by the replay, no recorded answer",
                    index, clientId, sequence);
                return;
            }
            haveRecorded = false;
            compared++;
            compare(sessionId, tenantId, clientId, template, sequence, index);
            return;
        }
    }

    /** A recorded answer the replay did not give: extra, unless its input record is a repair's placeholder. */
    private void recordedOnly() {
        if (input == null) {
            input = journals.inputReader();
        }
        if (input.readAt(recorded.refIndex, inputRecord) && inputRecord.source == RecordHeader.SOURCE_LOST) {
            lost++;
            return;
        }
        extra++;
        describe("input index %d: the recorded run answered it (output index %d), the replay did not",
            recorded.refIndex, recorded.index);
    }

    /** Recorded answers to events whose input record was lost to damage (placeholders). */
    long lost() {
        return lost;
    }

    private boolean nextRecorded() {
        if (!haveRecorded && !outputEnded) {
            haveRecorded = output.read(recorded);
            outputEnded = !haveRecorded;
        }
        return haveRecorded;
    }

    private void compare(final long sessionId, final int tenantId, final long clientId, final int template,
        final long sequence, final long index) {
        fields.setLength(0);
        check("sessionId", recorded.sessionId, sessionId);
        check("tenantId", recorded.tenantId, tenantId);
        check("clientId", recorded.clientId, clientId);
        check("header.clientSequence", recorded.clientSequence, sequence);
        check("templateId", recorded.code, template);
        recordedHeader.wrap(recorded.payload(), 0);
        if (recorded.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH || recordedHeader.templateId() != template) {
            check("message templateId", recorded.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH ? -1 :
                recordedHeader.templateId(), template);
        } else if (template == DecisionDecoder.TEMPLATE_ID) {
            final DecisionDecoder r = recordedDecision.wrapAndApplyHeader(recorded.payload(), 0, recordedHeader);
            check("clientSequence", r.clientSequence(), decision.clientSequence());
            check("journalIndex", r.journalIndex(), decision.journalIndex());
            checkFloat("modelScore", r.modelScore(), decision.modelScore());
            checkFloat("anomalyScore", r.anomalyScore(), decision.anomalyScore());
            checkModelVersion(r);
            check("action", r.actionRaw(), decision.actionRaw());
            checkReasons(r.reasons().getRaw(), decision.reasons().getRaw());
        } else {
            final RejectDecoder r = recordedReject.wrapAndApplyHeader(recorded.payload(), 0, recordedHeader);
            check("clientSequence", r.clientSequence(), reject.clientSequence());
            check("reason", r.reasonRaw(), reject.reasonRaw());
            check("journalIndex", r.journalIndex(), reject.journalIndex());
            check("refTemplateId", r.refTemplateId(), reject.refTemplateId());
        }
        if (fields.length() == 0) {
            matched++;
        } else {
            mismatched++;
            describe("input index %d (output index %d, client %d sequence %d): %s", index, recorded.index, clientId,
                sequence, fields);
        }
    }

    private void check(final String field, final long recordedValue, final long replayedValue) {
        if (recordedValue != replayedValue) {
            fields.append(fields.length() == 0 ? "" : ", ").append(field).append(" recorded ").append(recordedValue)
                .append(" replayed ").append(replayedValue);
        }
    }

    private void checkReasons(final long recorded, final long replayed) {
        if (recorded != replayed) {
            fields.append(fields.length() == 0 ? "" : ", ").append("reasons recorded ").append(ReasonNames.of(recorded))
                .append(" replayed ").append(ReasonNames.of(replayed));
        }
    }

    private void checkFloat(final String field, final float recordedValue, final float replayedValue) {
        if (Float.floatToRawIntBits(recordedValue) != Float.floatToRawIntBits(replayedValue)) {
            fields.append(fields.length() == 0 ? "" : ", ").append(field).append(" recorded ").append(recordedValue)
                .append(" replayed ").append(replayedValue);
        }
    }

    private void checkModelVersion(final DecisionDecoder r) {
        for (int i = 0; i < DecisionDecoder.modelVersionLength(); i++) {
            if (r.modelVersion(i) != decision.modelVersion(i)) {
                fields.append(fields.length() == 0 ? "" : ", ").append("modelVersion recorded ")
                    .append(r.modelVersion()).append(" replayed ").append(decision.modelVersion());
                return;
            }
        }
    }

    private void describe(final String format, final Object... args) {
        if (firstMismatches.size() < keep) {
            firstMismatches.add(String.format(Locale.ROOT, format, args));
        }
    }

    /** After the replay: recorded answers to input events up to {@code lastIndex} never reached are extra. */
    void finish(final long lastIndex) {
        while (lastIndex >= 0 && nextRecorded() && recorded.refIndex <= lastIndex) {
            recordedOnly();
            haveRecorded = false;
        }
        output.close();
        if (input != null) {
            input.close();
        }
    }

    long compared() {
        return compared;
    }

    long matched() {
        return matched;
    }

    /** Answers whose fields differ. */
    long mismatched() {
        return mismatched;
    }

    long missing() {
        return missing;
    }

    long extra() {
        return extra;
    }

    long unrecorded() {
        return unrecorded;
    }

    /** Every kind of disagreement: differing fields, missing and extra answers. */
    long totalMismatches() {
        return mismatched + missing + extra;
    }

    List<String> firstMismatches() {
        return firstMismatches;
    }
}
