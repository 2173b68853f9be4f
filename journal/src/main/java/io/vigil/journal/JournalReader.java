package io.vigil.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads records from one journal, in order from a position, or one at a given index.
 *
 * <p>Single-reader: one instance per reading thread. Allocation-free in steady state.
 */
public final class JournalReader implements AutoCloseable {
    /**
     * Where a record read by {@link #poll(Claim)} goes: lets the caller hand out the destination (for example a
     * ring-buffer slot) only once a record is known to be there.
     */
    public interface Claim {
        /** A destination for the record about to be read. */
        JournalRecord claim();

        /** The record handed out by the last {@link #claim()} is complete. */
        void commit();
    }

    private final ExcerptTailer tailer;

    JournalReader(final ChronicleQueue queue) {
        this.tailer = queue.createTailer();
    }

    /** Positions the reader so that the next record read is the one at {@code index}; false if there is none. */
    public boolean moveToIndex(final long index) {
        return tailer.moveToIndex(index);
    }

    /** Positions the reader before the first record. */
    public JournalReader toStart() {
        tailer.toStart();
        return this;
    }


    /** Positions the reader after the last record. */
    public JournalReader toEnd() {
        tailer.toEnd();
        return this;
    }

    /** The index the next read will return, when positioned on a record. */
    public long index() {
        return tailer.index();
    }

    /**
     * Reads the next record into {@code into}.
     *
     * @return true if a record was read, false if none is available yet.
     */
    public boolean read(final JournalRecord into) {
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            decode(dc.wire().bytes(), dc.index(), into);
            return true;
        }
    }

    /**
     * Reads the next record, if any, into the destination that {@code claim} hands out.
     *
     * @return true if a record was read and committed.
     */
    public boolean poll(final Claim claim) {
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            final JournalRecord into = claim.claim();
            try {
                decode(dc.wire().bytes(), dc.index(), into);
            } finally {
                claim.commit();
            }
            return true;
        }
    }

    /** Reads the record at {@code index}; false if there is none. Moves the reader to the record after it. */
    public boolean readAt(final long index, final JournalRecord into) {
        return tailer.moveToIndex(index) && read(into);
    }

    private static void decode(final Bytes<?> bytes, final long index, final JournalRecord into) {
        into.index = index;
        into.timeNs = bytes.readLong();
        into.sessionId = bytes.readLong();
        into.clientId = bytes.readLong();
        into.clientSequence = bytes.readLong();
        into.refIndex = bytes.readLong();
        into.tenantId = bytes.readInt();
        into.code = bytes.readUnsignedShort();
        into.source = bytes.readUnsignedShort();
        final int length = bytes.readInt();
        final int copy = Math.min(length, Math.min(into.payloadCapacity(), (int)bytes.readRemaining()));
        into.payloadLength = copy;
        final byte[] array = into.payload().byteArray();
        bytes.read(array, 0, copy);
    }

    @Override
    public void close() {
        tailer.close();
    }
}
