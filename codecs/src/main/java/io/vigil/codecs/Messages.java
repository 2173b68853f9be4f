package io.vigil.codecs;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Where a frame's SBE message header and body start, and the header's fields read straight from the frame, so that a
 * generated flyweight is wrapped without a separate {@link MessageHeaderDecoder}:
 *
 * <pre>{@code
 * // encode: the header goes after the SOFH, the SOFH is written last
 * encoder.wrapAndApplyHeader(buffer, Messages.headerOffset(frameOffset), headerEncoder).clientSequence(7);
 * final int frameLength = Messages.completeFrame(buffer, frameOffset, encoder.encodedLength());
 *
 * // decode a frame that FrameValidator.validateMessage accepted, acting as the version that wrote it
 * decoder.wrap(buffer, Messages.bodyOffset(frameOffset),
 *     Messages.blockLength(buffer, frameOffset), Messages.version(buffer, frameOffset));
 * }</pre>
 *
 * <p>Stateless and thread-safe; never allocates. The readers expect at least {@link Framing#MIN_FRAME_LENGTH} bytes at
 * {@code frameOffset}.
 */
public final class Messages {
    private Messages() {
    }

    /** Offset of the SBE message header in the frame that starts at {@code frameOffset}. */
    public static int headerOffset(final int frameOffset) {
        return frameOffset + Framing.SOFH_LENGTH;
    }

    /** Offset of the message's root block in the frame that starts at {@code frameOffset}. */
    public static int bodyOffset(final int frameOffset) {
        return frameOffset + Framing.MIN_FRAME_LENGTH;
    }

    /** The root block length the sender's schema version wrote; wrap decoders with it. */
    public static int blockLength(final DirectBuffer buffer, final int frameOffset) {
        return headerField(buffer, frameOffset, MessageHeaderDecoder.blockLengthEncodingOffset());
    }

    /** The message's template id. */
    public static int templateId(final DirectBuffer buffer, final int frameOffset) {
        return headerField(buffer, frameOffset, MessageHeaderDecoder.templateIdEncodingOffset());
    }

    /** The schema id of the message; {@link Framing#SCHEMA_ID} for every Vigil message. */
    public static int schemaId(final DirectBuffer buffer, final int frameOffset) {
        return headerField(buffer, frameOffset, MessageHeaderDecoder.schemaIdEncodingOffset());
    }

    /** The schema version the sender wrote; wrap decoders with it as the acting version. */
    public static int version(final DirectBuffer buffer, final int frameOffset) {
        return headerField(buffer, frameOffset, MessageHeaderDecoder.versionEncodingOffset());
    }

    /**
     * Completes a frame whose message a generated encoder wrote after {@code wrapAndApplyHeader(buffer,
     * headerOffset(frameOffset), headerEncoder)}: writes the SOFH in front of it.
     *
     * @param bodyLength the encoder's {@code encodedLength()}: root block (and any variable data), without the header.
     * @return the whole frame's length, SOFH included.
     */
    public static int completeFrame(final MutableDirectBuffer buffer, final int frameOffset, final int bodyLength) {
        return Framing.writeSofh(buffer, frameOffset, Framing.MESSAGE_HEADER_LENGTH + bodyLength);
    }

    private static int headerField(final DirectBuffer buffer, final int frameOffset, final int fieldOffset) {
        return buffer.getShort(headerOffset(frameOffset) + fieldOffset, MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
    }
}
