package io.vigil.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Appends records to one journal, in the {@link RecordHeader} layout of version 1: each record carries a CRC32C of
 * its header and payload.
 *
 * <p>Single-writer: one instance per appending thread (Chronicle appenders are bound to the thread that uses them).
 * Allocation-free in steady state; failures are return codes, not exceptions, and the last failure is kept for
 * operators ({@link #lastFailure()}).
 *
 * <p>Fail-stop: after the first failed append (disk full, read-only or failing storage) every later append fails
 * too. A failed append can leave an incomplete excerpt that readers of the same queue instance stop at, and the
 * queue's write lock held, so anything appended after it would be acknowledged yet never read. The journals must be
 * reopened ({@link Journals#reopenAfterFailure}, or a restart) before appends and reads go on.
 */
public final class JournalWriter implements AutoCloseable {
    /** Returned by {@link #append} when the record could not be written. */
    public static final long FAILED = Long.MIN_VALUE;

    private final ChronicleQueue queue;
    private final UnsafeBuffer record;
    private final int maxPayloadBytes;
    private final CRC32C crc = new CRC32C();
    private ExcerptAppender appender;
    private boolean handedBetweenThreads;
    private volatile Throwable lastFailure;
    private long failures;
    private long appended;
    private long lastIndex = RecordHeader.NO_INDEX;

    JournalWriter(final ChronicleQueue queue, final int maxPayloadBytes) {
        this.queue = queue;
        this.maxPayloadBytes = maxPayloadBytes;
        this.record = new UnsafeBuffer(new byte[RecordHeader.LENGTH + maxPayloadBytes]);
    }

    /**
     * Lets one thread at a time append, handed over by the caller with a happens-before edge (a lock, an atomic flag):
     * Chronicle then does not tie the appender to the first thread that used it. For the pipeline's writers, which the
     * pipeline thread and, running the pipeline inline, the gateway's network thread use in turn.
     *
     * @return this writer.
     */
    public JournalWriter handedBetweenThreads() {
        handedBetweenThreads = true;
        if (appender != null) {
            appender.singleThreadedCheckDisabled(true);
        }
        return this;
    }

    /**
     * Appends one record.
     *
     * @return the excerpt's index in the queue, or {@link #FAILED} (disk full, queue closed, payload too large).
     */
    public long append(
        final long timeNs,
        final long sessionId,
        final long clientId,
        final long clientSequence,
        final long refIndex,
        final int tenantId,
        final int code,
        final int source,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength) {
        if (payloadLength > maxPayloadBytes || payloadLength < 0) {
            return FAILED;
        }
        if (lastFailure != null) {
            failures++;
            return FAILED;
        }
        try {
            if (appender == null) {
                appender = queue.createAppender();
                if (handedBetweenThreads) {
                    appender.singleThreadedCheckDisabled(true);
                }
            }
            // the record is assembled in one array (one copy, as before), checksummed, then written in one piece
            final UnsafeBuffer r = record;
            r.putLong(RecordHeader.TIME_NS_OFFSET, timeNs, ByteOrder.LITTLE_ENDIAN);
            r.putLong(RecordHeader.SESSION_ID_OFFSET, sessionId, ByteOrder.LITTLE_ENDIAN);
            r.putLong(RecordHeader.CLIENT_ID_OFFSET, clientId, ByteOrder.LITTLE_ENDIAN);
            r.putLong(RecordHeader.CLIENT_SEQUENCE_OFFSET, clientSequence, ByteOrder.LITTLE_ENDIAN);
            r.putLong(RecordHeader.REF_INDEX_OFFSET, refIndex, ByteOrder.LITTLE_ENDIAN);
            r.putInt(RecordHeader.TENANT_ID_OFFSET, tenantId, ByteOrder.LITTLE_ENDIAN);
            r.putShort(RecordHeader.CODE_OFFSET, (short)code, ByteOrder.LITTLE_ENDIAN);
            r.putShort(RecordHeader.SOURCE_OFFSET, (short)source, ByteOrder.LITTLE_ENDIAN);
            r.putInt(RecordHeader.PAYLOAD_LENGTH_OFFSET, payloadLength, ByteOrder.LITTLE_ENDIAN);
            r.putInt(RecordHeader.VERSION_OFFSET, RecordHeader.VERSION, ByteOrder.LITTLE_ENDIAN); // version + reserved
            r.putInt(RecordHeader.VERSION_OFFSET + 4, 0);
            payload.getBytes(payloadOffset, r, RecordHeader.LENGTH, payloadLength);
            final byte[] bytesOfRecord = r.byteArray();
            try (DocumentContext dc = appender.writingDocument()) {
                // the checksum covers the index the record is written at, known once the document is started
                r.putInt(RecordHeader.CRC_OFFSET, RecordHeader.checksum(bytesOfRecord, payloadLength, dc.index(), crc),
                    ByteOrder.LITTLE_ENDIAN);
                final Bytes<?> bytes = dc.wire().bytes();
                bytes.write(bytesOfRecord, 0, RecordHeader.LENGTH + payloadLength);
            }
            appended++;
            return lastIndex = appender.lastIndexAppended();
        } catch (final RuntimeException | Error ex) {
            failures++;
            lastFailure = ex;
            return FAILED;
        }
    }

    /** Appends a copy of {@code record}'s header fields and payload. */
    public long append(final JournalRecord record) {
        return append(record.timeNs, record.sessionId, record.clientId, record.clientSequence, record.refIndex,
            record.tenantId, record.code, record.source, record.payload(), 0, record.payloadLength);
    }

    /** True once an append failed: this writer refuses every append until the process restarts. */
    public boolean failed() {
        return lastFailure != null;
    }

    /** The most recent failure, or null; for logs and health checks, not for the hot path. */
    public Throwable lastFailure() {
        return lastFailure;
    }

    /** Records appended by this writer since it was created; the appending thread only (counters). */
    public long appended() {
        return appended;
    }

    /** Index of the last record this writer appended, {@link RecordHeader#NO_INDEX} if none; the appending thread only. */
    public long lastIndex() {
        return lastIndex;
    }

    /** Appends that failed since this writer was created. */
    public long failures() {
        return failures;
    }

    @Override
    public void close() {
        if (appender != null) {
            try {
                appender.close();
            } catch (final RuntimeException ex) {
                // an appender that faulted (full disk) may fail to close too; the queue is reopened after it anyway
                lastFailure = lastFailure == null ? ex : lastFailure;
            }
            appender = null;
        }
    }
}
