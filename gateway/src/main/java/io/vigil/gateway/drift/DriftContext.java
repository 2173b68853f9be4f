package io.vigil.gateway.drift;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;
import io.vigil.scoring.drift.FeatureReference;
import io.vigil.scoring.features.TransactionFeatures;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.vigil.gateway.drift.DriftConfiguration.DRAIN_INTERVAL;
import static io.vigil.gateway.drift.DriftConfiguration.EVALUATION_INTERVAL;
import static io.vigil.gateway.drift.DriftConfiguration.MIN_SAMPLES;
import static io.vigil.gateway.drift.DriftConfiguration.PANES;
import static io.vigil.gateway.drift.DriftConfiguration.PSI_CRITICAL;
import static io.vigil.gateway.drift.DriftConfiguration.PSI_WARNING;
import static io.vigil.gateway.drift.DriftConfiguration.REFERENCE;
import static io.vigil.gateway.drift.DriftConfiguration.RING_CAPACITY;
import static io.vigil.gateway.drift.DriftConfiguration.SAMPLE_ONE_IN;
import static io.vigil.gateway.drift.DriftConfiguration.SKETCH_K;
import static io.vigil.gateway.drift.DriftConfiguration.WINDOW;
import static io.vigil.gateway.drift.DriftConfiguration.WINDOW_VECTORS;

/**
 * The feature drift configuration (the keys of {@link DriftConfiguration}), checked once in {@link #conclude()}; see
 * {@link ConfigContext}. Concluding also reads the reference file and refuses one of another feature set than the
 * engine computes, naming both. Not thread-safe while being set; immutable once concluded.
 */
public final class DriftContext extends ConfigContext {
    /** The built-in feature set's version and names (the engine's unless vigil.features.spec names a file). */
    static final String FEATURE_SET = TransactionFeatures.VERSION;
    static final List<String> FEATURE_NAMES = TransactionFeatures.NAMES;

    private FeatureReference reference;
    private Path referenceFile;
    private long windowNs;
    private long windowVectors;
    private int panes;
    private int minSamples;
    private int sampleOneIn;
    private int ringCapacityBytes;
    private long drainIntervalMs;
    private long evaluationIntervalMs;
    private double psiWarning;
    private double psiCritical;
    private int sketchK;

    public DriftContext(final VigilConfig config) {
        super(config);
    }

    public DriftContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return DriftConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        windowNs = v.durationNs(WINDOW, 0);
        windowVectors = v.size(WINDOW_VECTORS, 0);
        panes = v.integer(PANES, 1, 1000);
        minSamples = v.integer(MIN_SAMPLES, 1);
        sampleOneIn = v.integer(SAMPLE_ONE_IN, 1);
        final long capacity = v.size(RING_CAPACITY, 4096);
        if (capacity > 1L << 30) {
            v.invalid(RING_CAPACITY, "must be at most 1g");
        }
        ringCapacityBytes = (int)Math.min(capacity, 1L << 30);
        drainIntervalMs = Math.max(1, v.durationNs(DRAIN_INTERVAL, 1_000_000) / 1_000_000);
        evaluationIntervalMs = Math.max(1, v.durationNs(EVALUATION_INTERVAL, 1_000_000) / 1_000_000);
        psiWarning = v.positive(PSI_WARNING, "must be a positive PSI");
        psiCritical = v.positive(PSI_CRITICAL, "must be a positive PSI");
        sketchK = v.integer(SKETCH_K, 8, 65_535);
        if (v.sound() && windowNs == 0 && windowVectors == 0) {
            v.problem("configuration keys " + WINDOW.name() + " and " + WINDOW_VECTORS.name() +
                " are both 0: the drift window needs a time span or a number of vectors");
        }
        if (v.sound() && psiCritical < psiWarning) {
            v.problem("configuration key " + PSI_CRITICAL.name() + " = '" + v.string(PSI_CRITICAL) + "' is below " +
                PSI_WARNING.name() + " = '" + v.string(PSI_WARNING) + "'");
        }
        final String file = v.string(REFERENCE).trim();
        if (!file.isEmpty()) {
            referenceFile = Path.of(file);
            if (!java.nio.file.Files.isRegularFile(referenceFile)) {
                v.invalid(REFERENCE, "no such file (build one with `vigil drift reference --input EXPORT --out FILE`)");
                return;
            }
            try {
                final FeatureReference read = FeatureReference.read(referenceFile);
                final io.vigil.scoring.features.FeatureSet running = runningSet(v.string(VigilConfig.FEATURES_SPEC).trim());
                read.requireFeatureSet(running.version(), running.names());
                reference = read;
            } catch (final IOException | IllegalArgumentException ex) {
                v.invalid(REFERENCE, ex.getMessage());
            }
        }
    }

    /** Whether drift is measured: a reference is configured. */
    public boolean enabled() {
        requireConcluded();
        return reference != null;
    }

    /** The reference, read and checked at conclude; null when drift is off. */
    public FeatureReference reference() {
        requireConcluded();
        return reference;
    }

    public Path referenceFile() {
        requireConcluded();
        return referenceFile;
    }

    public DriftContext reference(final Path file) {
        set(REFERENCE, file.toString());
        return this;
    }

    public long windowNs() {
        requireConcluded();
        return windowNs;
    }

    public long windowVectors() {
        requireConcluded();
        return windowVectors;
    }

    public int panes() {
        requireConcluded();
        return panes;
    }

    public int minSamples() {
        requireConcluded();
        return minSamples;
    }

    public int sampleOneIn() {
        requireConcluded();
        return sampleOneIn;
    }

    public int ringCapacityBytes() {
        requireConcluded();
        return ringCapacityBytes;
    }

    public long drainIntervalMs() {
        requireConcluded();
        return drainIntervalMs;
    }

    public long evaluationIntervalMs() {
        requireConcluded();
        return evaluationIntervalMs;
    }

    public double psiWarning() {
        requireConcluded();
        return psiWarning;
    }

    public double psiCritical() {
        requireConcluded();
        return psiCritical;
    }

    public int sketchK() {
        requireConcluded();
        return sketchK;
    }

    /** The feature set the engine computes with {@code vigil.features.spec} = {@code spec}. */
    private static io.vigil.scoring.features.FeatureSet runningSet(final String spec) {
        try {
            return io.vigil.scoring.features.FeatureSet.ofNullable(spec.isEmpty() ? null :
                io.vigil.scoring.features.spec.FeatureSpec.load(Path.of(spec)));
        } catch (final io.vigil.scoring.features.spec.FeatureSpecException ex) {
            throw new IllegalArgumentException("cannot check the reference against " + spec + ": " + ex.getMessage(), ex);
        }
    }
}
