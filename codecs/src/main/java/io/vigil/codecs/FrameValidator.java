package io.vigil.codecs;

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
import org.agrona.DirectBuffer;

/**
 * Structural checks of frames before anything reads their fields.
 *
 * <p>Two levels: {@link #frameLength} checks the framing (a failure there means the byte stream can no longer be
 * split into frames, so the connection must close) and {@link #validateMessage} checks the SBE message header of a
 * complete frame (a failure there rejects that frame only). Stateless and thread-safe; never allocates.
 */
public final class FrameValidator {
    /** Returned by {@link #frameLength} while fewer bytes than a SOFH, or than the whole frame, are available. */
    public static final int NEED_MORE = 0;

    private FrameValidator() {
    }

    /**
     * Checks the SOFH at {@code offset}.
     *
     * @param available     bytes readable from {@code offset}.
     * @param maxFrameBytes largest frame accepted.
     * @return the frame length when the whole frame is available, {@link #NEED_MORE} when more bytes are needed, or
     * {@code -reason.value()} for a framing error: {@link RejectReason#FRAME_TOO_SHORT},
     * {@link RejectReason#FRAME_TOO_LARGE} or {@link RejectReason#BAD_ENCODING_TYPE}.
     */
    public static int frameLength(final DirectBuffer buffer, final int offset, final int available, final int maxFrameBytes) {
        if (available < Framing.SOFH_LENGTH) {
            return NEED_MORE;
        }
        if (Framing.encodingType(buffer, offset) != Framing.SBE_LE_ENCODING_TYPE) {
            return -RejectReason.BAD_ENCODING_TYPE.value();
        }
        final long length = Framing.frameLength(buffer, offset);
        if (length < Framing.MIN_FRAME_LENGTH) {
            return -RejectReason.FRAME_TOO_SHORT.value();
        }
        if (length > maxFrameBytes) {
            return -RejectReason.FRAME_TOO_LARGE.value();
        }
        return available >= length ? (int)length : NEED_MORE;
    }

    /**
     * Checks the SBE message header of a complete frame: schema id, known template, and a root block that fits in
     * the frame and is at least as long as that message's block in the schema version the header claims (see
     * {@link #minBlockLength(int, int)}). A frame it accepts can be decoded with a generated decoder wrapped with the
     * header's block length and version without reading outside the frame. Bytes after the root block (a later
     * version's groups or variable data) are allowed and ignored.
     *
     * @return {@code null} when the message may be decoded, else the reason to reject it.
     */
    public static RejectReason validateMessage(final DirectBuffer buffer, final int frameOffset, final int frameLength) {
        final int headerOffset = frameOffset + Framing.SOFH_LENGTH;
        if (frameLength < Framing.MIN_FRAME_LENGTH) {
            return RejectReason.FRAME_TOO_SHORT;
        }
        final int schemaId = buffer.getShort(headerOffset + MessageHeaderDecoder.schemaIdEncodingOffset(), MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
        if (schemaId != Framing.SCHEMA_ID) {
            return RejectReason.UNKNOWN_SCHEMA;
        }
        final int templateId = templateId(buffer, frameOffset);
        // The block must hold every field the claimed version has: a decoder reads fields by acting version, not by
        // block length, so a version 2 Transaction with a version 1 block would have its label read past the block.
        final int version = buffer.getShort(headerOffset + MessageHeaderDecoder.versionEncodingOffset(), MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
        final int minBlockLength = minBlockLength(templateId, version);
        if (minBlockLength < 0) {
            return RejectReason.UNKNOWN_TEMPLATE;
        }
        final int blockLength = buffer.getShort(headerOffset + MessageHeaderDecoder.blockLengthEncodingOffset(), MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
        if (blockLength < minBlockLength || blockLength > frameLength - Framing.MIN_FRAME_LENGTH) {
            return RejectReason.BAD_BLOCK_LENGTH;
        }
        return null;
    }

    /** The template id of the frame at {@code frameOffset}; the frame must be at least {@link Framing#MIN_FRAME_LENGTH} long. */
    public static int templateId(final DirectBuffer buffer, final int frameOffset) {
        return buffer.getShort(frameOffset + Framing.SOFH_LENGTH + MessageHeaderDecoder.templateIdEncodingOffset(), MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
    }

    /**
     * The shortest root block any schema version has written for a template, or -1 for an unknown template.
     * Fields appended in later versions lengthen the block; a decoder tolerates the shorter, older block.
     */
    public static int minBlockLength(final int templateId) {
        return minBlockLength(templateId, 0);
    }

    /**
     * The shortest root block a message of {@code templateId} written as schema {@code version} may have: the block
     * holding every field with {@code sinceVersion <= version}. A version newer than this build's must hold at least
     * this build's fields (fields are only appended), so it gets this build's block length. -1 for an unknown template.
     */
    public static int minBlockLength(final int templateId, final int version) {
        if (templateId == TransactionDecoder.TEMPLATE_ID && version < TransactionDecoder.labelSinceVersion()) {
            return TRANSACTION_V1_BLOCK_LENGTH;
        }
        switch (templateId) {
            case LogonDecoder.TEMPLATE_ID: return LogonDecoder.BLOCK_LENGTH;
            case LogonAckDecoder.TEMPLATE_ID: return LogonAckDecoder.BLOCK_LENGTH;
            case RejectDecoder.TEMPLATE_ID: return RejectDecoder.BLOCK_LENGTH;
            case HeartbeatDecoder.TEMPLATE_ID: return HeartbeatDecoder.BLOCK_LENGTH;
            case LogoutDecoder.TEMPLATE_ID: return LogoutDecoder.BLOCK_LENGTH;
            case TransactionDecoder.TEMPLATE_ID: return TransactionDecoder.BLOCK_LENGTH;
            case MetricSampleDecoder.TEMPLATE_ID: return MetricSampleDecoder.BLOCK_LENGTH;
            case DecisionDecoder.TEMPLATE_ID: return DecisionDecoder.BLOCK_LENGTH;
            default: return -1;
        }
    }

    /** Transaction's root block as schema version 1 wrote it, before {@code label} was appended. */
    public static final int TRANSACTION_V1_BLOCK_LENGTH = TransactionDecoder.labelEncodingOffset();
}
