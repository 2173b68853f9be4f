package io.vigil.gateway.drift;

import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.ConfigurationException;
import io.vigil.engine.EventSlot;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.scoring.features.TransactionFeatures;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureTapStageTest {
    private static OneToOneRingBuffer ring(final int capacity) {
        return new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static EventSlot transaction(final long eventTimeNs) {
        final EventSlot slot = new EventSlot(512);
        slot.templateId = TransactionDecoder.TEMPLATE_ID;
        slot.eventTimeNs = eventTimeNs;
        slot.input.tenantId = 7;
        for (int i = 0; i < slot.features.length; i++) {
            slot.features[i] = i + eventTimeNs / 1000f;
        }
        return slot;
    }

    @Test
    void shouldWriteOneTransactionInNWithTenantEventTimeAndVectorAndPublishTheCounts() {
        final OneToOneRingBuffer ring = ring(64 * 1024);
        final VigilCounters counters = VigilCounters.inMemory();
        final FeatureTapStage tap = new FeatureTapStage(ring, TransactionFeatures.WIDTH, 10,
            counters.counter(CounterType.FEATURE_DRIFT_SAMPLES), counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
        for (int i = 0; i < 100; i++) {
            tap.onEvent(transaction(i * 1000L));
        }
        final EventSlot metric = transaction(5);
        metric.templateId = MetricSampleDecoder.TEMPLATE_ID;
        final EventSlot recovered = transaction(6);
        recovered.alreadyAnswered = true;
        for (int i = 0; i < 50; i++) {
            tap.onEvent(metric);
            tap.onEvent(recovered);
        }
        assertEquals(0, counters.counter(CounterType.FEATURE_DRIFT_SAMPLES).get(), "published at batch end only");
        tap.onBatchEnd(new EventSlot[0], 0);
        assertEquals(10, counters.counter(CounterType.FEATURE_DRIFT_SAMPLES).get());
        final List<long[]> read = new ArrayList<>();
        ring.read((type, buffer, index, length) -> {
            assertEquals(FeatureTapStage.recordBytes(TransactionFeatures.WIDTH), length);
            read.add(new long[] {buffer.getLong(index + FeatureTapStage.TENANT, ByteOrder.LITTLE_ENDIAN),
                buffer.getLong(index + FeatureTapStage.EVENT_TIME, ByteOrder.LITTLE_ENDIAN),
                (long)buffer.getFloat(index + FeatureTapStage.VECTOR + 3 * Float.BYTES, ByteOrder.LITTLE_ENDIAN)});
        });
        assertEquals(10, read.size(), "transactions 0, 10, 20, ...: metric samples and recovered events are not sampled");
        for (int i = 0; i < 10; i++) {
            assertEquals(7, read.get(i)[0]);
            assertEquals(i * 10_000L, read.get(i)[1]);
            assertEquals(3 + i * 10L, read.get(i)[2]);
        }
    }

    @Test
    void shouldDropAndCountWhenTheRingIsFullAndGoOnOnceItIsRead() {
        final OneToOneRingBuffer ring = ring(4096);
        final VigilCounters counters = VigilCounters.inMemory();
        final FeatureTapStage tap = new FeatureTapStage(ring, TransactionFeatures.WIDTH, 1,
            counters.counter(CounterType.FEATURE_DRIFT_SAMPLES), counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
        for (int i = 0; i < 1_000; i++) {
            tap.onEvent(transaction(i));
        }
        assertEquals(4096 / 80, tap.samples());
        assertEquals(1_000 - 4096 / 80, tap.dropped());
        ring.read((type, buffer, index, length) -> {
        });
        tap.onEvent(transaction(2_000));
        assertEquals(4096 / 80 + 1, tap.samples(), "room again once the drift thread read");
        tap.onBatchEnd(new EventSlot[0], 0);
        assertEquals(1_000 - 4096 / 80, counters.counter(CounterType.FEATURE_DRIFT_DROPPED).get());
    }

    @Test
    void shouldNameEveryBadDriftKey() {
        final ConfigurationException bad = assertThrows(ConfigurationException.class, () -> new DriftContext(VigilConfig.of(Map.of(
            DriftConfiguration.WINDOW.name(), "0",
            DriftConfiguration.WINDOW_VECTORS.name(), "0"))).conclude());
        assertTrue(bad.getMessage().contains(DriftConfiguration.WINDOW_VECTORS.name()), bad.getMessage());
        final ConfigurationException thresholds = assertThrows(ConfigurationException.class, () -> new DriftContext(VigilConfig.of(Map.of(
            DriftConfiguration.PSI_WARNING.name(), "0.3",
            DriftConfiguration.PSI_CRITICAL.name(), "0.2"))).conclude());
        assertTrue(thresholds.getMessage().contains("is below " + DriftConfiguration.PSI_WARNING.name()), thresholds.getMessage());
        final DriftContext off = new DriftContext(VigilConfig.of(Map.of())).conclude();
        assertEquals(false, off.enabled());
        assertEquals(10, off.sampleOneIn());
    }
}
