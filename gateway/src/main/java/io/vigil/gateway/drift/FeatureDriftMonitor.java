package io.vigil.gateway.drift;

import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.PeriodicTask;
import io.vigil.scoring.drift.FeatureDriftWindow;
import io.vigil.scoring.drift.FeatureReference;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Feature drift in real time: the drift ring the pipeline writes sampled feature vectors into
 * ({@link FeatureTapStage}, inserted after the features stage by {@link #assembler}), and the drift thread
 * ({@value #THREAD}) that drains it every {@code vigil.drift.drain.interval} into a {@link FeatureDriftWindow} and
 * every {@code vigil.drift.evaluation.interval} compares the window with the reference and publishes a
 * {@link Status} (PSI and KS per feature) for {@code /metrics}, {@code GET /drift} and the {@code FeatureDrift} alert.
 * The statistics are reported only once the window holds {@code vigil.drift.min.samples} vectors.
 *
 * <p>Thread-safe: {@link #status()} from any thread (a volatile immutable snapshot); the window is the drift thread's
 * alone. The drift thread allocates (sketch levels, evaluations); the pipeline's side never does.
 */
public final class FeatureDriftMonitor implements AutoCloseable {
    public static final String THREAD = "vigil-drift";
    private static final Logger LOG = LoggerFactory.getLogger(FeatureDriftMonitor.class);

    /** One feature's statistics as last published: NaN while the window holds too few vectors. */
    public record Feature(String name, long samples, double psi, double ks) {
    }

    /**
     * What the drift thread last published.
     *
     * @param evaluatedAtMs epoch ms of the evaluation, 0 before the first.
     * @param windowVectors vectors in the window then.
     * @param reported      whether the window held enough vectors for the statistics to be reported.
     */
    public record Status(long evaluatedAtMs, long windowVectors, long windowStartNs, boolean reported,
        List<Feature> features) {
    }

    private final DriftContext context;
    private final RingBuffer ring;
    private final FeatureDriftWindow window;
    private final VigilCounters counters;
    private final int width;
    private final MessageHandler handler = this::onRecord;
    private volatile Status status;
    private PeriodicTask thread;
    private long lastEvaluationNs;
    private long read;

    public FeatureDriftMonitor(final DriftContext context, final VigilCounters counters) {
        this.context = context.conclude();
        if (!context.enabled()) {
            throw new IllegalStateException("feature drift needs a reference (" + DriftConfiguration.REFERENCE.name() + ")");
        }
        final FeatureReference reference = context.reference();
        this.width = reference.features().size();
        int capacity = 4096;
        while (capacity < context.ringCapacityBytes()) {
            capacity <<= 1;
        }
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.window = new FeatureDriftWindow(reference, context.windowNs(), context.windowVectors(), context.panes(),
            context.sketchK());
        this.counters = counters;
        this.status = new Status(0, 0, Long.MIN_VALUE, false, reference.names().stream()
            .map(name -> new Feature(name, 0, Double.NaN, Double.NaN)).toList());
    }

    /**
     * The stages {@code inner} builds with the drift tap inserted right after the features stage (a pipeline without
     * one is left as it is). The tap records into this monitor's ring.
     */
    public StageAssembler assembler(final StageAssembler inner) {
        return stages -> {
            inner.assemble(stages);
            for (int i = 0; i < stages.size(); i++) {
                if (stages.get(i).name().equals("features")) {
                    stages.add(i + 1, newTap());
                    return;
                }
            }
            LOG.warn("no features stage in the pipeline: feature drift sees no vectors");
        };
    }

    /** A tap stage writing into this monitor's ring (one pipeline at a time). */
    public Stage newTap() {
        return new FeatureTapStage(ring, width, context.sampleOneIn(),
            counters.counter(CounterType.FEATURE_DRIFT_SAMPLES), counters.counter(CounterType.FEATURE_DRIFT_DROPPED));
    }

    /** Starts the drift thread. */
    public FeatureDriftMonitor start() {
        lastEvaluationNs = System.nanoTime();
        thread = PeriodicTask.start(THREAD, context.drainIntervalMs(), context.drainIntervalMs(), false, this::poll,
            LOG, "feature drift poll failed");
        LOG.info("feature drift: reference {} ({} features, feature set {}, {} rows), window {} s / {} vectors in {} panes, " +
                "one vector in {}", context.referenceFile(), width, context.reference().featureSet(),
            context.reference().rows(), context.windowNs() / 1e9, context.windowVectors(), context.panes(),
            context.sampleOneIn());
        return this;
    }

    private void poll() {
        // up to one ring's worth per poll (what the pipeline may write between two polls), so that a pipeline that
        // keeps it full still leaves time to evaluate
        final int most = ring.capacity() / FeatureTapStage.recordBytes(width) + 1;
        int total = 0;
        int n;
        do {
            n = ring.read(handler, 4096);
            total += n;
        } while (n > 0 && total < most);
        final long now = System.nanoTime();
        if (now - lastEvaluationNs >= context.evaluationIntervalMs() * 1_000_000L) {
            lastEvaluationNs = now;
            evaluate();
        }
    }

    private void onRecord(final int msgType, final DirectBuffer buffer, final int index, final int length) {
        if (msgType != FeatureTapStage.MSG_TYPE || length < FeatureTapStage.recordBytes(width)) {
            return;
        }
        window.add(buffer.getLong(index + FeatureTapStage.EVENT_TIME, ByteOrder.LITTLE_ENDIAN), buffer,
            index + FeatureTapStage.VECTOR);
        read++;
    }

    /** Compares the window with the reference and publishes the status (the drift thread). */
    void evaluate() {
        final long vectors = window.vectorsInWindow();
        final boolean reported = vectors >= context.minSamples();
        final List<Feature> features = window.evaluate().stream()
            .map(d -> reported ? new Feature(d.name(), d.samples(), d.psi(), d.ks()) :
                new Feature(d.name(), d.samples(), Double.NaN, Double.NaN)).toList();
        status = new Status(System.currentTimeMillis(), vectors, window.windowStartNs(), reported, features);
    }

    /** The statistics last published; any thread. */
    public Status status() {
        return status;
    }

    public DriftContext context() {
        return context;
    }

    /** Vectors the drift thread read from the ring (the drift thread; for tests after a poll). */
    long read() {
        return read;
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.close();
        }
    }
}
