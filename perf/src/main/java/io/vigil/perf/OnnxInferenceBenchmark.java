package io.vigil.perf;

import io.vigil.scoring.model.OnnxModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Microseconds per ONNX Runtime call of the bundled fraud model at batch 1, 8 and 64 rows (divide by the batch for
 * the cost per event). The input buffer is filled once; ONNX Runtime's Java API allocates a few objects per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class OnnxInferenceBenchmark {
    @Param({"1", "8", "64"})
    public int batch;

    private OnnxModel model;
    private float[] scores;

    @Setup
    public void setup() {
        model = OnnxModel.loadDefault(64);
        scores = new float[model.maxBatch()];
        final Random random = new Random(42);
        for (int i = 0; i < model.maxBatch() * model.width(); i++) {
            model.input().put(i, (float)random.nextGaussian());
        }
    }

    @TearDown
    public void tearDown() {
        model.close();
    }

    /** @return the first score. */
    @Benchmark
    public float run() {
        model.run(batch, scores);
        return scores[0];
    }
}
