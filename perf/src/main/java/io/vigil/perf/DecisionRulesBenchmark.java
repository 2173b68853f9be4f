package io.vigil.perf;

import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.rules.DecisionRules;
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
 * What the decision rules cost per event, over 4,096 random default-width vectors: {@code decide} is
 * {@link DecisionRules#decide} of the default rules. The same source runs against a build where the rules read the
 * features at constant positions and one where they read them at positions found by name at construction, so the two
 * figures compare the two. Each JMH thread has its own state; setup allocates, the benchmarks do not.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class DecisionRulesBenchmark {
    private static final int VECTORS = 4096;

    private final DecisionRules rules = new DecisionRules();
    private final float[] features = new float[VECTORS * TransactionFeatures.WIDTH];
    private final float[] model = new float[VECTORS];
    private final float[] anomaly = new float[VECTORS];
    private int next;

    @Setup
    public void setup() {
        final Random random = new Random(3);
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextInt(4) == 0 ? 0f : (float)(random.nextDouble() * 8);
        }
        for (int v = 0; v < VECTORS; v++) {
            features[v * TransactionFeatures.WIDTH + TransactionFeatures.SECS_SINCE_PREV] = random.nextFloat() * 300;
            features[v * TransactionFeatures.WIDTH + TransactionFeatures.NEW_MERCHANT] = random.nextBoolean() ? 1f : 0f;
            model[v] = random.nextFloat();
            anomaly[v] = random.nextFloat();
        }
    }

    @Benchmark
    public int decide() {
        final int v = next++ & (VECTORS - 1);
        return rules.decide(model[v], anomaly[v], features, v * TransactionFeatures.WIDTH, false);
    }
}
