package io.vigil.journal;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The trailer of a dead letter the pipeline wrote for an event it failed on (reject reason {@code INTERNAL_ERROR}):
 * the payload holds the event's bytes exactly as the input journal has them, then the failure's text, so that tools
 * that re-inject or decode the event read it unchanged and operators see what went wrong.
 *
 * <pre>
 * payload = event bytes | text (UTF-8, "stage: exception class: message") | int32 text length | int32 {@link #MAGIC}
 * </pre>
 * (little-endian). A payload without the magic at its end has no trailer.
 *
 * <p>Stateless and thread-safe; {@link #compose} and {@link #text} allocate (error path and tools only).
 */
public final class DeadLetterTrailer {
    /** "VERR", little-endian. */
    public static final int MAGIC = 0x52524556;
    /** Bytes of the trailer besides the text. */
    public static final int FIXED_BYTES = 2 * Integer.BYTES;

    private DeadLetterTrailer() {
    }

    /**
     * Writes {@code event} followed by the trailer with {@code text} (cut to {@code maxTextBytes}) into {@code dst}
     * at 0, which must hold {@code eventLength + maxTextBytes + FIXED_BYTES}.
     *
     * @return the payload length.
     */
    public static int compose(final MutableDirectBuffer dst, final DirectBuffer event, final int eventOffset,
        final int eventLength, final String text, final int maxTextBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxTextBytes) {
            bytes = java.util.Arrays.copyOf(bytes, maxTextBytes);
        }
        dst.putBytes(0, event, eventOffset, eventLength);
        dst.putBytes(eventLength, bytes);
        dst.putInt(eventLength + bytes.length, bytes.length, ByteOrder.LITTLE_ENDIAN);
        dst.putInt(eventLength + bytes.length + Integer.BYTES, MAGIC, ByteOrder.LITTLE_ENDIAN);
        return eventLength + bytes.length + FIXED_BYTES;
    }

    /** Length of the trailer text of a payload, or -1 when the payload has no trailer. */
    private static int textLength(final DirectBuffer payload, final int length) {
        if (length < FIXED_BYTES || payload.getInt(length - Integer.BYTES, ByteOrder.LITTLE_ENDIAN) != MAGIC) {
            return -1;
        }
        final int textLength = payload.getInt(length - FIXED_BYTES, ByteOrder.LITTLE_ENDIAN);
        return textLength < 0 || textLength > length - FIXED_BYTES ? -1 : textLength;
    }

    /** True when the record's payload ends with a trailer. */
    public static boolean has(final JournalRecord record) {
        return textLength(record.payload(), record.payloadLength) >= 0;
    }

    /** Bytes of the event in the record's payload: all of them when there is no trailer. */
    public static int eventLength(final JournalRecord record) {
        final int textLength = textLength(record.payload(), record.payloadLength);
        return textLength < 0 ? record.payloadLength : record.payloadLength - FIXED_BYTES - textLength;
    }

    /** The failure's text, or null when there is no trailer. */
    public static String text(final JournalRecord record) {
        final int textLength = textLength(record.payload(), record.payloadLength);
        if (textLength < 0) {
            return null;
        }
        final byte[] bytes = new byte[textLength];
        record.payload().getBytes(record.payloadLength - FIXED_BYTES - textLength, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
