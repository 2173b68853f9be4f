package io.vigil.perf;

import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionAnomaly;
import io.vigil.scoring.features.TransactionFeatures;
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
 * for the transaction anomaly score over the features; {@code updateAndPublish} adds the publication of the vector
 * to the served table (what the features stage does per event, docs/feature-serving.md) and {@code publish} measures
 * that publication alone. Transactions are generated before measuring.
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
        for (int i = 0; i < 4 * SIZE; i++) {
            updateAndPublish();
        }
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
