package io.vigil.codecs;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonAckEncoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SBE schema evolution between the current schema (version 4), the first release (version 1, test fixture package
 * {@code io.vigil.codecs.sbe.v1}), the second (version 2, {@code io.vigil.codecs.sbe.v2}) and a hypothetical next
 * release (version 5, package {@code io.vigil.codecs.sbe.v5}): each side decodes the other's frames by wrapping with
 * the block length and version of the header it receives.
 */
@Timeout(10)
class SchemaEvolutionTest {
    /**
     * A Transaction frame exactly as release 1 wrote it. Checked in, never regenerated: if the v1 fixture schema or
     * the encoders drift, {@link #shouldEncodeVersion1TransactionExactlyAsTheCheckedInFixture} fails.
     */
    static final String V1_TRANSACTION_FRAME_HEX =
        "0000003e 5be0" +                      // SOFH: frame length 62, encoding type
        "3000 0a00 851c 0100" +                // header: blockLength 48, templateId 10, schemaId 7301, version 1
        "0100000000000000" +                   // clientSequence 1
        "0000faed51728618" +                   // eventTimeNs 1767225600000000000
        "2a00000000000000" +                   // accountId 42
        "591b000000000000" +                   // merchantId 7001
        "2315" +                               // mcc 5411
        "3930000000000000" +                   // amountMinor 12345
        "455552 4445 01";                      // currency EUR, country DE, channel ECOMMERCE

    private static final String[] MESSAGES = {
        "Logon", "LogonAck", "Reject", "Heartbeat", "Logout", "Transaction", "MetricSample", "Decision"};

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();

    @Test
    void shouldEncodeVersion1TransactionExactlyAsTheCheckedInFixture() {
        final int frameLength = encodeVersion1Transaction(buffer);
        assertEquals(TestFrames.hex(TestFrames.unhex(V1_TRANSACTION_FRAME_HEX), 0, 62), TestFrames.hex(buffer.byteArray(), 0, frameLength));
    }

    @Test
    void shouldDecodeVersion1TransactionWithCurrentDecoder() {
        final UnsafeBuffer frame = new UnsafeBuffer(TestFrames.unhex(V1_TRANSACTION_FRAME_HEX));
        assertEquals(frame.capacity(), FrameValidator.frameLength(frame, 0, frame.capacity(), Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(frame, 0, frame.capacity()));
        assertEquals(1, Messages.version(frame, 0));
        assertEquals(FrameValidator.TRANSACTION_V1_BLOCK_LENGTH, Messages.blockLength(frame, 0));

        final TransactionDecoder decoder = new TransactionDecoder()
            .wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(1L, decoder.clientSequence());
        assertEquals(1_767_225_600_000_000_000L, decoder.eventTimeNs());
        assertEquals(42L, decoder.accountId());
        assertEquals(7_001L, decoder.merchantId());
        assertEquals(5_411, decoder.mcc());
        assertEquals(12_345L, decoder.amountMinor());
        assertEquals("EUR", decoder.currency());
        assertEquals("DE", decoder.country());
        assertEquals(Channel.ECOMMERCE, decoder.channel());
        assertEquals(Label.NULL_VAL, decoder.label(), "a field newer than the sender reads as its null value");
        assertEquals(Label.NULL_VAL.value(), decoder.labelRaw());
        assertEquals(frame.capacity(), decoder.limit());
    }

    @Test
    void shouldDecodeVersion1ClientMessagesWithCurrentDecoders() {
        int frameLength = Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v1.LogonEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v1.MessageHeaderEncoder())
            .credential("old-client").tenantId(3).clientId(77).nextExpectedSequence(5).heartbeatIntervalMs(250)
            .encodedLength());
        assertEquals(1, Messages.version(buffer, 0));
        assertNull(FrameValidator.validateMessage(buffer, 0, frameLength));
        final LogonDecoder logon = new LogonDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals("old-client", logon.credential());
        assertEquals(3, logon.tenantId());
        assertEquals(77, logon.clientId());
        assertEquals(5, logon.nextExpectedSequence());
        assertEquals(250, logon.heartbeatIntervalMs());

        frameLength = Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v1.MetricSampleEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v1.MessageHeaderEncoder())
            .clientSequence(6).eventTimeNs(1_000).seriesId(12).value(99.5)
            .encodedLength());
        assertNull(FrameValidator.validateMessage(buffer, 0, frameLength));
        final MetricSampleDecoder sample = new MetricSampleDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(6, sample.clientSequence());
        assertEquals(1_000, sample.eventTimeNs());
        assertEquals(12, sample.seriesId());
        assertEquals(99.5, sample.value());

        frameLength = Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v1.HeartbeatEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v1.MessageHeaderEncoder())
            .timestampNs(123).encodedLength());
        assertNull(FrameValidator.validateMessage(buffer, 0, frameLength));
        assertEquals(123, new HeartbeatDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0)).timestampNs());
    }

    @Test
    void shouldDecodeCurrentServerMessagesWithVersion1Decoders() {
        Messages.completeFrame(buffer, 0, new LogonAckEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), headerEncoder)
            .sessionId(9).lastJournaledSequence(41).heartbeatIntervalMs(1_000).maxFrameBytes(512).encodedLength());
        final io.vigil.codecs.sbe.v1.LogonAckDecoder ack = new io.vigil.codecs.sbe.v1.LogonAckDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(9, ack.sessionId());
        assertEquals(41, ack.lastJournaledSequence());
        assertEquals(1_000, ack.heartbeatIntervalMs());
        assertEquals(512, ack.maxFrameBytes());

        Messages.completeFrame(buffer, 0, new RejectEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), headerEncoder)
            .clientSequence(42).reason(RejectReason.AMOUNT_OVER_LIMIT).journalIndex(1_234).refTemplateId(10).encodedLength());
        final io.vigil.codecs.sbe.v1.RejectDecoder reject = new io.vigil.codecs.sbe.v1.RejectDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(42, reject.clientSequence());
        assertEquals(io.vigil.codecs.sbe.v1.RejectReason.AMOUNT_OVER_LIMIT, reject.reason());
        assertEquals(1_234, reject.journalIndex());
        assertEquals(10, reject.refTemplateId());

        final DecisionEncoder decision = new DecisionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), headerEncoder)
            .clientSequence(43).journalIndex(1_235).modelScore(0.5f).anomalyScore(0.25f).modelVersion("m2").action(Action.DECLINE);
        decision.reasons().clear().mODEL_HIGH(true);
        final int frameLength = Messages.completeFrame(buffer, 0, decision.encodedLength());
        final io.vigil.codecs.sbe.v1.DecisionDecoder oldDecision = new io.vigil.codecs.sbe.v1.DecisionDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(Framing.SCHEMA_VERSION, oldDecision.actingVersion());
        assertEquals(43, oldDecision.clientSequence());
        assertEquals(1_235, oldDecision.journalIndex());
        assertEquals(0.5f, oldDecision.modelScore());
        assertEquals(0.25f, oldDecision.anomalyScore());
        assertEquals("m2", oldDecision.modelVersion());
        assertEquals(io.vigil.codecs.sbe.v1.Action.DECLINE, oldDecision.action());
        assertTrue(oldDecision.reasons().mODEL_HIGH());
        assertEquals(frameLength, oldDecision.limit());
    }

    @Test
    void shouldDecodeCurrentTransactionWithVersion1DecoderSkippingLabel() {
        final int frameLength = encodeCurrentTransaction(buffer);
        final io.vigil.codecs.sbe.v1.TransactionDecoder decoder = new io.vigil.codecs.sbe.v1.TransactionDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(1L, decoder.clientSequence());
        assertEquals(1_767_225_600_000_000_000L, decoder.eventTimeNs());
        assertEquals(42L, decoder.accountId());
        assertEquals(7_001L, decoder.merchantId());
        assertEquals(5_411, decoder.mcc());
        assertEquals(12_345L, decoder.amountMinor());
        assertEquals("EUR", decoder.currency());
        assertEquals("DE", decoder.country());
        assertEquals(io.vigil.codecs.sbe.v1.Channel.ECOMMERCE, decoder.channel());
        assertEquals(frameLength, decoder.limit(), "the unknown trailing label byte is skipped, not misread");
    }

    @Test
    void shouldDecodeVersion5TransactionWithCurrentDecoder() {
        final int frameLength = Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v5.TransactionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v5.MessageHeaderEncoder())
            .clientSequence(11).eventTimeNs(22).accountId(33).merchantId(44).mcc(5_999).amountMinor(66)
            .currency("JPY").country("JP").channel(io.vigil.codecs.sbe.v5.Channel.ATM).label(io.vigil.codecs.sbe.v5.Label.LEGIT)
            .terminalId(0xABCD_EF01L)
            .encodedLength());
        assertEquals(5, Messages.version(buffer, 0));
        assertEquals(TransactionDecoder.BLOCK_LENGTH + 4, Messages.blockLength(buffer, 0));
        final UnsafeBuffer frame = exactCopy(frameLength);
        assertEquals(frameLength, FrameValidator.frameLength(frame, 0, frameLength, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(frame, 0, frameLength));

        final TransactionDecoder decoder = new TransactionDecoder()
            .wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(11, decoder.clientSequence());
        assertEquals(22, decoder.eventTimeNs());
        assertEquals(33, decoder.accountId());
        assertEquals(44, decoder.merchantId());
        assertEquals(5_999, decoder.mcc());
        assertEquals(66, decoder.amountMinor());
        assertEquals("JPY", decoder.currency());
        assertEquals("JP", decoder.country());
        assertEquals(Channel.ATM, decoder.channel());
        assertEquals(Label.LEGIT, decoder.label());
        assertEquals(frameLength, decoder.limit(), "the newer field is skipped by block length");
    }

    @Test
    void shouldDecodeVersion5DecisionWithCurrentDecoder() {
        final io.vigil.codecs.sbe.v5.DecisionEncoder encoder = new io.vigil.codecs.sbe.v5.DecisionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v5.MessageHeaderEncoder())
            .clientSequence(7).journalIndex(8).modelScore(0.99f).anomalyScore(1.0f).modelVersion("gbm-2027-01")
            .action(io.vigil.codecs.sbe.v5.Action.DECLINE).decidedAtNs(Long.MAX_VALUE);
        encoder.reasons().clear().vELOCITY_ANOMALY(true).mODEL_HIGH(true);
        final int frameLength = Messages.completeFrame(buffer, 0, encoder.encodedLength());
        assertEquals(DecisionDecoder.BLOCK_LENGTH + 8, Messages.blockLength(buffer, 0));
        final UnsafeBuffer frame = exactCopy(frameLength);
        assertNull(FrameValidator.validateMessage(frame, 0, frameLength));

        final DecisionDecoder decoder = new DecisionDecoder()
            .wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(7, decoder.clientSequence());
        assertEquals(8, decoder.journalIndex());
        assertEquals(0.99f, decoder.modelScore());
        assertEquals(1.0f, decoder.anomalyScore());
        assertEquals("gbm-2027-01", decoder.modelVersion());
        assertEquals(Action.DECLINE, decoder.action());
        assertEquals((1L << 0) | (1L << 3), decoder.reasons().getRaw());
        assertEquals(frameLength, decoder.limit());
    }

    @Test
    void shouldReadAppendedFieldsAsNullWhenVersion5DecodesCurrentFrames() {
        encodeCurrentTransaction(buffer);
        final io.vigil.codecs.sbe.v5.TransactionDecoder transaction = new io.vigil.codecs.sbe.v5.TransactionDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(12_345L, transaction.amountMinor());
        assertEquals(io.vigil.codecs.sbe.v5.Label.LEGIT, transaction.label());
        assertEquals(io.vigil.codecs.sbe.v5.TransactionDecoder.terminalIdNullValue(), transaction.terminalId());

        Messages.completeFrame(buffer, 0, new DecisionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), headerEncoder).clientSequence(5).encodedLength());
        final io.vigil.codecs.sbe.v5.DecisionDecoder decision = new io.vigil.codecs.sbe.v5.DecisionDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(5, decision.clientSequence());
        assertEquals(io.vigil.codecs.sbe.v5.DecisionDecoder.decidedAtNsNullValue(), decision.decidedAtNs());
    }

    @Test
    void shouldReadTheReasonOfAServerLogoutWithVersion2Decoders() {
        // a version 2 client has no IDLE_TIMEOUT: Logout.reason is a plain uint16, so it reads the number, never an
        // enum constant it does not know (only Logout carries the reasons added in version 3, never Reject)
        Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.LogoutEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), headerEncoder)
            .reason(RejectReason.IDLE_TIMEOUT.value()).encodedLength());
        final io.vigil.codecs.sbe.v2.LogoutDecoder logout = new io.vigil.codecs.sbe.v2.LogoutDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(27, logout.reason());
        assertEquals(Framing.SCHEMA_VERSION, logout.actingVersion());
    }

    @Test
    void shouldAcceptVersion2ClientFramesAndDecodeThemWithCurrentDecoders() {
        final int frameLength = Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v2.TransactionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v2.MessageHeaderEncoder())
            .clientSequence(-1L).eventTimeNs(Long.MIN_VALUE).accountId(42).merchantId(7_001).mcc(5_411)
            .amountMinor(12_345).currency("EUR").country("DE").channel(io.vigil.codecs.sbe.v2.Channel.MOTO)
            .label(io.vigil.codecs.sbe.v2.Label.FRAUD).encodedLength());
        assertEquals(2, Messages.version(buffer, 0));
        assertNull(FrameValidator.validateMessage(buffer, 0, frameLength));
        final TransactionDecoder decoder = new TransactionDecoder()
            .wrap(buffer, Messages.bodyOffset(0), Messages.blockLength(buffer, 0), Messages.version(buffer, 0));
        assertEquals(-1L, decoder.clientSequence());
        assertEquals(Long.MIN_VALUE, decoder.eventTimeNs());
        assertEquals(Channel.MOTO, decoder.channel());
        assertEquals(Label.FRAUD, decoder.label());
        assertEquals(frameLength, decoder.limit());
    }

    @Test
    void shouldValidateMinimumBlockLengthsAgainstVersion1() throws ReflectiveOperationException {
        for (final String message : MESSAGES) {
            final Class<?> v1 = Class.forName("io.vigil.codecs.sbe.v1." + message + "Decoder");
            final int templateId = v1.getField("TEMPLATE_ID").getInt(null);
            assertEquals(v1.getField("BLOCK_LENGTH").getInt(null), FrameValidator.minBlockLength(templateId), message);
            assertEquals(v1.getField("BLOCK_LENGTH").getInt(null), FrameValidator.minBlockLength(templateId, 1), message);
        }
    }

    @Test
    void shouldOnlyAppendFieldsBetweenVersions() throws ReflectiveOperationException {
        for (final String message : MESSAGES) {
            assertFieldsKept("io.vigil.codecs.sbe.v1." + message + "Decoder", "io.vigil.codecs.sbe.v2." + message + "Decoder");
            assertFieldsKept("io.vigil.codecs.sbe.v2." + message + "Decoder", "io.vigil.codecs.sbe." + message + "Decoder");
            assertFieldsKept("io.vigil.codecs.sbe." + message + "Decoder", "io.vigil.codecs.sbe.v5." + message + "Decoder");
        }
    }

    @Test
    void shouldOnlyAddEnumValuesBetweenVersions() throws ReflectiveOperationException {
        for (final String type : new String[] {"Channel", "Action", "RejectReason"}) {
            assertEnumValuesKept("io.vigil.codecs.sbe.v1." + type, "io.vigil.codecs.sbe." + type);
        }
        for (final String type : new String[] {"Channel", "Label", "Action", "RejectReason"}) {
            assertEnumValuesKept("io.vigil.codecs.sbe.v2." + type, "io.vigil.codecs.sbe." + type);
            assertEnumValuesKept("io.vigil.codecs.sbe." + type, "io.vigil.codecs.sbe.v5." + type);
        }
    }

    private static void assertFieldsKept(final String olderName, final String newerName) throws ReflectiveOperationException {
        final Class<?> older = Class.forName(olderName);
        final Class<?> newer = Class.forName(newerName);
        assertEquals(older.getField("TEMPLATE_ID").getInt(null), newer.getField("TEMPLATE_ID").getInt(null), newerName);
        assertTrue(newer.getField("BLOCK_LENGTH").getInt(null) >= older.getField("BLOCK_LENGTH").getInt(null), newerName);
        int fields = 0;
        for (final Method method : older.getMethods()) {
            final String name = method.getName();
            if (Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 0 &&
                (name.endsWith("EncodingOffset") || name.endsWith("EncodingLength") || name.endsWith("SinceVersion") || name.endsWith("Id"))) {
                assertEquals(method.invoke(null), newer.getMethod(name).invoke(null), newerName + "." + name);
                fields++;
            }
        }
        assertTrue(fields > 0, olderName);
    }

    private static void assertEnumValuesKept(final String olderName, final String newerName) throws ReflectiveOperationException {
        final Class<?> older = Class.forName(olderName);
        final Class<?> newer = Class.forName(newerName);
        final Method olderValue = older.getMethod("value");
        final Method newerValue = newer.getMethod("value");
        for (final Object constant : older.getEnumConstants()) {
            final Object match = newer.getField(((Enum<?>)constant).name()).get(null);
            assertEquals(olderValue.invoke(constant), newerValue.invoke(match), newerName + "." + constant);
        }
    }

    private UnsafeBuffer exactCopy(final int frameLength) {
        final byte[] bytes = new byte[frameLength];
        buffer.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    private static int encodeVersion1Transaction(final UnsafeBuffer buffer) {
        return Messages.completeFrame(buffer, 0, new io.vigil.codecs.sbe.v1.TransactionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new io.vigil.codecs.sbe.v1.MessageHeaderEncoder())
            .clientSequence(1).eventTimeNs(1_767_225_600_000_000_000L).accountId(42).merchantId(7_001).mcc(5_411)
            .amountMinor(12_345).currency("EUR").country("DE").channel(io.vigil.codecs.sbe.v1.Channel.ECOMMERCE)
            .encodedLength());
    }

    static int encodeCurrentTransaction(final UnsafeBuffer buffer) {
        return Messages.completeFrame(buffer, 0, new TransactionEncoder()
            .wrapAndApplyHeader(buffer, Messages.headerOffset(0), new MessageHeaderEncoder())
            .clientSequence(1).eventTimeNs(1_767_225_600_000_000_000L).accountId(42).merchantId(7_001).mcc(5_411)
            .amountMinor(12_345).currency("EUR").country("DE").channel(Channel.ECOMMERCE).label(Label.LEGIT)
            .encodedLength());
    }
}
