package io.vigil.gateway;

import io.netty.channel.EventLoop;
import io.vigil.engine.ResponseSink;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.invoke.VarHandle;
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
 *
 * <p>The hand-off is a Dekker-style pair: the pipeline publishes an answer, then reads {@code drainScheduled}; the
 * drain clears {@code drainScheduled}, then reads the ring. Each side's store must be visible before its own load,
 * or both can miss the other (see {@link #onResponse}). Not final only so that {@code EgressHandOffTest} can count
 * deliveries without sessions ({@link #deliver}, {@link #afterDrain}).
 */
class Egress implements ResponseSink {
    static final int ANSWER_MSG_TYPE = 1;
    private static final int DRAIN_LIMIT = 4096;
    /**
     * Each answer in the ring: session id, hand-off stamp (System.nanoTime()), client id, tenant id, the event's
     * ingest stamp (epoch ns, 0 if unknown), then the message.
     */
    private static final int PREFIX_BYTES = 5 * Long.BYTES;

    private final RingBuffer ring;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final IdleStrategy fullIdle = new BackoffIdleStrategy(10, 10, 1_000L, 100_000L);
    private final EventLoop eventLoop;
    private final GatewayCore core;
    private final Runnable drainTask = this::drain;
    private final MessageHandler deliverHandler = this::deliver;
    private final long[] handOffNs = new long[DRAIN_LIMIT];
    private final long[] ingestNs = new long[DRAIN_LIMIT];
    private int delivered;
    private ServerLatencies latencies;
    private SloLatencyCounters slo;
    private long waitsForSpace;

    Egress(final int capacityBytes, final EventLoop eventLoop, final GatewayCore core) {
        final int capacity = Integer.highestOneBit(Math.max(capacityBytes, 64 * 1024));
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.eventLoop = eventLoop;
        this.core = core;
    }

    @Override
    public void onResponse(final long sessionId, final DirectBuffer message, final int offset, final int length) {
        onResponse(sessionId, 0, 0, message, offset, length);
    }

    /**
     * An answer goes to its event's session, or, when that is gone or replaced, to the current session of its
     * (tenant, client): never to the same client id under another tenant.
     */
    @Override
    public void onResponse(final long sessionId, final int tenantId, final long clientId, final DirectBuffer message,
        final int offset, final int length) {
        onResponse(sessionId, tenantId, clientId, 0, message, offset, length);
    }

    /** Like the above, with the event's ingest stamp, which the latency SLO measures from. */
    @Override
    public void onResponse(final long sessionId, final int tenantId, final long clientId, final long ingestTimeNs,
        final DirectBuffer message, final int offset, final int length) {
        int index;
        while ((index = ring.tryClaim(ANSWER_MSG_TYPE, PREFIX_BYTES + length)) <= 0) {
            waitsForSpace++;
            scheduleDrain();
            fullIdle.idle();
        }
        fullIdle.reset();
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index, sessionId);
        buffer.putLong(index + Long.BYTES, System.nanoTime());
        buffer.putLong(index + 2 * Long.BYTES, clientId);
        buffer.putLong(index + 3 * Long.BYTES, tenantId);
        buffer.putLong(index + 4 * Long.BYTES, ingestTimeNs);
        buffer.putBytes(index + PREFIX_BYTES, message, offset, length);
        ring.commit(index);
        // commit() is a release store (putIntRelease of the record length) and drainScheduled.get() a volatile load:
        // nothing orders a release store before a later load (StoreLoad; x86's store buffer does reorder them). The
        // load could then see the flag of a drain that has already cleared it and found the ring empty, because this
        // answer was not visible yet: no drain would be scheduled, and the answer would wait for the next one. The
        // full fence makes the answer visible before the flag is read; the drain's side is a volatile store
        // (set(false)) followed by a volatile load of the record length, which the memory model keeps in order.
        VarHandle.fullFence();
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            eventLoop.execute(drainTask);
        }
    }

    private void drain() {
        // cleared before reading: an answer published after this store is either read below or schedules a drain
        drainScheduled.set(false);
        long consumedUpTo;
        do {
            consumedUpTo = ring.consumerPosition();
            delivered = 0;
            ring.read(deliverHandler, DRAIN_LIMIT);
            afterDrain();
            final ServerLatencies latencies = this.latencies;
            final SloLatencyCounters slo = this.slo;
            if (delivered > 0 && (latencies != null || slo != null)) {
                final long writtenNs = System.nanoTime();
                if (latencies != null) {
                    for (int i = 0; i < delivered; i++) {
                        latencies.recordEgress(writtenNs - handOffNs[i]);
                    }
                }
                if (slo != null) {
                    slo.written(writtenNs, ingestNs, delivered);
                }
            }
            // Again while the read consumed anything, not while it returned answers: one read stops at the end of the
            // buffer, and where the producer wrapped, the only record before the end is padding, which read() skips
            // without counting. Stopping on a count of 0 there left the answers at the start of the buffer waiting
            // for the next answer's drain (EgressHandOffTest found it at the first wrap).
        } while (ring.consumerPosition() != consumedUpTo);
    }

    /** After each read of the ring: flushes the sessions written to and resumes reading if the pipeline caught up. */
    void afterDrain() {
        core.sessions.flushDirty();
        core.maybeResume();
    }

    /** Hands one answer from the ring to its session; on the event loop. */
    void deliver(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        final SessionHandler origin = core.sessions.get(buffer.getLong(index));
        final long clientId = buffer.getLong(index + 2 * Long.BYTES);
        final int tenantId = (int)buffer.getLong(index + 3 * Long.BYTES);
        final SessionHandler current = clientId == 0 ? null : core.sessions.current(tenantId, clientId);
        if (origin != null && (current == null || current == origin)) {
            origin.deliverAnswer(buffer, index + PREFIX_BYTES, length - PREFIX_BYTES);
            stamp(buffer, index);
            return;
        }
        if (origin != null) {
            // the client logged on again since: the answer goes to its new session, the old one stops waiting for it
            origin.answerTakenElsewhere();
        }
        if (current != null) {
            current.sendAnswer(buffer, index + PREFIX_BYTES, length - PREFIX_BYTES);
            stamp(buffer, index);
        }
    }

    private void stamp(final MutableDirectBuffer buffer, final int index) {
        handOffNs[delivered] = buffer.getLong(index + Long.BYTES);
        ingestNs[delivered++] = buffer.getLong(index + 4 * Long.BYTES);
    }

    /** Records the egress stage into {@code latencies}; set before the server binds. */
    void latencies(final ServerLatencies latencies) {
        this.latencies = latencies;
    }

    /** Counts the latency SLO's good and total answers; set before the server binds. */
    void slo(final SloLatencyCounters slo) {
        this.slo = slo;
    }

    /** Times the pipeline found the ring full and had to wait; safe to read from any thread roughly. */
    long waitsForSpace() {
        return waitsForSpace;
    }
}
