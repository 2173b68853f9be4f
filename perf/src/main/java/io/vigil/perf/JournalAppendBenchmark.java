package io.vigil.perf;

import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per input-journal append of a 64-byte event with Vigil's record header (Chronicle Queue, through
 * {@link JournalWriter}), into a temporary directory deleted at tear-down. One writer per benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class JournalAppendBenchmark {
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
    private Path dir;
    private Journals journals;
    private JournalWriter writer;
    private long sequence;

    @Setup
    public void setup() throws IOException {
        dir = Files.createTempDirectory("vigil-jmh-journal");
        journals = Journals.open(dir, Journals.rollCycle("FAST_HOURLY"));
        writer = journals.inputWriter();
    }

    @TearDown
    public void tearDown() {
        writer.close();
        journals.close();
        Baseline.deleteTree(dir);
    }

    /** @return the appended index. */
    @Benchmark
    public long append64() {
        final long s = ++sequence;
        return writer.append(s, 1, 1, s, -1, 1, 1, 0, payload, 0, 64);
    }
}
