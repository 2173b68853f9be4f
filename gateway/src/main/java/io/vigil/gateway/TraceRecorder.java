package io.vigil.gateway;

import io.vigil.engine.AnswerTrace;
import io.vigil.engine.EpochClock;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.trace.TraceRing;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The network thread's part of slow-event traces: remembers each journaled event's gateway stages (decode, journal
 * append) by input index, and, once an answer is written, keeps the full breakdown of the event if it was slow
 * (ingest stamp to answer written at or above the threshold) or is the 1-in-N sample, by copying a few longs into the
 * {@link TraceRing}. When the ring is full the trace is dropped and counted, never waited for.
 *
 * <p>Per event: at ingest two plain stores into a preallocated table ({@link #ingested}); per answer written one
 * compare against the threshold and one decrement of the sample countdown; per kept trace a claim, 18 long stores
 * and a commit of the ring. The counters ({@link CounterType#TRACES_RECORDED}, {@link CounterType#TRACES_DROPPED}) get
 * a release store per drain that changed them.
 *
 * <p>Not thread-safe: the gateway's event loop thread only. Allocation-free after construction.
 */
final class TraceRecorder {
    /**
     * Entries of the ingest table: an event's gateway stages are found if fewer events than this were journaled
     * after it by the time its answer is written (more are in flight only far beyond the backpressure limits).
     */
    static final int INGEST_SLOTS = 1 << 16;
    private static final int MASK = INGEST_SLOTS - 1;

    private final RingBuffer ring;
    private final long thresholdNs;
    private final int sampleEvery;
    private final AtomicCounter recordedCounter;
    private final AtomicCounter droppedCounter;
    /** Per slot: the input index it holds, and its decode (high 32 bits) and append (low 32 bits) times, ns. */
    private final long[] ingestIndex = new long[INGEST_SLOTS];
    private final long[] ingestStages = new long[INGEST_SLOTS];
    private int countdown;
    private long recorded;
    private long dropped;

    /**
     * @param sampleEvery 1 in this many answers is kept whatever its time; 0 for none.
     * @param counters    where the recorded and dropped counts are published; null for none.
     */
    TraceRecorder(final TraceRing ring, final long thresholdNs, final int sampleEvery, final VigilCounters counters) {
        this.ring = ring.ring();
        this.thresholdNs = thresholdNs;
        this.sampleEvery = sampleEvery;
        this.countdown = sampleEvery;
        this.recordedCounter = counters == null ? null : counters.counter(CounterType.TRACES_RECORDED);
        this.droppedCounter = counters == null ? null : counters.counter(CounterType.TRACES_DROPPED);
        java.util.Arrays.fill(ingestIndex, Long.MIN_VALUE);
    }

    /** An event was journaled at {@code inputIndex}: its decode and journal append times, ns. */
    void ingested(final long inputIndex, final long decodeNs, final long appendNs) {
        final int slot = (int)inputIndex & MASK;
        ingestIndex[slot] = inputIndex;
        ingestStages[slot] = (clamp(decodeNs) << 32) | clamp(appendNs);
    }

    private static long clamp(final long ns) {
        return Math.max(0, Math.min(ns, Integer.MAX_VALUE));
    }

    /**
     * {@code count} answers were written by {@code writtenNs} ({@link System#nanoTime()}); answer {@code i}'s egress
     * prefix ({@link Egress}'s layout) is at {@code i * prefixBytes} in {@code prefixes}.
     */
    void written(final long writtenNs, final DirectBuffer prefixes, final int prefixBytes, final int count) {
        final long before = recorded + dropped;
        for (int i = 0; i < count; i++) {
            final int base = i * prefixBytes;
            final long ingestEpochNs = prefixes.getLong(base + Egress.INGEST);
            if (ingestEpochNs == 0) {
                continue;
            }
            final long sinceIngestNs = writtenNs - EpochClock.toNanoTime(ingestEpochNs);
            long flags = sinceIngestNs >= thresholdNs ? TraceRing.SLOW : 0;
            if (sampleEvery > 0 && --countdown == 0) {
                countdown = sampleEvery;
                flags |= TraceRing.SAMPLED;
            }
            if (flags != 0) {
                keep(writtenNs, prefixes, base, ingestEpochNs, sinceIngestNs, flags);
            }
        }
        if (recorded + dropped != before) {
            publish();
        }
    }

    private void keep(final long writtenNs, final DirectBuffer prefix, final int base, final long ingestEpochNs,
        final long sinceIngestNs, final long flags) {
        final int index = ring.tryClaim(TraceRing.MSG_TYPE, TraceRing.RECORD_BYTES);
        if (index <= 0) {
            dropped++;
            return;
        }
        final MutableDirectBuffer out = ring.buffer();
        final long inputIndex = prefix.getLong(base + Egress.INPUT_INDEX);
        final long templateAndFlags = prefix.getLong(base + Egress.TEMPLATE);
        out.putLong(index + TraceRing.INPUT_INDEX, inputIndex);
        out.putLong(index + TraceRing.SESSION_ID, prefix.getLong(base + Egress.SESSION));
        out.putLong(index + TraceRing.CLIENT_ID, prefix.getLong(base + Egress.CLIENT));
        out.putLong(index + TraceRing.CLIENT_SEQUENCE, prefix.getLong(base + Egress.SEQUENCE));
        out.putInt(index + TraceRing.TENANT_ID, (int)prefix.getLong(base + Egress.TENANT));
        out.putInt(index + TraceRing.TEMPLATE_ID, (int)templateAndFlags);
        out.putLong(index + TraceRing.INGEST_EPOCH_NS, ingestEpochNs);
        out.putLong(index + TraceRing.SINCE_INGEST_NS, sinceIngestNs);
        out.putLong(index + TraceRing.FLAGS, (templateAndFlags & Egress.SYNTHETIC_BIT) != 0 ? flags | TraceRing.SYNTHETIC : flags);
        final int stages = index + TraceRing.STAGES_OFFSET;
        final int slot = (int)inputIndex & MASK;
        if (ingestIndex[slot] == inputIndex) {
            final long packed = ingestStages[slot];
            out.putLong(stages + TraceRing.GATEWAY_DECODE * Long.BYTES, packed >>> 32);
            out.putLong(stages + TraceRing.JOURNAL_APPEND * Long.BYTES, packed & 0xFFFF_FFFFL);
        } else {
            out.putLong(stages + TraceRing.GATEWAY_DECODE * Long.BYTES, AnswerTrace.UNKNOWN);
            out.putLong(stages + TraceRing.JOURNAL_APPEND * Long.BYTES, AnswerTrace.UNKNOWN);
        }
        for (int s = 0; s < Egress.PIPELINE_STAGES; s++) {
            out.putLong(stages + (TraceRing.PIPELINE + s) * Long.BYTES, prefix.getLong(base + Egress.STAGES + s * Long.BYTES));
        }
        out.putLong(stages + TraceRing.EGRESS * Long.BYTES,
            Math.max(0, writtenNs - prefix.getLong(base + Egress.HAND_OFF)));
        ring.commit(index);
        recorded++;
    }

    private void publish() {
        if (recordedCounter != null) {
            recordedCounter.setRelease(recorded);
            droppedCounter.setRelease(dropped);
        }
    }

    /** Traces handed to the ring since start; the network thread (others read the counter). */
    long recorded() {
        return recorded;
    }

    /** Traces dropped because the ring was full; the network thread (others read the counter). */
    long dropped() {
        return dropped;
    }
}
