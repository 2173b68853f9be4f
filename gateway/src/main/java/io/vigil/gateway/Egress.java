package io.vigil.gateway;

import io.netty.channel.EventLoop;
import io.vigil.engine.AnswerTrace;
import io.vigil.engine.ResponseSink;
import io.vigil.engine.StageLatencies;
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
 * <p>{@link #onResponse} is called by the thread running the pipeline, one at a time: the pipeline thread, or the
 * event loop itself when it runs the pipeline inline ({@code Engine.runInline}; the answers then wait for no wake-up,
 * and a full ring is drained on the spot). {@link #drain} runs on the event loop only.
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
    /*
     * Each answer in the ring: a prefix of longs, then the message. Session id, hand-off stamp (System.nanoTime()),
     * client id, tenant id, the event's ingest stamp (epoch ns, 0 if unknown), then what slow-event traces need: input
     * index, client sequence, template id (low 32 bits; SYNTHETIC_BIT for a synthetic probe's event) and the seven
     * pipeline stage times (ns, AnswerTrace.UNKNOWN if not measured).
     */
    static final int SESSION = 0;
    static final int HAND_OFF = 8;
    static final int CLIENT = 16;
    static final int TENANT = 24;
    static final int INGEST = 32;
    static final int INPUT_INDEX = 40;
    static final int SEQUENCE = 48;
    static final int TEMPLATE = 56;
    static final int STAGES = 64;
    static final int PIPELINE_STAGES = StageLatencies.STAGES.length;
    static final long SYNTHETIC_BIT = 1L << 32;
    static final int PREFIX_BYTES = STAGES + PIPELINE_STAGES * Long.BYTES;

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
    private TraceRecorder traces;
    /** The prefixes of the answers delivered by the read in progress, for {@link #traces}; allocated with it. */
    private UnsafeBuffer tracePrefixes;
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
        onResponse(sessionId, tenantId, clientId, ingestTimeNs, null, message, offset, length);
    }

    /** Like the above, with what the pipeline measured (slow-event traces); {@code trace} may be null. */
    @Override
    public void onResponse(final long sessionId, final int tenantId, final long clientId, final long ingestTimeNs,
        final AnswerTrace trace, final DirectBuffer message, final int offset, final int length) {
        int index;
        while ((index = ring.tryClaim(ANSWER_MSG_TYPE, PREFIX_BYTES + length)) <= 0) {
            waitsForSpace++;
            if (eventLoop.inEventLoop()) {
                drain(); // the pipeline runs inline on the event loop (Engine.runInline): nobody else would drain
            } else {
                scheduleDrain();
                fullIdle.idle();
            }
        }
        fullIdle.reset();
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index + SESSION, sessionId);
        buffer.putLong(index + HAND_OFF, System.nanoTime());
        buffer.putLong(index + CLIENT, clientId);
        buffer.putLong(index + TENANT, tenantId);
        buffer.putLong(index + INGEST, ingestTimeNs);
        if (trace != null) {
            buffer.putLong(index + INPUT_INDEX, trace.inputIndex);
            buffer.putLong(index + SEQUENCE, trace.clientSequence);
            buffer.putLong(index + TEMPLATE, (trace.templateId & 0xFFFF_FFFFL) | (trace.synthetic ? SYNTHETIC_BIT : 0));
            final long[] stageNs = trace.stageNs;
            for (int i = 0; i < PIPELINE_STAGES; i++) {
                buffer.putLong(index + STAGES + i * Long.BYTES, stageNs[i]);
            }
        } else {
            buffer.putLong(index + INPUT_INDEX, -1);
            buffer.putLong(index + SEQUENCE, 0);
            buffer.putLong(index + TEMPLATE, 0);
            for (int i = 0; i < PIPELINE_STAGES; i++) {
                buffer.putLong(index + STAGES + i * Long.BYTES, AnswerTrace.UNKNOWN);
            }
        }
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
            final TraceRecorder traces = this.traces;
            if (delivered > 0 && (latencies != null || slo != null || traces != null)) {
                final long writtenNs = System.nanoTime();
                if (latencies != null) {
                    for (int i = 0; i < delivered; i++) {
                        latencies.recordEgress(writtenNs - handOffNs[i]);
                    }
                }
                if (slo != null) {
                    slo.written(writtenNs, ingestNs, delivered);
                }
                if (traces != null) {
                    traces.written(writtenNs, tracePrefixes, PREFIX_BYTES, delivered);
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
        final SessionHandler origin = core.sessions.get(buffer.getLong(index + SESSION));
        final long clientId = buffer.getLong(index + CLIENT);
        final int tenantId = (int)buffer.getLong(index + TENANT);
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
        if (traces != null) {
            // the ring's bytes are gone once the read returns: the trace recorder looks at the copy after the write
            buffer.getBytes(index, tracePrefixes, delivered * PREFIX_BYTES, PREFIX_BYTES);
        }
        handOffNs[delivered] = buffer.getLong(index + HAND_OFF);
        ingestNs[delivered++] = buffer.getLong(index + INGEST);
    }

    /** Records the egress stage into {@code latencies}; set before the server binds. */
    void latencies(final ServerLatencies latencies) {
        this.latencies = latencies;
    }

    /** Counts the latency SLO's good and total answers; set before the server binds. */
    void slo(final SloLatencyCounters slo) {
        this.slo = slo;
    }

    /** Keeps slow and sampled events' stage breakdowns; set before the server binds. */
    void traces(final TraceRecorder traces) {
        this.tracePrefixes = new UnsafeBuffer(ByteBuffer.allocateDirect(DRAIN_LIMIT * PREFIX_BYTES));
        this.traces = traces;
    }

    /** Times the pipeline found the ring full and had to wait; safe to read from any thread roughly. */
    long waitsForSpace() {
        return waitsForSpace;
    }
}
