package io.vigil.codecs;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Simple Open Framing Header (SOFH) constants and helpers. Every Vigil frame on the wire is
 * {@code [u32 BE message length][u16 BE encoding type 0x5BE0][SBE message header][SBE body]}, where the
 * message length counts the whole frame including the SOFH itself.
 *
 * <p>Stateless and thread-safe; never allocates.
 */
public final class Framing {
    /** Bytes in the Simple Open Framing Header. */
    public static final int SOFH_LENGTH = 6;
    /** SOFH encoding type for SBE version 1.0, little-endian. */
    public static final int SBE_LE_ENCODING_TYPE = 0x5BE0;
    /** Byte order of the SOFH fields. */
    public static final ByteOrder SOFH_BYTE_ORDER = ByteOrder.BIG_ENDIAN;
    /** Bytes of the SBE message header that follows the SOFH. */
    public static final int MESSAGE_HEADER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH;
    /** Smallest frame that can carry a message: SOFH plus SBE message header. */
    public static final int MIN_FRAME_LENGTH = SOFH_LENGTH + MESSAGE_HEADER_LENGTH;
    /** Default upper bound on a frame, configurable on the server. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 512;
    /** Schema id every Vigil message carries. */
    public static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;
    /** Schema version this build writes. */
    public static final int SCHEMA_VERSION = MessageHeaderDecoder.SCHEMA_VERSION;
    /** {@code Logout.reason}: the normal end of a session. */
    public static final int LOGOUT_NORMAL = 0;
    /**
     * {@code Logout.reason} the server sends when it closes a session because a newer Logon of the same
     * (tenant, client id) replaced it: like every reason of a server Logout, a RejectReason value.
     */
    public static final int LOGOUT_SESSION_REPLACED = io.vigil.codecs.sbe.RejectReason.SESSION_REPLACED.value();

    private Framing() {
    }

    /**
     * Writes the SOFH for a frame whose SBE message (header and body) is {@code messageLength} bytes long.
     *
     * @return the whole frame's length.
     */
    public static int writeSofh(final MutableDirectBuffer buffer, final int offset, final int messageLength) {
        final int frameLength = SOFH_LENGTH + messageLength;
        buffer.putInt(offset, frameLength, SOFH_BYTE_ORDER);
        buffer.putShort(offset + 4, (short)SBE_LE_ENCODING_TYPE, SOFH_BYTE_ORDER);
        return frameLength;
    }

    /** Reads the SOFH message length at {@code offset} as an unsigned value. */
    public static long frameLength(final org.agrona.DirectBuffer buffer, final int offset) {
        return buffer.getInt(offset, SOFH_BYTE_ORDER) & 0xFFFF_FFFFL;
    }

    /** Reads the SOFH encoding type at {@code offset}. */
    public static int encodingType(final org.agrona.DirectBuffer buffer, final int offset) {
        return buffer.getShort(offset + 4, SOFH_BYTE_ORDER) & 0xFFFF;
    }
}
