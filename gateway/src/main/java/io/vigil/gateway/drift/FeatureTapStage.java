package io.vigil.gateway.drift;

import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Stage;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;

/**
 * The pipeline's side of feature drift: a stage right after the features stage that copies one transaction's
 * feature vector in {@code sampleOneIn} (with its tenant and event time) into the drift ring, a preallocated Agrona
 * single-producer ring read by the drift thread ({@link FeatureDriftMonitor}). It never waits: when the ring is full
 * the vector is dropped and counted. Events answered before a restart (recovery) are not sampled again. Record
 * layout ({@link #RECORD_BYTES}, little-endian): int64 tenant, int64 event time (ns), then the vector's floats.
 *
 * <p>The counts go to {@code FEATURE_DRIFT_SAMPLES} and {@code FEATURE_DRIFT_DROPPED} at each batch end (one release
 * store each), continuing from their values (an engine restarted in the same process adds to them).
 *
 * <p>Not thread-safe: the pipeline thread. Allocation-free: {@code tryClaim}, the copy and {@code commit} are
 * wait-free stores into the ring's buffer.
 */
public final class FeatureTapStage implements Stage {
    /** The message type of a vector record. */
    public static final int MSG_TYPE = 1;
    public static final int TENANT = 0;
    public static final int EVENT_TIME = 8;
    public static final int VECTOR = 16;

    private final RingBuffer ring;
    private final MutableDirectBuffer buffer;
    private final int width;
    private final int recordBytes;
    private final int sampleOneIn;
    private final AtomicCounter samplesCounter;
    private final AtomicCounter droppedCounter;
    private long samples;
    private long dropped;
    private long published;
    private int untilSample;

    /** @param width floats per vector, at most the slot's. */
    public FeatureTapStage(final RingBuffer ring, final int width, final int sampleOneIn, final AtomicCounter samples,
        final AtomicCounter dropped) {
        this.ring = ring;
        this.buffer = ring.buffer();
        this.width = width;
        this.recordBytes = recordBytes(width);
        this.sampleOneIn = sampleOneIn;
        this.samplesCounter = samples;
        this.droppedCounter = dropped;
        this.samples = samples.get();
        this.dropped = dropped.get();
        this.published = this.samples + this.dropped;
        this.untilSample = 1;
    }

    /** Bytes of one record of a {@code width}-float vector. */
    public static int recordBytes(final int width) {
        return VECTOR + width * Float.BYTES;
    }

    @Override
    public String name() {
        return "drift-tap";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.templateId != TransactionDecoder.TEMPLATE_ID || slot.alreadyAnswered || --untilSample > 0) {
            return;
        }
        untilSample = sampleOneIn;
        final int index = ring.tryClaim(MSG_TYPE, recordBytes);
        if (index <= 0) {
            dropped++;
            return;
        }
        buffer.putLong(index + TENANT, slot.input.tenantId, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + EVENT_TIME, slot.eventTimeNs, ByteOrder.LITTLE_ENDIAN);
        final float[] features = slot.features;
        for (int i = 0, offset = index + VECTOR; i < width; i++, offset += Float.BYTES) {
            buffer.putFloat(offset, features[i], ByteOrder.LITTLE_ENDIAN);
        }
        ring.commit(index);
        samples++;
    }

    @Override
    public void onBatchEnd(final EventSlot[] batch, final int count) {
        if (samples + dropped != published) {
            samplesCounter.setRelease(samples);
            droppedCounter.setRelease(dropped);
            published = samples + dropped;
        }
    }

    /** Vectors written to the ring (pipeline thread). */
    public long samples() {
        return samples;
    }

    /** Vectors dropped because the ring was full (pipeline thread). */
    public long dropped() {
        return dropped;
    }
}
