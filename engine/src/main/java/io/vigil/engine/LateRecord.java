package io.vigil.engine;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of a record of the late side journal ({@code late/}): an event that arrived behind the watermark by more than
 * the allowed lateness, answered TOO_LATE and not applied. The journal header is that of the input record (ingest
 * time, session, client, sequence, tenant), with {@code refIndex} the event's input index, {@code code} its template
 * id and {@code source} {@link io.vigil.journal.RecordHeader#SOURCE_ENGINE}. The payload is the event's SBE message
 * as journaled, then a trailer of {@link #TRAILER_BYTES}, little-endian:
 *
 * <pre>
 *  0 int64 latenessNs    how far the event time lay behind the watermark
 *  8 int64 watermarkNs   the pipeline's watermark when the event arrived
 * 16 int64 allowedNs     the allowed lateness it exceeded
 * 24 int32 eventLength   bytes of the SBE message before the trailer
 * 28 int32 magic         {@link #MAGIC} ("LATE")
 * </pre>
 *
 * Stateless; allocation-free.
 */
public final class LateRecord {
    public static final int TRAILER_BYTES = 32;
    public static final int MAGIC = 0x4554414c;

    private LateRecord() {
    }

    /** Writes the event and the trailer at 0 of {@code into}; returns the payload length. */
    static int compose(final MutableDirectBuffer into, final DirectBuffer event, final int eventLength, final long latenessNs,
        final long watermarkNs, final long allowedNs) {
        into.putBytes(0, event, 0, eventLength);
        into.putLong(eventLength, latenessNs, ByteOrder.LITTLE_ENDIAN);
        into.putLong(eventLength + 8, watermarkNs, ByteOrder.LITTLE_ENDIAN);
        into.putLong(eventLength + 16, allowedNs, ByteOrder.LITTLE_ENDIAN);
        into.putInt(eventLength + 24, eventLength, ByteOrder.LITTLE_ENDIAN);
        into.putInt(eventLength + 28, MAGIC, ByteOrder.LITTLE_ENDIAN);
        return eventLength + TRAILER_BYTES;
    }

    /** True when a payload of {@code length} bytes ends with a late trailer. */
    public static boolean isLate(final DirectBuffer payload, final int length) {
        return length >= TRAILER_BYTES && payload.getInt(length - 4, ByteOrder.LITTLE_ENDIAN) == MAGIC &&
            payload.getInt(length - 8, ByteOrder.LITTLE_ENDIAN) == length - TRAILER_BYTES;
    }

    public static int eventLength(final DirectBuffer payload, final int length) {
        return length - TRAILER_BYTES;
    }

    public static long latenessNs(final DirectBuffer payload, final int length) {
        return payload.getLong(length - TRAILER_BYTES, ByteOrder.LITTLE_ENDIAN);
    }

    public static long watermarkNs(final DirectBuffer payload, final int length) {
        return payload.getLong(length - TRAILER_BYTES + 8, ByteOrder.LITTLE_ENDIAN);
    }

    public static long allowedNs(final DirectBuffer payload, final int length) {
        return payload.getLong(length - TRAILER_BYTES + 16, ByteOrder.LITTLE_ENDIAN);
    }
}
