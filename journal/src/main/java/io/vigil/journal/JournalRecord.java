package io.vigil.journal;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reusable, mutable view of one journal excerpt: the {@link RecordHeader} fields plus a copy of the payload.
 *
 * <p>Not thread-safe. Allocates its payload buffer once, at construction.
 */
public final class JournalRecord {
    private final UnsafeBuffer payload;

    /** Index of the excerpt in its queue, set by {@link JournalReader}. */
    public long index = RecordHeader.NO_INDEX;
    public long timeNs;
    public long sessionId;
    public long clientId;
    public long clientSequence;
    public long refIndex = RecordHeader.NO_INDEX;
    public int tenantId;
    public int code;
    public int source;
    public int payloadLength;

    public JournalRecord(final int maxPayloadBytes) {
        payload = new UnsafeBuffer(new byte[maxPayloadBytes]);
    }

    /** The payload bytes; the first {@link #payloadLength} are valid. */
    public MutableDirectBuffer payload() {
        return payload;
    }

    /** Bytes the payload buffer can hold. */
    public int payloadCapacity() {
        return payload.capacity();
    }


    @Override
    public String toString() {
        return "JournalRecord{index=" + index + ", timeNs=" + timeNs + ", sessionId=" + sessionId +
            ", clientId=" + clientId + ", clientSequence=" + clientSequence + ", refIndex=" + refIndex +
            ", tenantId=" + tenantId + ", code=" + code + ", source=" + source + ", payloadLength=" + payloadLength + '}';
    }
}
