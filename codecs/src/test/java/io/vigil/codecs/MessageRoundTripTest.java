package io.vigil.codecs;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.HeartbeatEncoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonAckEncoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogonEncoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.LogoutEncoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.codecs.sbe.ReasonCodesDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message of the schema through the generated encoder, a SOFH frame, {@link FrameValidator} and the generated
 * decoder, every field checked. Frames start at an odd offset: nothing may assume alignment.
 */
@Timeout(10)
class MessageRoundTripTest {
    private static final int FRAME_OFFSET = 3;
    private static final long MAX_UINT32 = 0xFFFF_FFFEL;
    private static final long HIGH_BIT_UINT64 = 0x8000_0000_0000_0001L;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void shouldRoundTripLogon() {
        final LogonEncoder encoder = new LogonEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .credential("open-sesame")
            .tenantId(MAX_UINT32)
            .clientId(HIGH_BIT_UINT64)
            .nextExpectedSequence(-2L)
            .heartbeatIntervalMs(1_000);
        final int frameLength = completeAndValidate(encoder.encodedLength(), LogonEncoder.TEMPLATE_ID, LogonEncoder.BLOCK_LENGTH);

        final LogonDecoder decoder = new LogonDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals("open-sesame", decoder.credential());
        for (int i = "open-sesame".length(); i < LogonDecoder.credentialLength(); i++) {
            assertEquals(0, decoder.credential(i), "credential must be NUL padded");
        }
        assertEquals(MAX_UINT32, decoder.tenantId());
        assertEquals(HIGH_BIT_UINT64, decoder.clientId());
        assertEquals(-2L, decoder.nextExpectedSequence());
        assertEquals(1_000, decoder.heartbeatIntervalMs());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripFullLengthCredential() {
        final String credential = "0123456789abcdef0123456789ABCDEF";
        new LogonEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder).credential(credential);
        final LogonDecoder decoder = new LogonDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(32, credential.length());
        assertEquals(credential, decoder.credential());
    }

    @Test
    void shouldRoundTripLogonAck() {
        final LogonAckEncoder encoder = new LogonAckEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .sessionId(Long.MIN_VALUE + 1)
            .lastJournaledSequence(HIGH_BIT_UINT64)
            .heartbeatIntervalMs(MAX_UINT32)
            .maxFrameBytes(Framing.DEFAULT_MAX_FRAME_BYTES);
        final int frameLength = completeAndValidate(encoder.encodedLength(), LogonAckEncoder.TEMPLATE_ID, LogonAckEncoder.BLOCK_LENGTH);

        final LogonAckDecoder decoder = new LogonAckDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(Long.MIN_VALUE + 1, decoder.sessionId());
        assertEquals(HIGH_BIT_UINT64, decoder.lastJournaledSequence());
        assertEquals(MAX_UINT32, decoder.heartbeatIntervalMs());
        assertEquals(Framing.DEFAULT_MAX_FRAME_BYTES, decoder.maxFrameBytes());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripReject() {
        final RejectEncoder encoder = new RejectEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .clientSequence(HIGH_BIT_UINT64)
            .reason(RejectReason.SEQUENCE_NOT_INCREASING)
            .journalIndex(-1L)
            .refTemplateId(TransactionEncoder.TEMPLATE_ID);
        final int frameLength = completeAndValidate(encoder.encodedLength(), RejectEncoder.TEMPLATE_ID, RejectEncoder.BLOCK_LENGTH);

        final RejectDecoder decoder = new RejectDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(HIGH_BIT_UINT64, decoder.clientSequence());
        assertEquals(RejectReason.SEQUENCE_NOT_INCREASING, decoder.reason());
        assertEquals(-1L, decoder.journalIndex());
        assertEquals(TransactionEncoder.TEMPLATE_ID, decoder.refTemplateId());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripHeartbeat() {
        final HeartbeatEncoder encoder = new HeartbeatEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .timestampNs(1_767_225_600_123_456_789L);
        final int frameLength = completeAndValidate(encoder.encodedLength(), HeartbeatEncoder.TEMPLATE_ID, HeartbeatEncoder.BLOCK_LENGTH);

        final HeartbeatDecoder decoder = new HeartbeatDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(1_767_225_600_123_456_789L, decoder.timestampNs());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripLogout() {
        final LogoutEncoder encoder = new LogoutEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .reason(0xFFFE);
        final int frameLength = completeAndValidate(encoder.encodedLength(), LogoutEncoder.TEMPLATE_ID, LogoutEncoder.BLOCK_LENGTH);

        final LogoutDecoder decoder = new LogoutDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(0xFFFE, decoder.reason());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripTransaction() {
        final TransactionEncoder encoder = new TransactionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .clientSequence(HIGH_BIT_UINT64)
            .eventTimeNs(1_767_225_600_000_000_001L)
            .accountId(-1L)
            .merchantId(7_001L)
            .mcc(0xFFFE)
            .amountMinor(Long.MAX_VALUE)
            .currency("EUR")
            .country("DE")
            .channel(Channel.MOTO)
            .label(Label.FRAUD);
        final int frameLength = completeAndValidate(encoder.encodedLength(), TransactionEncoder.TEMPLATE_ID, TransactionEncoder.BLOCK_LENGTH);

        final TransactionDecoder decoder = new TransactionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(HIGH_BIT_UINT64, decoder.clientSequence());
        assertEquals(1_767_225_600_000_000_001L, decoder.eventTimeNs());
        assertEquals(-1L, decoder.accountId());
        assertEquals(7_001L, decoder.merchantId());
        assertEquals(0xFFFE, decoder.mcc());
        assertEquals(Long.MAX_VALUE, decoder.amountMinor());
        assertEquals("EUR", decoder.currency());
        assertEquals("DE", decoder.country());
        assertEquals(Channel.MOTO, decoder.channel());
        assertEquals(Label.FRAUD, decoder.label());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripMetricSample() {
        final MetricSampleEncoder encoder = new MetricSampleEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .clientSequence(1L)
            .eventTimeNs(-1L)
            .seriesId(HIGH_BIT_UINT64)
            .value(-0.0);
        final int frameLength = completeAndValidate(encoder.encodedLength(), MetricSampleEncoder.TEMPLATE_ID, MetricSampleEncoder.BLOCK_LENGTH);

        final MetricSampleDecoder decoder = new MetricSampleDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(1L, decoder.clientSequence());
        assertEquals(-1L, decoder.eventTimeNs());
        assertEquals(HIGH_BIT_UINT64, decoder.seriesId());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(decoder.value()));
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @Test
    void shouldRoundTripDecision() {
        final DecisionEncoder encoder = new DecisionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder)
            .clientSequence(HIGH_BIT_UINT64)
            .journalIndex(0x0004_A1B2_0000_0007L)
            .modelScore(0.875f)
            .anomalyScore(0.125f)
            .modelVersion("fraud-mlp-v12")
            .action(Action.REVIEW);
        encoder.reasons().clear().mODEL_ELEVATED(true).cARD_TESTING(true).mETRIC_ANOMALY(true);
        final int frameLength = completeAndValidate(encoder.encodedLength(), DecisionEncoder.TEMPLATE_ID, DecisionEncoder.BLOCK_LENGTH);

        final DecisionDecoder decoder = new DecisionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(HIGH_BIT_UINT64, decoder.clientSequence());
        assertEquals(0x0004_A1B2_0000_0007L, decoder.journalIndex());
        assertEquals(0.875f, decoder.modelScore());
        assertEquals(0.125f, decoder.anomalyScore());
        assertEquals("fraud-mlp-v12", decoder.modelVersion());
        assertEquals(Action.REVIEW, decoder.action());
        final ReasonCodesDecoder reasons = decoder.reasons();
        assertEquals((1L << 1) | (1L << 5) | (1L << 7), reasons.getRaw());
        assertFalse(reasons.mODEL_HIGH());
        assertTrue(reasons.mODEL_ELEVATED());
        assertFalse(reasons.aMOUNT_ANOMALY());
        assertFalse(reasons.vELOCITY_ANOMALY());
        assertFalse(reasons.mERCHANT_HOPPING());
        assertTrue(reasons.cARD_TESTING());
        assertFalse(reasons.mODEL_FALLBACK());
        assertTrue(reasons.mETRIC_ANOMALY());
        assertEquals(FRAME_OFFSET + frameLength, decoder.limit());
    }

    @ParameterizedTest
    @EnumSource(value = Channel.class, names = "NULL_VAL", mode = EnumSource.Mode.EXCLUDE)
    void shouldRoundTripEveryChannel(final Channel channel) {
        new TransactionEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder).channel(channel);
        final TransactionDecoder decoder = new TransactionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(channel, decoder.channel());
    }

    @ParameterizedTest
    @EnumSource(value = Label.class, names = "NULL_VAL", mode = EnumSource.Mode.EXCLUDE)
    void shouldRoundTripEveryLabel(final Label label) {
        new TransactionEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder).label(label);
        final TransactionDecoder decoder = new TransactionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(label, decoder.label());
    }

    @ParameterizedTest
    @EnumSource(value = Action.class, names = "NULL_VAL", mode = EnumSource.Mode.EXCLUDE)
    void shouldRoundTripEveryAction(final Action action) {
        new DecisionEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder).action(action);
        final DecisionDecoder decoder = new DecisionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(action, decoder.action());
    }

    @ParameterizedTest
    @EnumSource(value = RejectReason.class, names = "NULL_VAL", mode = EnumSource.Mode.EXCLUDE)
    void shouldRoundTripEveryRejectReason(final RejectReason reason) {
        new RejectEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder).reason(reason);
        final RejectDecoder decoder = new RejectDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(reason, decoder.reason());
        assertEquals(reason.value(), decoder.reasonRaw());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void shouldSetExactlyTheDocumentedReasonBit(final int bit) {
        final DecisionEncoder encoder = new DecisionEncoder().wrapAndApplyHeader(buffer, Messages.headerOffset(FRAME_OFFSET), headerEncoder);
        encoder.reasons().clear();
        switch (bit) {
            case 0: encoder.reasons().mODEL_HIGH(true); break;
            case 1: encoder.reasons().mODEL_ELEVATED(true); break;
            case 2: encoder.reasons().aMOUNT_ANOMALY(true); break;
            case 3: encoder.reasons().vELOCITY_ANOMALY(true); break;
            case 4: encoder.reasons().mERCHANT_HOPPING(true); break;
            case 5: encoder.reasons().cARD_TESTING(true); break;
            case 6: encoder.reasons().mODEL_FALLBACK(true); break;
            default: encoder.reasons().mETRIC_ANOMALY(true); break;
        }
        final DecisionDecoder decoder = new DecisionDecoder().wrap(buffer, Messages.bodyOffset(FRAME_OFFSET),
            Messages.blockLength(buffer, FRAME_OFFSET), Messages.version(buffer, FRAME_OFFSET));
        assertEquals(1L << bit, decoder.reasons().getRaw());
    }

    /** Writes the SOFH, checks the frame's framing and header, and that FrameValidator accepts it; returns its length. */
    private int completeAndValidate(final int bodyLength, final int templateId, final int blockLength) {
        final int frameLength = Messages.completeFrame(buffer, FRAME_OFFSET, bodyLength);
        assertEquals(Framing.MIN_FRAME_LENGTH + blockLength, frameLength);
        assertEquals(frameLength, Framing.frameLength(buffer, FRAME_OFFSET));
        assertEquals(Framing.SBE_LE_ENCODING_TYPE, Framing.encodingType(buffer, FRAME_OFFSET));
        assertEquals(blockLength, Messages.blockLength(buffer, FRAME_OFFSET));
        assertEquals(templateId, Messages.templateId(buffer, FRAME_OFFSET));
        assertEquals(templateId, FrameValidator.templateId(buffer, FRAME_OFFSET));
        assertEquals(Framing.SCHEMA_ID, Messages.schemaId(buffer, FRAME_OFFSET));
        assertEquals(Framing.SCHEMA_VERSION, Messages.version(buffer, FRAME_OFFSET));

        assertEquals(frameLength, FrameValidator.frameLength(buffer, FRAME_OFFSET, frameLength, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertEquals(frameLength, FrameValidator.frameLength(buffer, FRAME_OFFSET, frameLength + 100, frameLength));
        assertEquals(FrameValidator.NEED_MORE, FrameValidator.frameLength(buffer, FRAME_OFFSET, frameLength - 1, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(buffer, FRAME_OFFSET, frameLength));
        return frameLength;
    }
}
