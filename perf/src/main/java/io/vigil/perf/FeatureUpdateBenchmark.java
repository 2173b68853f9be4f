package io.vigil.perf;

import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionAnomaly;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureEvent;
import io.vigil.scoring.features.spec.FeatureSpec;
import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;
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

import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per transaction for the windowed feature update of one account (off-heap state, 20,000 accounts) and
 * for the transaction anomaly score over the features. Transactions are generated before measuring. {@code update}
 * runs the hand-written {@link TransactionFeatures}; {@code updateAndPublish} adds the publication of the vector to
 * the served table (what the features stage does per event, docs/feature-serving.md) and {@code publish} measures that
 * publication alone; {@code compiledDefault} runs the built-in default definition compiled ({@link CompiledFeatures}:
 * the same 14 floats); {@code compiledThirty} a definition of 30 features (5 windows x 6 aggregations of the amount,
 * {@link #THIRTY}), over the same events.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class FeatureUpdateBenchmark {
    private static final int SIZE = 1 << 16;
    private static final int MASK = SIZE - 1;

    private final long[] account = new long[SIZE];
    private final long[] merchant = new long[SIZE];
    private final int[] mcc = new int[SIZE];
    private final long[] amount = new long[SIZE];
    private final int[] channel = new int[SIZE];
    private final long[] eventTimeNs = new long[SIZE];
    private final float[] out = new float[TransactionFeatures.WIDTH];
    private TransactionFeatures features;
    private SingleWriterFeatureTable published;
    private CompiledFeatures compiledDefault;
    private CompiledFeatures compiledThirty;
    private final FeatureEvent event = new FeatureEvent();
    private final float[] wide = new float[32];
    private long compiledTick;
    private long compiledOffsetNs;
    private long thirtyTick;
    private long thirtyOffsetNs;

    /** 5 windows x 6 aggregations (count, sum, mean, min, max, stddev) of the amount, per account. */
    public static final String THIRTY = thirty();

    private static String thirty() {
        final StringBuilder y = new StringBuilder("name: thirty\nversion: 1\nkey: [account]\nwindows:\n");
        final String[] windows = {"w1m: {type: sliding, size: 60s, step: 1s}", "w1h: {type: sliding, size: 1h, step: 1m}",
            "w1d: {type: sliding, size: 1d, step: 1h}", "t1h: {type: tumbling, size: 1h}", "s30m: {type: session, gap: 30m}"};
        for (final String w : windows) {
            y.append("  ").append(w).append('\n');
        }
        y.append("features:\n");
        for (final String w : windows) {
            final String name = w.substring(0, w.indexOf(':'));
            for (final String a : new String[] {"count", "sum", "mean", "min", "max", "stddev"}) {
                y.append("  - {name: ").append(a).append('_').append(name).append(", aggregate: ").append(a)
                    .append(a.equals("count") ? "" : ", of: amount").append(", window: ").append(name).append("}\n");
            }
        }
        return y.toString();
    }
    private long tick;
    private long timeOffsetNs;

    @Setup
    public void setup() {
        final SyntheticTransactions generator = new SyntheticTransactions(42, 20_000, 1_700_000_000_000_000_000L,
            20_000_000L, 0.005);
        final SyntheticTransaction tx = new SyntheticTransaction();
        for (int i = 0; i < SIZE; i++) {
            generator.next(tx);
            account[i] = tx.accountId;
            merchant[i] = tx.merchantId;
            mcc[i] = tx.mcc;
            amount[i] = tx.amountMinor;
            channel[i] = tx.channel;
            eventTimeNs[i] = tx.eventTimeNs;
        }
        features = new TransactionFeatures(32_768);
        published = new SingleWriterFeatureTable(TransactionFeatures.VERSION, TransactionFeatures.NAMES, 32_768);
        compiledDefault = CompiledFeatures.compile(FeatureSpec.defaultSpec(), 32_768);
        compiledThirty = CompiledFeatures.compile(FeatureSpec.parse(THIRTY, "thirty"), 32_768);
        for (int i = 0; i < 4 * SIZE; i++) {
            updateAndPublish();
            compiledDefault();
            compiledThirty();
        }
    }

    /** @return one feature of the compiled default definition. */
    @Benchmark
    public float compiledDefault() {
        final int i = (int)(compiledTick & MASK);
        if (i == MASK) {
            compiledOffsetNs += eventTimeNs[MASK] - eventTimeNs[0] + 20_000_000L;
        }
        compiledTick++;
        compiledDefault.onEvent(event.set(1, account[i], merchant[i], mcc[i], amount[i], channel[i],
            eventTimeNs[i] + compiledOffsetNs), out, 0);
        return out[TransactionFeatures.AMOUNT_Z];
    }

    /** @return one feature of the 30-feature definition. */
    @Benchmark
    public float compiledThirty() {
        final int i = (int)(thirtyTick & MASK);
        if (i == MASK) {
            thirtyOffsetNs += eventTimeNs[MASK] - eventTimeNs[0] + 20_000_000L;
        }
        thirtyTick++;
        compiledThirty.onEvent(event.set(1, account[i], merchant[i], mcc[i], amount[i], channel[i],
            eventTimeNs[i] + thirtyOffsetNs), wide, 0);
        return wide[29];
    }

    /** @return one feature, so the update is not dead code. */
    @Benchmark
    public float update() {
        final int i = (int)(tick & MASK);
        if (i == MASK) {
            timeOffsetNs += eventTimeNs[MASK] - eventTimeNs[0] + 20_000_000L;
        }
        tick++;
        features.onTransaction(1, account[i], merchant[i], mcc[i], amount[i], channel[i], eventTimeNs[i] + timeOffsetNs, out, 0);
        return out[TransactionFeatures.AMOUNT_Z];
    }

    /** @return the anomaly score of the last feature vector. */
    @Benchmark
    public float anomalyScore() {
        return TransactionAnomaly.score(out, 0);
    }

    /** @return one feature: {@link #update} and the publication of its vector to the served table. */
    @Benchmark
    public float updateAndPublish() {
        final int i = (int)(tick & MASK);
        final float z = update();
        published.publish(1, account[i], features.lastSlot(), out, 0, tick, eventTimeNs[i]);
        return z;
    }

    /**
     * @return the event index published: the publication of one account's vector alone (20,000 accounts), the slot
     * found through the table's index (no hint).
     */
    @Benchmark
    public long publish() {
        final int i = (int)(tick++ & MASK);
        published.publish(1, account[i], out, 0, tick, eventTimeNs[i]);
        return tick;
    }
}
