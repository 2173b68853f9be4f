package io.vigil.peer.flink;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The Flink side of the comparison: reads an {@link EventFile}, keeps the events Vigil's validation accepts, computes
 * the 14 transaction features per (tenant, account) in a {@code KeyedProcessFunction}, on a local Flink cluster
 * started in this JVM.
 *
 * <pre>
 * java -cp target/classes:$(cat target/flink.classpath) io.vigil.peer.flink.FlinkFeaturesJob \
 *     --events events.bin --out flink-features [--parallelism 2] [--runs 2]
 * </pre>
 *
 * Topology: FileSource (parallelism 1: the file is read in journal order) → validation filter (chained to it) →
 * keyBy (tenant, account) → features (parallelism N) → sink (chained). {@code --runs} timed runs, one after the other
 * in this JVM, each a fresh local cluster, with a discarding sink; then one more run that writes the features to
 * {@code --out} for the comparison, and whose digest must equal the timed runs' (so the timed runs computed the same
 * bits). Prints a {@code RESULT flink ...} line per run for run.sh.
 */
public final class FlinkFeaturesJob {
    private FlinkFeaturesJob() {
    }

    public static void main(final String[] args) throws Exception {
        String events = null;
        String out = null;
        int parallelism = 2;
        int runs = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = args[++i];
                case "--out" -> out = args[++i];
                case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (events == null || out == null || parallelism < 1 || runs < 0) {
            System.err.println("usage: FlinkFeaturesJob --events FILE --out DIR [--parallelism N] [--runs R]");
            System.exit(2);
        }
        final EventFile.Limits limits;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(events)))) {
            limits = EventFile.readHeader(in);
        }
        System.out.printf("flink: %s, parallelism %d, validation: %s%n", events, parallelism, limits);
        Long expected = null;
        for (int run = 1; run <= runs + 1; run++) {
            final boolean write = run == runs + 1;
            if (write) {
                deleteTree(Path.of(out));
            }
            final long digest = runOnce(events, limits, parallelism, write ? out : null, run, write);
            if (expected != null && digest != expected) {
                System.out.printf("flink: run %d digest %016x differs from run 1's %016x%n", run, digest, expected);
                System.exit(1);
            }
            expected = digest;
        }
    }

    private static long runOnce(final String events, final EventFile.Limits limits, final int parallelism,
        final String out, final int run, final boolean write) throws Exception {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        final long cpu0 = os.getProcessCpuTime();
        final long t0 = System.nanoTime();

        final Configuration config = new Configuration();
        config.set(PipelineOptions.OBJECT_REUSE, true);
        final StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, config);
        final FileSource<Event> source = FileSource
            .forRecordStreamFormat(new EventFormat(), new org.apache.flink.core.fs.Path(Path.of(events).toUri()))
            .build();
        final DataStream<Event> input = env
            .fromSource(source, WatermarkStrategy.<Event>noWatermarks()
                .withTimestampAssigner((e, previous) -> Math.floorDiv(e.eventTimeNs, 1_000_000L)), "vigil-events")
            .setParallelism(1)
            .filter(new Validation(limits)).name("validate").setParallelism(1);
        final DataStream<FeatureRecord> features = input
            .keyBy(new AccountKey())
            .process(new TransactionFeaturesFunction()).name("features");
        if (out != null) {
            features.sinkTo(new FeatureFileSink(out)).name("feature-files");
        } else {
            features.sinkTo(new DiscardingSink<>()).name("discard");
        }
        final JobExecutionResult result = env.execute("vigil-features");

        final long wallNs = System.nanoTime() - t0;
        final long cpuNs = os.getProcessCpuTime() - cpu0;
        final long rows = result.<Long>getAccumulatorResult("rows");
        final long digest = result.<Long>getAccumulatorResult("digest");
        final long spanNs = result.<Long>getAccumulatorResult("lastNs") - result.<Long>getAccumulatorResult("firstNs");
        final long netNs = result.getNetRuntime(java.util.concurrent.TimeUnit.NANOSECONDS);
        System.out.printf("flink run %d%s: %,d rows; wall %.3f s (%,.0f events/s), job net runtime %.3f s (%,.0f/s), " +
                "first record to end %.3f s (%,.0f/s); CPU %.2f s; digest %016x%n", run,
            write ? " (writes the features)" : "", rows, wallNs / 1e9, rows * 1e9 / wallNs, netNs / 1e9, rows * 1e9 / netNs,
            spanNs / 1e9, rows * 1e9 / spanNs, cpuNs / 1e9, digest);
        System.out.printf("RESULT flink run=%d write=%b rows=%d wall_ns=%d net_ns=%d span_ns=%d cpu_ns=%d digest=%016x%n",
            run, write, rows, wallNs, netNs, spanNs, cpuNs, digest);
        return digest;
    }

    private static void deleteTree(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
