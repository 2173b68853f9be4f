package io.vigil.gateway;

import io.netty.channel.EventLoop;
import io.vigil.engine.ResponseSink;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries answers from the pipeline thread to the network thread: the pipeline writes each answer into a
 * one-to-one ring buffer and, when no drain is pending, schedules one drain on the event loop, which writes every
 * waiting answer to its session and flushes once.
 *
 * <p>{@link #onResponse} is called by the one pipeline thread only; {@link #drain} runs on the event loop only.
 * Allocation-free per answer; scheduling a drain costs one task object per drain, not per answer. When the ring
 * is full the pipeline waits for the network thread (backpressure), it never drops an answer.
 */
final class Egress implements ResponseSink {
    static final int ANSWER_MSG_TYPE = 1;
    private static final int DRAIN_LIMIT = 4096;

    private final RingBuffer ring;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final IdleStrategy fullIdle = new BackoffIdleStrategy(10, 10, 1_000L, 100_000L);
    private final EventLoop eventLoop;
    private final Sessions sessions;
    private final Runnable drainTask = this::drain;
    private long waitsForSpace;

    Egress(final int capacityBytes, final EventLoop eventLoop, final Sessions sessions) {
        final int capacity = Integer.highestOneBit(Math.max(capacityBytes, 64 * 1024));
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.eventLoop = eventLoop;
        this.sessions = sessions;
    }

    @Override
    public void onResponse(final long sessionId, final DirectBuffer message, final int offset, final int length) {
        int index;
        while ((index = ring.tryClaim(ANSWER_MSG_TYPE, Long.BYTES + length)) <= 0) {
            waitsForSpace++;
            scheduleDrain();
            fullIdle.idle();
        }
        fullIdle.reset();
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index, sessionId);
        buffer.putBytes(index + Long.BYTES, message, offset, length);
        ring.commit(index);
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            eventLoop.execute(drainTask);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        int read;
        do {
            read = ring.read(this::deliver, DRAIN_LIMIT);
        } while (read == DRAIN_LIMIT);
        sessions.flushDirty();
    }

    private void deliver(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        final SessionHandler session = sessions.get(buffer.getLong(index));
        if (session != null) {
            session.sendAnswer(buffer, index + Long.BYTES, length - Long.BYTES);
        }
    }

    /** Times the pipeline found the ring full and had to wait; safe to read from any thread roughly. */
    long waitsForSpace() {
        return waitsForSpace;
    }
}
