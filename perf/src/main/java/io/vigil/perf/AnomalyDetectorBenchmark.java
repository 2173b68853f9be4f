package io.vigil.perf;

import io.vigil.scoring.anomaly.AnomalyDetector;
import io.vigil.scoring.anomaly.EnsembleDetector;
import io.vigil.scoring.anomaly.EwmaZScoreDetector;
import io.vigil.scoring.anomaly.HoltWintersDetector;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.anomaly.RangeNoveltyDetector;
import io.vigil.scoring.anomaly.RobustWindowDetector;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per value for the anomaly ensemble, for each detector alone, and for the engine's
 * {@link MetricAnomalyScorer} over 64 interleaved series. Values are a daily-seasonal signal with
 * noise and rare spikes, 5-minute event times, pre-generated so the benchmark measures scoring only.
 *
 * <p>Each benchmark thread has its own state (JMH {@code Scope.Thread}); setup allocates, the
 * measured methods do not.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class AnomalyDetectorBenchmark {
    private static final int SIZE = 1 << 16;
    private static final int MASK = SIZE - 1;
    private static final long STEP_NS = 300_000_000_000L;
    private static final int SERIES = 64;

    private final double[] values = new double[SIZE];
    private long tick;
    private EnsembleDetector ensemble;
    private MetricAnomalyScorer scorer;
    private AnomalyDetector ewma;
    private AnomalyDetector holtWinters;
    private AnomalyDetector median;
    private AnomalyDetector range;

    /** Generates the values and warms every detector past its warm-up. */
    @Setup
    public void setup() {
        final Random random = new Random(42);
        for (int i = 0; i < SIZE; i++) {
            values[i] = 100.0 + 30.0 * Math.sin(2 * Math.PI * i / 288.0) + 3.0 * random.nextGaussian()
                + (random.nextInt(2000) == 0 ? 60.0 : 0.0);
        }
        final EnsembleDetector.Context context = new EnsembleDetector.Context();
        ensemble = new EnsembleDetector(context);
        scorer = new MetricAnomalyScorer(SERIES, context);
        ewma = new EwmaZScoreDetector(0.02, 20.0, 150);
        holtWinters = new HoltWintersDetector(0.2, 0.01, 0.2, 0.02, 86_400_000_000_000L, 2048, 20.0, 150);
        median = new RobustWindowDetector(64, 20.0, 32);
        range = new RangeNoveltyDetector(150, 1e6);
        for (int i = 0; i < 4 * SERIES * 288; i++) {
            ensemble();
            metricScorer();
            ewma();
            holtWinters();
            median();
            range();
        }
    }

    private double next() {
        return values[(int) (tick++ & MASK)];
    }

    /** @return the ensemble's score of the next value. */
    @Benchmark
    public double ensemble() {
        final long t = tick;
        return ensemble.update(t * STEP_NS, next());
    }

    /** @return the engine entry point's score of the next value, 64 series round-robin. */
    @Benchmark
    public double metricScorer() {
        final long t = tick;
        return scorer.update(1, t & (SERIES - 1), (t / SERIES) * STEP_NS, next());
    }

    /** @return EWMA/EWMV surprise of the next value. */
    @Benchmark
    public double ewma() {
        final long t = tick;
        return ewma.update(t * STEP_NS, next(), 1e-3);
    }

    /** @return Holt-Winters surprise of the next value. */
    @Benchmark
    public double holtWinters() {
        final long t = tick;
        return holtWinters.update(t * STEP_NS, next(), 1e-3);
    }

    /** @return median/MAD surprise of the next value. */
    @Benchmark
    public double median() {
        final long t = tick;
        return median.update(t * STEP_NS, next(), 1e-3);
    }

    /** @return range-novelty surprise of the next value. */
    @Benchmark
    public double range() {
        final long t = tick;
        return range.update(t * STEP_NS, next(), 1e-3);
    }
}
