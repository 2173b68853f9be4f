package io.vigil.codecs;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class FrameValidatorTest {
    private static final int MAX = Framing.DEFAULT_MAX_FRAME_BYTES;
    private static final int[] TEMPLATE_IDS = {
        LogonDecoder.TEMPLATE_ID, LogonAckDecoder.TEMPLATE_ID, RejectDecoder.TEMPLATE_ID, HeartbeatDecoder.TEMPLATE_ID,
        LogoutDecoder.TEMPLATE_ID, TransactionDecoder.TEMPLATE_ID, MetricSampleDecoder.TEMPLATE_ID, DecisionDecoder.TEMPLATE_ID};

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);

    @Test
    void shouldNeedMoreWhileSofhIsIncomplete() {
        TestFrames.writeFrameHeader(buffer, 0, TransactionDecoder.TEMPLATE_ID, TransactionDecoder.BLOCK_LENGTH, Framing.SCHEMA_VERSION);
        for (int available = 0; available < Framing.SOFH_LENGTH; available++) {
            assertEquals(FrameValidator.NEED_MORE, FrameValidator.frameLength(buffer, 0, available, MAX));
        }
    }

    @Test
    void shouldNeedMoreWhileFrameIsTruncated() {
        final int frameLength = TestFrames.writeFrameHeader(
            buffer, 0, TransactionDecoder.TEMPLATE_ID, TransactionDecoder.BLOCK_LENGTH, Framing.SCHEMA_VERSION);
        for (int available = Framing.SOFH_LENGTH; available < frameLength; available++) {
            assertEquals(FrameValidator.NEED_MORE, FrameValidator.frameLength(buffer, 0, available, MAX), "available=" + available);
        }
        assertEquals(frameLength, FrameValidator.frameLength(buffer, 0, frameLength, MAX));
    }

    @Test
    void shouldReturnLengthOfFirstFrameWhenMoreBytesFollow() {
        final int first = TestFrames.writeFrameHeader(buffer, 0, LogoutDecoder.TEMPLATE_ID, LogoutDecoder.BLOCK_LENGTH, Framing.SCHEMA_VERSION);
        final int second = TestFrames.writeFrameHeader(
            buffer, first, HeartbeatDecoder.TEMPLATE_ID, HeartbeatDecoder.BLOCK_LENGTH, Framing.SCHEMA_VERSION);
        assertEquals(first, FrameValidator.frameLength(buffer, 0, first + second, MAX));
        assertEquals(second, FrameValidator.frameLength(buffer, first, second, MAX));
        assertNull(FrameValidator.validateMessage(buffer, first, second));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, Framing.SOFH_LENGTH, Framing.MIN_FRAME_LENGTH - 1})
    void shouldRejectSofhLengthBelowMinimumAsFrameTooShort(final long sofhLength) {
        TestFrames.writeFrameHeader(buffer, 0, sofhLength, Framing.SBE_LE_ENCODING_TYPE, 0, LogoutDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(-RejectReason.FRAME_TOO_SHORT.value(), FrameValidator.frameLength(buffer, 0, Framing.SOFH_LENGTH, MAX));
        assertEquals(-RejectReason.FRAME_TOO_SHORT.value(), FrameValidator.frameLength(buffer, 0, 100, MAX));
    }

    @Test
    void shouldAcceptSofhLengthOfExactlyTheMinimumAtFramingLevel() {
        TestFrames.writeFrameHeader(buffer, 0, Framing.MIN_FRAME_LENGTH, Framing.SBE_LE_ENCODING_TYPE, 0,
            HeartbeatDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(Framing.MIN_FRAME_LENGTH, FrameValidator.frameLength(buffer, 0, Framing.MIN_FRAME_LENGTH, MAX));
        assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, Framing.MIN_FRAME_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(longs = {MAX + 1, 4096, Integer.MAX_VALUE, 0x8000_0000L, 0xFFFF_FFFFL})
    void shouldRejectFrameLongerThanLimit(final long sofhLength) {
        TestFrames.writeFrameHeader(buffer, 0, sofhLength, Framing.SBE_LE_ENCODING_TYPE, 8, HeartbeatDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(-RejectReason.FRAME_TOO_LARGE.value(), FrameValidator.frameLength(buffer, 0, Framing.SOFH_LENGTH, MAX));
    }

    @Test
    void shouldAcceptFrameOfExactlyTheLimit() {
        TestFrames.writeFrameHeader(buffer, 0, MAX, Framing.SBE_LE_ENCODING_TYPE, 8, HeartbeatDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(FrameValidator.NEED_MORE, FrameValidator.frameLength(buffer, 0, MAX - 1, MAX));
        assertEquals(MAX, FrameValidator.frameLength(buffer, 0, MAX, MAX));
        assertNull(FrameValidator.validateMessage(buffer, 0, MAX), "bytes after the root block are ignored");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0000, 0xE05B, 0x5BE1, 0xEB50, 0x5BDF, 0x0001})
    void shouldRejectBadEncodingTypeAsSoonAsSofhIsRead(final int encodingType) {
        TestFrames.writeFrameHeader(buffer, 0, 22, encodingType, 8, HeartbeatDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(-RejectReason.BAD_ENCODING_TYPE.value(), FrameValidator.frameLength(buffer, 0, Framing.SOFH_LENGTH, MAX));
        assertEquals(-RejectReason.BAD_ENCODING_TYPE.value(), FrameValidator.frameLength(buffer, 0, 22, MAX));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7300, 7302, 0xFFFF})
    void shouldRejectUnknownSchemaId(final int schemaId) {
        TestFrames.writeFrameHeader(buffer, 0, 22, Framing.SBE_LE_ENCODING_TYPE, 8, HeartbeatDecoder.TEMPLATE_ID, schemaId, 2);
        assertEquals(22, FrameValidator.frameLength(buffer, 0, 22, MAX));
        assertEquals(RejectReason.UNKNOWN_SCHEMA, FrameValidator.validateMessage(buffer, 0, 22));
    }

    @Test
    void shouldRejectAControlMessageFromAClientAsUnknownTemplate() {
        final int length = Framing.MIN_FRAME_LENGTH + io.vigil.codecs.sbe.RulesSetDecoder.BLOCK_LENGTH;
        TestFrames.writeFrameHeader(buffer, 0, length, Framing.SBE_LE_ENCODING_TYPE,
            io.vigil.codecs.sbe.RulesSetDecoder.BLOCK_LENGTH, io.vigil.codecs.sbe.RulesSetDecoder.TEMPLATE_ID,
            Framing.SCHEMA_ID, Framing.SCHEMA_VERSION);
        assertEquals(RejectReason.UNKNOWN_TEMPLATE, FrameValidator.validateMessage(buffer, 0, length),
            "control records enter the journal through admin paths only");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 6, 9, 12, 21, 99, 0xFFFF})
    void shouldRejectUnknownTemplate(final int templateId) {
        TestFrames.writeFrameHeader(buffer, 0, 64, Framing.SBE_LE_ENCODING_TYPE, 8, templateId, Framing.SCHEMA_ID, 2);
        assertEquals(-1, FrameValidator.minBlockLength(templateId));
        assertEquals(RejectReason.UNKNOWN_TEMPLATE, FrameValidator.validateMessage(buffer, 0, 64));
    }

    @Test
    void shouldRejectBlockShorterThanOldestVersionOfEveryTemplate() {
        for (final int templateId : TEMPLATE_IDS) {
            final int minBlockLength = FrameValidator.minBlockLength(templateId);
            final int frameLength = TestFrames.writeFrameHeader(buffer, 0, templateId, minBlockLength, 1);
            assertNull(FrameValidator.validateMessage(buffer, 0, frameLength), "template " + templateId);

            TestFrames.writeFrameHeader(buffer, 0, frameLength, Framing.SBE_LE_ENCODING_TYPE, minBlockLength - 1, templateId, Framing.SCHEMA_ID, 1);
            assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, frameLength), "template " + templateId);
        }
    }

    @Test
    void shouldRejectBlockLongerThanFrameForEveryTemplate() {
        for (final int templateId : TEMPLATE_IDS) {
            final int blockLength = FrameValidator.minBlockLength(templateId, Framing.SCHEMA_VERSION);
            final int frameLength = Framing.MIN_FRAME_LENGTH + blockLength;
            TestFrames.writeFrameHeader(buffer, 0, frameLength - 1, Framing.SBE_LE_ENCODING_TYPE, blockLength, templateId, Framing.SCHEMA_ID, 2);
            assertEquals(frameLength - 1, FrameValidator.frameLength(buffer, 0, frameLength - 1, MAX));
            assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, frameLength - 1), "template " + templateId);
        }
    }

    @Test
    void shouldRejectBlockLengthOfMaximumUint16() {
        TestFrames.writeFrameHeader(buffer, 0, MAX, Framing.SBE_LE_ENCODING_TYPE, 0xFFFF, DecisionDecoder.TEMPLATE_ID, Framing.SCHEMA_ID, 2);
        assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, MAX));
    }

    @Test
    void shouldRejectTransactionClaimingVersion2WithVersion1Block() {
        // A version 2 Transaction has label at offset 48: a 48-byte block would make the decoder read past the frame.
        final int frameLength = TestFrames.writeFrameHeader(
            buffer, 0, TransactionDecoder.TEMPLATE_ID, FrameValidator.TRANSACTION_V1_BLOCK_LENGTH, 2);
        assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, frameLength));

        TestFrames.writeFrameHeader(buffer, 0, TransactionDecoder.TEMPLATE_ID, FrameValidator.TRANSACTION_V1_BLOCK_LENGTH, 3);
        assertEquals(RejectReason.BAD_BLOCK_LENGTH, FrameValidator.validateMessage(buffer, 0, frameLength));

        TestFrames.writeFrameHeader(buffer, 0, TransactionDecoder.TEMPLATE_ID, FrameValidator.TRANSACTION_V1_BLOCK_LENGTH, 1);
        assertNull(FrameValidator.validateMessage(buffer, 0, frameLength));
    }

    @Test
    void shouldGiveMinimumBlockLengthPerVersion() {
        assertEquals(48, FrameValidator.TRANSACTION_V1_BLOCK_LENGTH);
        assertEquals(48, FrameValidator.minBlockLength(TransactionDecoder.TEMPLATE_ID));
        assertEquals(48, FrameValidator.minBlockLength(TransactionDecoder.TEMPLATE_ID, 0));
        assertEquals(48, FrameValidator.minBlockLength(TransactionDecoder.TEMPLATE_ID, 1));
        assertEquals(49, FrameValidator.minBlockLength(TransactionDecoder.TEMPLATE_ID, 2));
        assertEquals(49, FrameValidator.minBlockLength(TransactionDecoder.TEMPLATE_ID, 0xFFFF));
        assertEquals(DecisionDecoder.BLOCK_LENGTH, FrameValidator.minBlockLength(DecisionDecoder.TEMPLATE_ID, 1));
        assertEquals(-1, FrameValidator.minBlockLength(0, 2));
    }

    @Test
    void shouldRejectFrameShorterThanHeaderInValidateMessage() {
        for (int frameLength = 0; frameLength < Framing.MIN_FRAME_LENGTH; frameLength++) {
            assertEquals(RejectReason.FRAME_TOO_SHORT, FrameValidator.validateMessage(buffer, 0, frameLength));
        }
    }
}
