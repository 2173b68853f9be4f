package io.vigil.perf;

import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EventSlot;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.drift.FeatureTapStage;
import io.vigil.scoring.drift.FeatureDriftWindow;
import io.vigil.scoring.drift.FeatureReferenceBuilder;
import io.vigil.scoring.features.TransactionFeatures;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per event that feature drift adds to the pipeline thread: the drift tap stage copying a transaction's
 * 14-float vector into the drift ring ({@code sampled}: the ring is emptied by this thread every 4,096 events with a
 * handler that does nothing, so the figure includes that read; the drift thread's sketch updates are not on the
 * pipeline and not here), the same with the ring full ({@code dropped}: the claim fails and is counted), and a
 * transaction not sampled with {@code vigil.drift.sample.one.in=10} ({@code sampledOneInTen}); and, on the drift
 * thread's side, the window's update per vector ({@code windowAdd}: 14 KLL sketch updates, a pane closing every
 * minute of event time).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class FeatureTapBenchmark {
    private static final MessageHandler NOTHING = (msgTypeId, buffer, index, length) -> {
    };

    private final EventSlot slot = new EventSlot(512);
    private RingBuffer ring;
    private RingBuffer fullRing;
    private FeatureTapStage tap;
    private FeatureTapStage full;
    private FeatureTapStage oneInTen;
    private int events;
    private FeatureDriftWindow window;
    private final float[] vector = new float[TransactionFeatures.WIDTH];
    private final java.util.SplittableRandom random = new java.util.SplittableRandom(7);

    @Setup(Level.Trial)
    public void setup() {
        ring = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect((4 << 20) + RingBufferDescriptor.TRAILER_LENGTH)));
        fullRing = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
        final VigilCounters counters = VigilCounters.inMemory();
        tap = new FeatureTapStage(ring, TransactionFeatures.WIDTH, 1, counters.counter(CounterType.FEATURE_DRIFT_SAMPLES),
            counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
        full = new FeatureTapStage(fullRing, TransactionFeatures.WIDTH, 1,
            counters.counter(CounterType.FEATURE_DRIFT_SAMPLES), counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
        oneInTen = new FeatureTapStage(ring, TransactionFeatures.WIDTH, 10,
            counters.counter(CounterType.FEATURE_DRIFT_SAMPLES), counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
        slot.templateId = TransactionDecoder.TEMPLATE_ID;
        for (int i = 0; i < slot.features.length; i++) {
            slot.features[i] = i * 0.5f;
        }
        for (int i = 0; i < 200; i++) {
            full.onEvent(slot);
        }
        final FeatureReferenceBuilder reference = FeatureReferenceBuilder.of(TransactionFeatures.VERSION,
            TransactionFeatures.NAMES);
        for (int i = 0; i < 10_000; i++) {
            fill();
            reference.addRow(vector, 0);
        }
        window = new FeatureDriftWindow(reference.build("benchmark"), 600_000_000_000L, 0, 10, FeatureDriftWindow.DEFAULT_K);
    }

    private void fill() {
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float)random.nextDouble(i, 2 * i + 1);
        }
    }

    /** The drift thread's side, per vector: 14 KLL sketch updates (the values vary, the event time advances 1 ms). */
    @Benchmark
    public long windowAdd() {
        vector[events & 7] += 0.001f;
        slot.eventTimeNs += 1_000_000L;
        events++;
        window.add(slot.eventTimeNs, vector, 0);
        return window.added();
    }

    @Benchmark
    public long sampled() {
        slot.eventTimeNs++;
        tap.onEvent(slot);
        if (++events == 4096) {
            events = 0;
            ring.read(NOTHING, Integer.MAX_VALUE);
            tap.onBatchEnd(null, 0);
        }
        return tap.samples();
    }

    @Benchmark
    public long dropped() {
        slot.eventTimeNs++;
        full.onEvent(slot);
        return full.dropped();
    }

    @Benchmark
    public long sampledOneInTen() {
        slot.eventTimeNs++;
        oneInTen.onEvent(slot);
        if (++events == 4096) {
            events = 0;
            ring.read(NOTHING, Integer.MAX_VALUE);
        }
        return oneInTen.samples();
    }
}
