package io.vigil.gateway.trace;

import io.vigil.engine.StageLatencies;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * The preallocated single-producer, single-consumer ring (Agrona {@link OneToOneRingBuffer}) that carries the stage
 * breakdown of each slow or sampled event from the gateway's network thread, which writes it when it has written the
 * event's answer, to the trace reader ({@link SlowTraces}), and the layout of its records.
 *
 * <p>Each record is {@link #RECORD_BYTES} long, every field little-endian at a fixed offset:
 * <pre>
 *   0 int64 input journal index       8 int64 session id        16 int64 client id      24 int64 client sequence
 *  32 int32 tenant id  36 int32 template id                     40 int64 ingest stamp (epoch ns)
 *  48 int64 ingest stamp to answer written (ns)                 56 int64 flags ({@link #SLOW}, {@link #SAMPLED},
 *                                                                         {@link #SYNTHETIC})
 *  64 int64[10] stage times (ns, -1 not measured), as {@link #STAGES}: the gateway's decode and journal append, the
 *     pipeline's seven stages as it measured them (its tailer pickup <em>contains</em> the journal append), egress
 *     (hand-off to the network thread until written; {@link Trace} shows the time after the output journal instead)
 * </pre>
 *
 * <p>Writing: one producer thread ({@code tryClaim}, {@code commit}: wait-free, allocation-free); reading: one
 * consumer thread. Allocates its buffer once, at construction.
 */
public final class TraceRing {
    /** The message type of a trace record. */
    public static final int MSG_TYPE = 1;

    public static final int INPUT_INDEX = 0;
    public static final int SESSION_ID = 8;
    public static final int CLIENT_ID = 16;
    public static final int CLIENT_SEQUENCE = 24;
    public static final int TENANT_ID = 32;
    public static final int TEMPLATE_ID = 36;
    public static final int INGEST_EPOCH_NS = 40;
    public static final int SINCE_INGEST_NS = 48;
    public static final int FLAGS = 56;
    public static final int STAGES_OFFSET = 64;

    /** The stages of a trace, in the order an event meets them (the names of {@code ServerLatencies}). */
    public static final String[] STAGES = stages();
    public static final int GATEWAY_DECODE = 0;
    public static final int JOURNAL_APPEND = 1;
    /** The first pipeline stage: stage {@code PIPELINE + i} is {@link StageLatencies#STAGES}{@code [i]}. */
    public static final int PIPELINE = 2;
    public static final int TAILER_PICKUP = PIPELINE + StageLatencies.TAILER_PICKUP;
    public static final int EGRESS = PIPELINE + StageLatencies.STAGES.length;

    public static final int RECORD_BYTES = STAGES_OFFSET + STAGES.length * Long.BYTES;

    /** Flag: the event took the slow threshold or longer. */
    public static final long SLOW = 1;
    /** Flag: the event was the 1-in-N sample. */
    public static final long SAMPLED = 2;
    /** Flag: an event of the synthetic prober. */
    public static final long SYNTHETIC = 4;

    /** Default ring capacity: about 1,800 records between two reads of the reader (which reads every 20 ms). */
    public static final int DEFAULT_CAPACITY_BYTES = 256 * 1024;

    private final RingBuffer ring;

    /** @param capacityBytes rounded up to a power of two, at least 4 KiB. */
    public TraceRing(final int capacityBytes) {
        int capacity = 4096;
        while (capacity < capacityBytes) {
            capacity <<= 1;
        }
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    public TraceRing() {
        this(DEFAULT_CAPACITY_BYTES);
    }

    private static String[] stages() {
        final String[] stages = new String[PIPELINE + StageLatencies.STAGES.length + 1];
        stages[GATEWAY_DECODE] = "gateway decode";
        stages[JOURNAL_APPEND] = "journal append";
        System.arraycopy(StageLatencies.STAGES, 0, stages, PIPELINE, StageLatencies.STAGES.length);
        stages[stages.length - 1] = "egress";
        return stages;
    }

    /** The ring itself: the producer claims and commits, the consumer reads. */
    public RingBuffer ring() {
        return ring;
    }
}
