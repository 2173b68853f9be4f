package io.vigil.codecs;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.DirectBuffer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads every field of a frame that {@link FrameValidator} accepted, the way a server must read untrusted input: enums
 * through their raw accessors (an unknown enum value is a validation failure, not an exception), and the decoder
 * wrapped with the header's block length and version. Used on exact-size buffers, where a read outside the frame throws.
 */
final class FrameDecoders {
    private final LogonDecoder logon = new LogonDecoder();
    private final LogonAckDecoder logonAck = new LogonAckDecoder();
    private final RejectDecoder reject = new RejectDecoder();
    private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
    private final LogoutDecoder logout = new LogoutDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();
    private final MetricSampleDecoder metricSample = new MetricSampleDecoder();
    private final DecisionDecoder decision = new DecisionDecoder();
    private final byte[] scratch = new byte[32];
    private long sink;

    /** Decodes every field of the frame at offset 0 of {@code frame}; returns a checksum so nothing is optimised away. */
    long decodeAll(final DirectBuffer frame) {
        final int body = Messages.bodyOffset(0);
        final int blockLength = Messages.blockLength(frame, 0);
        final int version = Messages.version(frame, 0);
        final int limit;
        switch (Messages.templateId(frame, 0)) {
            case LogonDecoder.TEMPLATE_ID:
                logon.wrap(frame, body, blockLength, version);
                sink += logon.getCredential(scratch, 0) + logon.tenantId() + logon.clientId() + logon.nextExpectedSequence() +
                    logon.heartbeatIntervalMs();
                limit = logon.limit();
                break;
            case LogonAckDecoder.TEMPLATE_ID:
                logonAck.wrap(frame, body, blockLength, version);
                sink += logonAck.sessionId() + logonAck.lastJournaledSequence() + logonAck.heartbeatIntervalMs() + logonAck.maxFrameBytes();
                limit = logonAck.limit();
                break;
            case RejectDecoder.TEMPLATE_ID:
                reject.wrap(frame, body, blockLength, version);
                sink += reject.clientSequence() + reject.reasonRaw() + reject.journalIndex() + reject.refTemplateId();
                limit = reject.limit();
                break;
            case HeartbeatDecoder.TEMPLATE_ID:
                heartbeat.wrap(frame, body, blockLength, version);
                sink += heartbeat.timestampNs();
                limit = heartbeat.limit();
                break;
            case LogoutDecoder.TEMPLATE_ID:
                logout.wrap(frame, body, blockLength, version);
                sink += logout.reason();
                limit = logout.limit();
                break;
            case TransactionDecoder.TEMPLATE_ID:
                transaction.wrap(frame, body, blockLength, version);
                sink += transaction.clientSequence() + transaction.eventTimeNs() + transaction.accountId() + transaction.merchantId() +
                    transaction.mcc() + transaction.amountMinor() + transaction.getCurrency(scratch, 0) + transaction.getCountry(scratch, 0) +
                    transaction.channelRaw() + transaction.labelRaw();
                limit = transaction.limit();
                break;
            case MetricSampleDecoder.TEMPLATE_ID:
                metricSample.wrap(frame, body, blockLength, version);
                sink += metricSample.clientSequence() + metricSample.eventTimeNs() + metricSample.seriesId() +
                    Double.doubleToRawLongBits(metricSample.value());
                limit = metricSample.limit();
                break;
            case DecisionDecoder.TEMPLATE_ID:
                decision.wrap(frame, body, blockLength, version);
                sink += decision.clientSequence() + decision.journalIndex() + Float.floatToRawIntBits(decision.modelScore()) +
                    Float.floatToRawIntBits(decision.anomalyScore()) + decision.getModelVersion(scratch, 0) + decision.actionRaw() +
                    decision.reasons().getRaw();
                limit = decision.limit();
                break;
            default:
                fail("FrameValidator accepted unknown template " + Messages.templateId(frame, 0));
                return sink;
        }
        assertTrue(limit <= frame.capacity(), "decoder limit " + limit + " beyond frame of " + frame.capacity());
        return sink;
    }
}
