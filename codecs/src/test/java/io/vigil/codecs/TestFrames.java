package io.vigil.codecs;

import io.vigil.codecs.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;

/** Raw frame writing for tests that need frames the generated encoders would never produce. */
final class TestFrames {
    private TestFrames() {
    }

    /**
     * Writes a SOFH and an SBE message header with the given values at {@code frameOffset}; the body is left as it is.
     */
    static void writeFrameHeader(
        final MutableDirectBuffer buffer,
        final int frameOffset,
        final long sofhLength,
        final int encodingType,
        final int blockLength,
        final int templateId,
        final int schemaId,
        final int version) {
        buffer.putInt(frameOffset, (int)sofhLength, Framing.SOFH_BYTE_ORDER);
        buffer.putShort(frameOffset + 4, (short)encodingType, Framing.SOFH_BYTE_ORDER);
        new MessageHeaderEncoder().wrap(buffer, Messages.headerOffset(frameOffset))
            .blockLength(blockLength)
            .templateId(templateId)
            .schemaId(schemaId)
            .version(version);
    }

    /** Writes a well-formed frame header for a message whose root block is {@code blockLength} bytes. */
    static int writeFrameHeader(
        final MutableDirectBuffer buffer, final int frameOffset, final int templateId, final int blockLength, final int version) {
        final int frameLength = Framing.MIN_FRAME_LENGTH + blockLength;
        writeFrameHeader(buffer, frameOffset, frameLength, Framing.SBE_LE_ENCODING_TYPE, blockLength, templateId, Framing.SCHEMA_ID, version);
        return frameLength;
    }

    /** Hex string, lower case, no separators, of {@code length} bytes at {@code offset}. */
    static String hex(final byte[] bytes, final int offset, final int length) {
        final StringBuilder builder = new StringBuilder(length * 2);
        for (int i = offset; i < offset + length; i++) {
            builder.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
        }
        return builder.toString();
    }

    /** Parses hex digits, ignoring whitespace. */
    static byte[] unhex(final String text) {
        final String digits = text.replaceAll("\\s+", "");
        if ((digits.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        final byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte)Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
