package io.vigil.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Reads records from one journal, in order from a position, or one at a given index, and verifies each one before it
 * is handed out: its layout and, for version 1 records, its CRC32C ({@link RecordHeader}). A record that fails is
 * never returned; the read throws {@link JournalDamageException} naming the journal and the record's index, and the
 * reader stays before that record.
 *
 * <p>Single-reader: one instance per reading thread, or handed between threads with {@link #handedBetweenThreads()}.
 * Allocation-free in steady state (it holds one record-sized scratch array); it allocates only to report damage.
 */
public final class JournalReader implements AutoCloseable {
    /**
     * Where a record read by {@link #poll(Claim)} goes: lets the caller hand out the destination (for example a
     * ring-buffer slot) only once a record is known to be there and sound.
     */
    public interface Claim {
        /** A destination for the record about to be read. */
        JournalRecord claim();

        /** The record handed out by the last {@link #claim()} is complete. */
        void commit();
    }

    private final ExcerptTailer tailer;
    private final String journal;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[RecordHeader.LENGTH + Journals.MAX_PAYLOAD_BYTES]);
    private final CRC32C crc = new CRC32C();
    private int lastLength;

    JournalReader(final ChronicleQueue queue, final String journal) {
        this.tailer = queue.createTailer();
        this.journal = journal;
    }

    /**
     * Lets more than one thread use this reader, one at a time: the caller guarantees that each use happens-before
     * the next one on another thread (a lock or an atomic hand-over), which Chronicle's own per-thread check cannot
     * see. Returns this.
     */
    public JournalReader handedBetweenThreads() {
        tailer.singleThreadedCheckDisabled(true);
        return this;
    }

    /** Positions the reader so that the next record read is the one at {@code index}; false if there is none. */
    public boolean moveToIndex(final long index) {
        try {
            return tailer.moveToIndex(index);
        } catch (final InternalError | RuntimeException ex) {
            throw unreadable(index, ex);
        }
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
     * @throws JournalDamageException if the next record is not sound (it is not read).
     */
    public boolean read(final JournalRecord into) {
        final long index;
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            index = dc.index();
            verify(dc, index);
            decode(index, into);
            return true;
        } catch (final InternalError ex) {
            // Chronicle maps the files: bytes cut off by a truncation fault when touched
            throw unreadable(tailer.index(), ex);
        }
    }

    /**
     * Reads the next record, if any, into the destination that {@code claim} hands out; the destination is claimed
     * only once the record is known to be sound.
     *
     * @return true if a record was read and committed.
     * @throws JournalDamageException if the next record is not sound (nothing is claimed).
     */
    public boolean poll(final Claim claim) {
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return false;
            }
            final long index = dc.index();
            verify(dc, index);
            final JournalRecord into = claim.claim();
            try {
                decode(index, into);
            } finally {
                claim.commit();
            }
            return true;
        } catch (final InternalError ex) {
            throw unreadable(tailer.index(), ex);
        }
    }

    /**
     * Reads the record at {@code index}; false if there is none. Moves the reader to the record after it.
     *
     * @throws JournalDamageException if that record is not sound.
     */
    public boolean readAt(final long index, final JournalRecord into) {
        return moveToIndex(index) && read(into);
    }

    private void verify(final DocumentContext dc, final long index) {
        final Bytes<?> bytes = dc.wire().bytes();
        final long remaining = bytes.readRemaining();
        final int length = (int)Math.min(remaining, scratch.capacity());
        bytes.read(scratch.byteArray(), 0, length);
        lastLength = length;
        final int check = remaining > scratch.capacity() ? RecordHeader.BAD_LENGTH :
            RecordHeader.check(scratch, length, index, crc);
        if (check < 0) {
            // rolled back by the document context's close: the reader stays before the bad record
            dc.rollbackOnClose();
            throw new JournalDamageException(journal, index, RecordHeader.describe(check));
        }
    }

    private void decode(final long index, final JournalRecord into) {
        final UnsafeBuffer r = scratch;
        into.index = index;
        into.timeNs = r.getLong(RecordHeader.TIME_NS_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.sessionId = r.getLong(RecordHeader.SESSION_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.clientId = r.getLong(RecordHeader.CLIENT_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.clientSequence = r.getLong(RecordHeader.CLIENT_SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.refIndex = r.getLong(RecordHeader.REF_INDEX_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.tenantId = r.getInt(RecordHeader.TENANT_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
        into.code = r.getShort(RecordHeader.CODE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        into.source = r.getShort(RecordHeader.SOURCE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int length = r.getInt(RecordHeader.PAYLOAD_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        // verify() accepted exactly one of the two layouts; the length tells which
        final int headerLength = lastLength == RecordHeader.LENGTH_V0 + length ? RecordHeader.LENGTH_V0 : RecordHeader.LENGTH;
        final int copy = Math.min(length, into.payloadCapacity());
        into.payloadLength = copy;
        r.getBytes(headerLength, into.payload(), 0, copy);
    }

    private JournalDamageException unreadable(final long index, final Throwable cause) {
        return new JournalDamageException(journal, index, "record cannot be read (" + cause.getMessage() + ")", cause);
    }

    @Override
    public void close() {
        tailer.close();
    }
}
