package io.vigil.gateway.fuzz;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An executable model of the gateway's session rules and the pipeline's validation rules (docs/protocol.md),
 * written from the documentation, independent of the server's code paths: given the frames a client sends on one
 * fresh connection, it predicts every frame the server sends back (type, sequence, reason, referenced template,
 * whether it carries a journal index) and whether the server closes the connection; {@link #check} compares that
 * with what arrived.
 */
final class SessionModel {
    private static final long MAX_AMOUNT_MINOR = 100_000_000L;
    private static final long MAX_FUTURE_SKEW_NS = 5L * 60 * 1_000_000_000L;
    private static final long MAX_AGE_NS = 7L * 86_400 * 1_000_000_000L;
    private static final Set<String> CURRENCIES = new HashSet<>();

    static {
        for (final Currency currency : Currency.getAvailableCurrencies()) {
            CURRENCIES.add(currency.getCurrencyCode());
        }
    }

    /** One frame the server must send, or (for a pipeline answer at a time bound) one of two. */
    static final class Answer {
        final int templateId;
        final long sequence;
        /** Reject: its reason; Logout: its reason; Heartbeat: the echoed timestamp. */
        final long value;
        final int refTemplateId;
        /** A pipeline answer whose event time is so close to a bound that the ingest time decides: the other answer. */
        final int altReason;

        Answer(final int templateId, final long sequence, final long value, final int refTemplateId, final int altReason) {
            this.templateId = templateId;
            this.sequence = sequence;
            this.value = value;
            this.refTemplateId = refTemplateId;
            this.altReason = altReason;
        }

        static Answer reject(final long sequence, final RejectReason reason, final int refTemplateId) {
            return new Answer(RejectDecoder.TEMPLATE_ID, sequence, reason.value(), refTemplateId, -1);
        }

        /** A pipeline answer: reason 0 is a Decision. */
        static Answer pipeline(final long sequence, final int reason, final int templateId, final int altReason) {
            return new Answer(reason == 0 ? DecisionDecoder.TEMPLATE_ID : RejectDecoder.TEMPLATE_ID, sequence, reason,
                templateId, altReason);
        }

        boolean matchesPipelineAnswer(final Received got) {
            return got.sequence == sequence && (matchesOutcome(got, (int)value) || altReason >= 0 && matchesOutcome(got, altReason));
        }

        private boolean matchesOutcome(final Received got, final int reason) {
            if (reason == 0) {
                return got.templateId == DecisionDecoder.TEMPLATE_ID;
            }
            return got.templateId == RejectDecoder.TEMPLATE_ID && got.value == reason && got.refTemplateId == refTemplateId;
        }

        boolean matchesImmediateAnswer(final Received got) {
            if (got.templateId != templateId) {
                return false;
            }
            switch (templateId) {
                case RejectDecoder.TEMPLATE_ID:
                    return got.sequence == sequence && got.value == value && got.refTemplateId == refTemplateId &&
                        got.journalIndex == -1;
                case HeartbeatDecoder.TEMPLATE_ID:
                case LogoutDecoder.TEMPLATE_ID:
                    return got.value == value;
                case LogonAckDecoder.TEMPLATE_ID:
                    // a fresh client id: nothing journaled yet; the server's frame limit
                    return got.sequence == 0 && got.value == value;
                default:
                    return true;
            }
        }

        @Override
        public String toString() {
            switch (templateId) {
                case RejectDecoder.TEMPLATE_ID:
                    return "Reject(seq " + sequence + ", " + reasonName((int)value) + ", ref " + refTemplateId +
                        (altReason >= 0 ? " or " + reasonName(altReason) : "") + ")";
                case DecisionDecoder.TEMPLATE_ID:
                    return "Decision(seq " + sequence + (altReason >= 0 ? " or " + reasonName(altReason) : "") + ")";
                case LogonAckDecoder.TEMPLATE_ID:
                    return "LogonAck";
                case HeartbeatDecoder.TEMPLATE_ID:
                    return "Heartbeat(" + value + ")";
                case LogoutDecoder.TEMPLATE_ID:
                    return "Logout(" + value + ")";
                default:
                    return "T" + templateId;
            }
        }
    }

    /** One frame the server sent, decoded. */
    static final class Received {
        int templateId;
        long sequence;
        /** As {@link Answer#value}; LogonAck: maxFrameBytes. */
        long value;
        int refTemplateId;
        long journalIndex = -1;

        /** Decisions and the Rejects that carry a journal index come from the pipeline (or are recorded ones resent). */
        boolean fromPipeline() {
            return templateId == DecisionDecoder.TEMPLATE_ID || templateId == RejectDecoder.TEMPLATE_ID && journalIndex != -1;
        }

        @Override
        public String toString() {
            switch (templateId) {
                case RejectDecoder.TEMPLATE_ID:
                    return "Reject(seq " + sequence + ", " + reasonName((int)value) + ", ref " + refTemplateId + ", index " +
                        journalIndex + ")";
                case DecisionDecoder.TEMPLATE_ID:
                    return "Decision(seq " + sequence + ", index " + journalIndex + ")";
                case LogonAckDecoder.TEMPLATE_ID:
                    return "LogonAck(last " + sequence + ", max " + value + ")";
                case HeartbeatDecoder.TEMPLATE_ID:
                    return "Heartbeat(" + value + ")";
                case LogoutDecoder.TEMPLATE_ID:
                    return "Logout(" + value + ")";
                default:
                    return "T" + templateId;
            }
        }
    }

    /** What the server must do with a list of frames. */
    static final class Prediction {
        /** What the gateway writes at once, in frame order: LogonAck, Heartbeats, its Rejects, its Logout. */
        final List<Answer> immediate = new ArrayList<>();
        /** The pipeline's answer to each journaled event, in journal order. */
        final List<Answer> pipeline = new ArrayList<>();
        /**
         * Resends of events journaled on this connection, by sequence: each is answered again with the recorded
         * answer if the pipeline answered the original by then, or not at all when the original's answer is still
         * on its way (it answers both).
         */
        final Map<Long, Integer> resends = new HashMap<>();
        int resendCount;
        /** Frames the server reads and handles (those after a fatal one are never read). */
        int processed;
        /** Whether the server closes the connection after those answers. */
        boolean closes;
        /** Whether that close is the orderly end of a Logout the client asked for: the server's Logout comes last. */
        boolean logsOut;

        int minAnswers() {
            return immediate.size() + pipeline.size();
        }

        int maxAnswers() {
            return minAnswers() + resendCount;
        }

        @Override
        public String toString() {
            return "immediate " + immediate + ", pipeline " + pipeline + ", resends " + resends + (closes ? ", closes" : "");
        }
    }

    private final byte[] credential = new byte[LogonDecoder.credentialLength()];
    private final int maxFrameBytes;

    SessionModel(final String credential, final int maxFrameBytes) {
        final byte[] bytes = credential.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, this.credential, 0, bytes.length);
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * The frames are sent back to back on one connection, each as written (a frame may be malformed); the server
     * journals each accepted event with an ingest time between {@code earliestIngestNs} and {@code latestIngestNs}.
     */
    Prediction predict(final List<byte[]> frames, final long earliestIngestNs, final long latestIngestNs) {
        final Prediction p = new Prediction();
        final byte[] stream = concat(frames);
        final UnsafeBuffer buffer = new UnsafeBuffer(stream);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        boolean loggedOn = false;
        long lastSequence = 0;
        final Set<Long> journaledSequences = new HashSet<>();
        int offset = 0;
        while (offset < stream.length) {
            final int result = FrameValidator.frameLength(buffer, offset, stream.length - offset, maxFrameBytes);
            if (result == FrameValidator.NEED_MORE) {
                // a trailing partial frame: the client closes, the server answers nothing more
                return p;
            }
            p.processed++;
            if (result < 0) {
                p.immediate.add(Answer.reject(0, RejectReason.get(-result), 0));
                p.closes = true;
                return p;
            }
            final RejectReason invalid = FrameValidator.validateMessage(buffer, offset, result);
            final int messageOffset = offset + Framing.SOFH_LENGTH;
            header.wrap(buffer, messageOffset);
            final int templateId = header.templateId();
            if (invalid != null) {
                p.immediate.add(Answer.reject(0, invalid, invalid == RejectReason.UNKNOWN_SCHEMA ? 0 : templateId));
                offset += result;
                continue;
            }
            final int bodyOffset = messageOffset + MessageHeaderDecoder.ENCODED_LENGTH;
            switch (templateId) {
                case LogonDecoder.TEMPLATE_ID:
                    if (loggedOn) {
                        p.immediate.add(Answer.reject(0, RejectReason.ALREADY_LOGGED_ON, templateId));
                    } else if (!credentialMatches(buffer, bodyOffset + LogonDecoder.credentialEncodingOffset())) {
                        p.immediate.add(Answer.reject(0, RejectReason.BAD_CREDENTIAL, templateId));
                        p.closes = true;
                        return p;
                    } else if (buffer.getInt(bodyOffset + LogonDecoder.tenantIdEncodingOffset(),
                        MessageHeaderDecoder.BYTE_ORDER) != 1) {
                        // no credentials file: the shared secret is tenant 1's, whatever the Logon claims
                        p.immediate.add(Answer.reject(0, RejectReason.TENANT_MISMATCH, templateId));
                        p.closes = true;
                        return p;
                    } else {
                        p.immediate.add(new Answer(LogonAckDecoder.TEMPLATE_ID, 0, maxFrameBytes, 0, -1));
                        loggedOn = true;
                    }
                    break;
                case TransactionDecoder.TEMPLATE_ID:
                case MetricSampleDecoder.TEMPLATE_ID: {
                    // both events start their root block with clientSequence
                    final long sequence = buffer.getLong(bodyOffset, MessageHeaderDecoder.BYTE_ORDER);
                    if (!loggedOn) {
                        p.immediate.add(Answer.reject(sequence, RejectReason.NOT_LOGGED_ON, templateId));
                    } else if (sequence < 0) {
                        p.immediate.add(Answer.reject(sequence, RejectReason.SEQUENCE_OUT_OF_RANGE, templateId));
                    } else if (sequence > lastSequence) {
                        lastSequence = sequence;
                        journaledSequences.add(sequence);
                        final int early = validate(buffer, messageOffset, header, templateId, earliestIngestNs);
                        final int late = validate(buffer, messageOffset, header, templateId, latestIngestNs);
                        p.pipeline.add(Answer.pipeline(sequence, early, templateId, early == late ? -1 : late));
                    } else if (journaledSequences.contains(sequence)) {
                        p.resends.merge(sequence, 1, Integer::sum);
                        p.resendCount++;
                    } else {
                        p.immediate.add(Answer.reject(sequence, RejectReason.SEQUENCE_NOT_INCREASING, templateId));
                    }
                    break;
                }
                case LogoutDecoder.TEMPLATE_ID:
                    if (!loggedOn) {
                        p.immediate.add(Answer.reject(0, RejectReason.NOT_LOGGED_ON, templateId));
                        break;
                    }
                    p.immediate.add(new Answer(LogoutDecoder.TEMPLATE_ID, 0, 0, 0, -1));
                    p.closes = true;
                    p.logsOut = true;
                    return p;
                case HeartbeatDecoder.TEMPLATE_ID:
                    if (loggedOn) {
                        final long timestamp = buffer.getLong(bodyOffset + HeartbeatDecoder.timestampNsEncodingOffset(),
                            MessageHeaderDecoder.BYTE_ORDER);
                        p.immediate.add(new Answer(HeartbeatDecoder.TEMPLATE_ID, 0, timestamp, 0, -1));
                    } else {
                        p.immediate.add(Answer.reject(0, RejectReason.NOT_LOGGED_ON, templateId));
                    }
                    break;
                default:
                    // a known template only the server sends
                    p.immediate.add(Answer.reject(0, RejectReason.UNEXPECTED_MESSAGE, templateId));
                    break;
            }
            offset += result;
        }
        return p;
    }

    /**
     * The validation rules of docs/protocol.md, first failing check first; 0 when the event is decided. Decodes with
     * the header's block length and version, as every receiver must.
     */
    private static int validate(final UnsafeBuffer buffer, final int messageOffset, final MessageHeaderDecoder header,
        final int templateId, final long ingestNs) {
        final int bodyOffset = messageOffset + MessageHeaderDecoder.ENCODED_LENGTH;
        if (templateId == MetricSampleDecoder.TEMPLATE_ID) {
            final MetricSampleDecoder sample = new MetricSampleDecoder().wrap(buffer, bodyOffset, header.blockLength(), header.version());
            if (Double.isNaN(sample.value()) || Double.isInfinite(sample.value())) {
                return RejectReason.INVALID_VALUE.value();
            }
            return validateTime(sample.eventTimeNs(), ingestNs);
        }
        final TransactionDecoder tx = new TransactionDecoder().wrap(buffer, bodyOffset, header.blockLength(), header.version());
        if (tx.amountMinor() <= 0) {
            return RejectReason.INVALID_AMOUNT.value();
        }
        if (tx.amountMinor() > MAX_AMOUNT_MINOR) {
            return RejectReason.AMOUNT_OVER_LIMIT.value();
        }
        final byte[] currency = new byte[3];
        for (int i = 0; i < 3; i++) {
            currency[i] = tx.currency(i);
        }
        if (!CURRENCIES.contains(new String(currency, StandardCharsets.ISO_8859_1))) {
            return RejectReason.UNKNOWN_CURRENCY.value();
        }
        if (tx.country(0) < 'A' || tx.country(0) > 'Z' || tx.country(1) < 'A' || tx.country(1) > 'Z') {
            return RejectReason.INVALID_FIELD.value();
        }
        if (tx.channelRaw() > 3) {
            return RejectReason.INVALID_VALUE.value();
        }
        return validateTime(tx.eventTimeNs(), ingestNs);
    }

    /** Exact arithmetic, so that the model cannot share an overflow with the server. */
    private static int validateTime(final long eventTimeNs, final long ingestNs) {
        final BigInteger ahead = BigInteger.valueOf(eventTimeNs).subtract(BigInteger.valueOf(ingestNs));
        if (ahead.compareTo(BigInteger.valueOf(MAX_FUTURE_SKEW_NS)) > 0) {
            return RejectReason.EVENT_TIME_IN_FUTURE.value();
        }
        if (ahead.negate().compareTo(BigInteger.valueOf(MAX_AGE_NS)) > 0) {
            return RejectReason.EVENT_TIME_TOO_OLD.value();
        }
        return 0;
    }

    /**
     * Checks every frame the server sent against the prediction.
     *
     * @return null when they agree, else what differs.
     */
    static String check(final Prediction p, final List<Received> received, final boolean closedByServer) {
        final List<Received> immediate = new ArrayList<>();
        final List<Received> pipeline = new ArrayList<>();
        for (final Received got : received) {
            (got.fromPipeline() ? pipeline : immediate).add(got);
        }
        for (int i = 0; i < Math.max(immediate.size(), p.immediate.size()); i++) {
            if (i >= immediate.size()) {
                return "gateway answer " + i + " missing: expected " + p.immediate.get(i);
            }
            if (i >= p.immediate.size()) {
                return "gateway answer " + i + " unexpected: " + immediate.get(i);
            }
            if (!p.immediate.get(i).matchesImmediateAnswer(immediate.get(i))) {
                return "gateway answer " + i + ": expected " + p.immediate.get(i) + " but got " + immediate.get(i);
            }
        }
        final Map<Long, Answer> bySequence = new HashMap<>();
        for (final Answer answer : p.pipeline) {
            bySequence.put(answer.sequence, answer);
        }
        final Map<Long, Integer> resendsLeft = new HashMap<>(p.resends);
        int next = 0;
        long lastIndex = -1;
        for (int i = 0; i < pipeline.size(); i++) {
            final Received got = pipeline.get(i);
            if (next < p.pipeline.size() && p.pipeline.get(next).matchesPipelineAnswer(got)) {
                if (got.journalIndex <= lastIndex) {
                    return "pipeline answer " + got + " has a journal index not above the previous one's " + lastIndex;
                }
                lastIndex = got.journalIndex;
                next++;
            } else if (resendsLeft.getOrDefault(got.sequence, 0) > 0 && bySequence.get(got.sequence).matchesPipelineAnswer(got)) {
                resendsLeft.merge(got.sequence, -1, Integer::sum);
            } else {
                return "pipeline answer " + i + ": expected " + (next < p.pipeline.size() ? p.pipeline.get(next) : "none") +
                    " (or a resent recorded answer) but got " + got;
            }
        }
        if (next < p.pipeline.size()) {
            return "pipeline answers missing from " + p.pipeline.get(next) + " on (" + (p.pipeline.size() - next) + ")";
        }
        if (p.logsOut && received.get(received.size() - 1).templateId != LogoutDecoder.TEMPLATE_ID) {
            return "the server's Logout must come after every answer, but the last frame is " + received.get(received.size() - 1);
        }
        if (p.closes != closedByServer) {
            return p.closes ? "the server did not close the connection" : "the server closed the connection without a reason";
        }
        return null;
    }

    private static String reasonName(final int reason) {
        for (final RejectReason known : RejectReason.values()) {
            if (known.value() == reason && known != RejectReason.NULL_VAL) {
                return known.name();
            }
        }
        return "reason " + reason;
    }

    private boolean credentialMatches(final UnsafeBuffer buffer, final int offset) {
        for (int i = 0; i < credential.length; i++) {
            if (buffer.getByte(offset + i) != credential[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] concat(final List<byte[]> frames) {
        int length = 0;
        for (final byte[] f : frames) {
            length += f.length;
        }
        final byte[] out = new byte[length];
        int at = 0;
        for (final byte[] f : frames) {
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return out;
    }
}
