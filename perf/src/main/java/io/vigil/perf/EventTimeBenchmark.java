package io.vigil.perf;

import io.vigil.scoring.time.TumblingCountSum;
import io.vigil.scoring.time.Watermarks;
import io.vigil.scoring.time.WindowResultSink;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per event of the event-time work the pipeline adds: the watermark update of the event's source
 * ({@link Watermarks#onEvent}, {@code sources} sources, slightly out of order) and the per-account tumbling window
 * ({@link TumblingCountSum#add} and the emission when the watermark passes a minute, 20,000 accounts, 2,000 events per
 * second of event time). Events are generated before measuring.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class EventTimeBenchmark {
    private static final int SIZE = 1 << 16;
    private static final int MASK = SIZE - 1;
    private static final long STEP_NS = 500_000L;

    @Param({"4", "256"})
    int sources;

    private final long[] account = new long[SIZE];
    private final long[] source = new long[SIZE];
    private final long[] jitterNs = new long[SIZE];
    private Watermarks watermarks;
    private TumblingCountSum windows;
    private long emitted;
    private final WindowResultSink sink = (window, tenant, key, start, end, values, count) -> emitted++;
    private long tick;

    @Setup
    public void setup() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < SIZE; i++) {
            account[i] = random.nextInt(20_000);
            source[i] = random.nextInt(sources);
            jitterNs[i] = random.nextLong(2_000_000_000L);
        }
        watermarks = new Watermarks(sources, 5_000_000_000L);
        windows = new TumblingCountSum(1, "account.tumbling.1m", 60_000_000_000L);
        for (int i = 0; i < 4 * SIZE; i++) {
            event();
        }
    }

    /** @return the watermark, so the work is not dead code. */
    @Benchmark
    public long event() {
        final int i = (int)(tick & MASK);
        final long timeNs = 1_767_225_600_000_000_000L + tick * STEP_NS - jitterNs[i];
        tick++;
        if (watermarks.onEvent(1, source[i], timeNs, timeNs)) {
            windows.advance(watermarks.watermarkNs(), sink);
        }
        windows.add(1, account[i], timeNs, 1_000);
        return watermarks.watermarkNs();
    }
}
