package io.vigil.perf;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.vigil.engine.WaitStrategies;
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

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds for one Disruptor hop as the pipeline uses it: publish one slot and spin until the handler thread has
 * seen it, with the engine's wait strategies. The benchmark thread spins, so on two cores the handler thread and it
 * take both; {@code block} shows the cost of a wake-up.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Benchmark)
public class DisruptorHopBenchmark {
    @Param({"spin", "yield", "block"})
    public String waitStrategy;

    private final Sequence seen = new Sequence(-1);
    private Disruptor<long[]> disruptor;
    private RingBuffer<long[]> ring;

    @Setup
    public void setup() {
        final ThreadFactory threads = r -> {
            final Thread t = new Thread(r, "vigil-jmh-hop");
            t.setDaemon(true);
            return t;
        };
        disruptor = new Disruptor<>(() -> new long[1], 1024, threads, ProducerType.SINGLE,
            WaitStrategies.waitStrategy(waitStrategy));
        final EventHandler<long[]> handler = (event, sequence, endOfBatch) -> seen.set(sequence);
        disruptor.handleEventsWith(handler);
        ring = disruptor.start();
    }

    @TearDown
    public void tearDown() {
        disruptor.halt();
    }

    /** @return the sequence that went round. */
    @Benchmark
    public long hop() {
        final long sequence = ring.next();
        ring.get(sequence)[0] = sequence;
        ring.publish(sequence);
        while (seen.get() < sequence) {
            Thread.onSpinWait();
        }
        return sequence;
    }
}
