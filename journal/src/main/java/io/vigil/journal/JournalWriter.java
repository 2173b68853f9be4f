package io.vigil.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

/**
 * Appends records to one journal.
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
    private final byte[] scratch;
    private ExcerptAppender appender;
    private volatile Throwable lastFailure;
    private long failures;
    private long appended;
    private long lastIndex = RecordHeader.NO_INDEX;

    JournalWriter(final ChronicleQueue queue, final int maxPayloadBytes) {
        this.queue = queue;
        this.scratch = new byte[maxPayloadBytes];
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
        if (payloadLength > scratch.length || payloadLength < 0) {
            return FAILED;
        }
        final int length = payloadLength;
        if (lastFailure != null) {
            failures++;
            return FAILED;
        }
        try {
            if (appender == null) {
                appender = queue.createAppender();
            }
            payload.getBytes(payloadOffset, scratch, 0, length);
            try (DocumentContext dc = appender.writingDocument()) {
                final Bytes<?> bytes = dc.wire().bytes();
                bytes.writeLong(timeNs);
                bytes.writeLong(sessionId);
                bytes.writeLong(clientId);
                bytes.writeLong(clientSequence);
                bytes.writeLong(refIndex);
                bytes.writeInt(tenantId);
                bytes.writeShort((short)code);
                bytes.writeShort((short)source);
                bytes.writeInt(length);
                bytes.write(scratch, 0, length);
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
