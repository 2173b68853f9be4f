package io.vigil.perf;

import io.vigil.gateway.ServerLatencies;
import io.vigil.journal.Journals;
import io.vigil.scoring.features.TransactionFeatures;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code vigil bench --cost}: what an event costs the server in CPU, per thread (measured) and per pipeline stage
 * (estimated), and what that means for right-sizing: events/s per core, cores and monthly cost for a target rate,
 * memory per million keys, journal disk per day. The arithmetic is in pure static methods; {@link #report} lays it
 * out.
 *
 * <p>Stateless, thread-safe; allocates (control plane only).
 */
final class CostModel {
    /** Hours in a month as cloud price lists count them (8,760 / 12). */
    static final double HOURS_PER_MONTH = 730;
    static final double SECONDS_PER_DAY = 86_400;
    /** Example price of one vCPU-hour, USD, when none is given (an on-demand general-purpose figure; configurable). */
    static final double DEFAULT_VCPU_HOUR_PRICE = 0.04;
    /** Rates the report sizes for, events per second. */
    static final long[] TARGET_RATES = {100_000, 1_000_000, 10_000_000};
    /** Accounts {@link #measureBytesPerAccount()} fills a table with (about 170 MB, for a fraction of a second). */
    static final int MEMORY_PROBE_ACCOUNTS = 100_000;

    /**
     * Feature state per account, state segments and index together, measured now on a fresh table of
     * {@link #MEMORY_PROBE_ACCOUNTS} accounts (5 M accounts gave 1,691.3 B, docs/state.md). Allocates and frees it.
     */
    static double measureBytesPerAccount() {
        final TransactionFeatures features = new TransactionFeatures(1);
        final float[] out = new float[TransactionFeatures.WIDTH];
        for (int account = 0; account < MEMORY_PROBE_ACCOUNTS; account++) {
            features.onTransaction(1, account, 1, 5411, 100, 0, 1_000_000_000L, out, 0);
        }
        return features.bytesPerAccount();
    }

    /** The pipeline thread's stages, as {@link ServerLatencies#STAGES} indices (tailer pickup is the tailer's). */
    static final int[] PIPELINE_STAGES = {
        ServerLatencies.PIPELINE + 1, ServerLatencies.PIPELINE + 2, ServerLatencies.PIPELINE + 3,
        ServerLatencies.PIPELINE + 4, ServerLatencies.PIPELINE + 5, ServerLatencies.PIPELINE + 6};
    private static final int VALIDATE = 0;
    private static final int INFERENCE = 3;

    private CostModel() {
    }

    /** Microseconds of CPU per event; NaN without events. */
    static double cpuUsPerEvent(final long cpuNs, final long events) {
        return events > 0 ? cpuNs / 1_000.0 / events : Double.NaN;
    }

    /** Events one core handles per second: events over CPU seconds; NaN without CPU time. */
    static double eventsPerCore(final long events, final long cpuNs) {
        return cpuNs > 0 ? events / (cpuNs / 1e9) : Double.NaN;
    }

    /** Whole cores for {@code rate} at {@code eventsPerCore}, rounded up, assuming linear scaling; -1 if unknown. */
    static long coresNeeded(final double rate, final double eventsPerCore) {
        if (!(eventsPerCore > 0) || Double.isInfinite(eventsPerCore)) {
            return -1;
        }
        // a hair below the next whole core is that core, not one more (3.0000000001 cores from rounding is 3)
        return Math.max(1, (long)Math.ceil(rate / eventsPerCore - 1e-9));
    }

    /** Monthly price of {@code cores} vCPUs at {@code pricePerVcpuHour}: cores x 730 h x price. */
    static double monthlyCost(final long cores, final double pricePerVcpuHour) {
        return cores * HOURS_PER_MONTH * pricePerVcpuHour;
    }

    /**
     * Splits {@code totalNs} in proportion to {@code weights} (the stages' latency sums); all zeros when the weights
     * sum to zero.
     */
    static double[] split(final long totalNs, final double[] weights) {
        double sum = 0;
        for (final double w : weights) {
            sum += Math.max(0, w);
        }
        final double[] shares = new double[weights.length];
        for (int i = 0; i < weights.length && sum > 0; i++) {
            shares[i] = totalNs * Math.max(0, weights[i]) / sum;
        }
        return shares;
    }

    /** The share of the weights in the stages that contain waits (validate: the ring hop; inference: the batch). */
    static double waitShare(final double[] pipelineWeights) {
        double sum = 0;
        for (final double w : pipelineWeights) {
            sum += w;
        }
        return sum > 0 ? (pipelineWeights[VALIDATE] + pipelineWeights[INFERENCE]) / sum : 0;
    }

    /** A histogram's sum of values (mean x count), the weight of its stage in {@link #split}. */
    static double latencySum(final Histogram h) {
        return h == null || h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount();
    }

    /** Decimal gigabytes (10^9 B) for a million keys of {@code bytesPerKey}. */
    static double gbPerMillionKeys(final double bytesPerKey) {
        return bytesPerKey * 1e6 / 1e9;
    }

    /** Bytes per event; NaN without events. */
    static double bytesPerEvent(final long bytes, final long events) {
        return events > 0 ? (double)bytes / events : Double.NaN;
    }

    /** Bytes a day at {@code rate} events per second of {@code bytesPerEvent}. */
    static double diskBytesPerDay(final double bytesPerEvent, final double rate) {
        return bytesPerEvent * rate * SECONDS_PER_DAY;
    }

    /**
     * Bytes written under {@code dir}: per file, up to its last non-zero byte. Chronicle preallocates its cycle files
     * sparse and writes them from the start, so a file's length says little; its written extent is what the disk
     * holds (to the page).
     */
    static long writtenBytes(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (final Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                bytes += writtenExtent(file);
            }
        }
        return bytes;
    }

    /** Offset after the last non-zero byte of {@code file} (0 when it is all zeros). */
    static long writtenExtent(final Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            long end = channel.size();
            while (end > 0) {
                final long start = Math.max(0, end - chunk.capacity());
                chunk.clear().limit((int)(end - start));
                while (chunk.hasRemaining() && channel.read(chunk, start + chunk.position()) >= 0) {
                    // read the whole chunk
                }
                for (int i = chunk.position() - 1; i >= 0; i--) {
                    if (chunk.get(i) != 0) {
                        return start + i + 1;
                    }
                }
                end = start;
            }
            return 0;
        }
    }

    /** What {@link #report} lays out. */
    static final class Inputs {
        ThreadCpu.Delta cpu;
        /** The run's stage histograms ({@link ServerLatencies#STAGES} order; nulls allowed). */
        Histogram[] stages;
        double achievedRate;
        String waitStrategy;
        double pricePerVcpuHour = DEFAULT_VCPU_HOUR_PRICE;
        long inputJournalBytes;
        long outputJournalBytes;
        /** Records in the input journal (every event sent, warm-up included). */
        long inputEvents;
        /** Records in the output journal (every answer). */
        long outputEvents;
        /** Feature state bytes per account ({@link #measureBytesPerAccount()}). */
        double bytesPerAccount;
    }

    /** The cost block of the report. */
    static String report(final Inputs in) {
        final ThreadCpu.Delta cpu = in.cpu;
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "cost: CPU time of each thread (its JVM CPU clock) over the measured " +
            "period, %.1f s, %,d answers at %,.0f/s; server wait strategy %s%n",
            cpu.wallNs / 1e9, cpu.events, in.achievedRate, in.waitStrategy));
        if (!cpu.supported) {
            sb.append("  thread CPU time is not supported by this JVM: no cost figures\n");
            return sb.toString();
        }
        sb.append("  thread                                CPU ms  CPU-us/event   cores busy\n");
        final long serverNs = cpu.server();
        double waitShare = 0;
        for (final Map.Entry<String, Long> e : cpu.serverNs.entrySet()) {
            sb.append(line(e.getKey(), e.getValue(), cpu));
            if (ThreadCpu.PIPELINE.equals(e.getKey())) {
                final double[] weights = new double[PIPELINE_STAGES.length];
                for (int i = 0; i < weights.length; i++) {
                    weights[i] = in.stages == null ? 0 : latencySum(in.stages[PIPELINE_STAGES[i]]);
                }
                final double[] shares = split(e.getValue(), weights);
                waitShare = waitShare(weights);
                for (int i = 0; i < shares.length; i++) {
                    sb.append(line("  ~ " + ServerLatencies.STAGES[PIPELINE_STAGES[i]], (long)shares[i], cpu));
                }
            }
        }
        sb.append(line("server total", serverNs, cpu));
        sb.append("  (the '~' stage rows are an ESTIMATE: the pipeline thread's measured CPU split in proportion to each\n" +
            "   stage's latency sum; validate includes the ring hop and inference the batch wait, so those two get the\n" +
            "   thread's idle CPU too. Every other row is measured.)\n");
        if (waitShare > 0.5) {
            sb.append(String.format(Locale.ROOT, "  (this run %.0f%% of the stages' latency is validate and inference, " +
                "which hold the ring hop and the batch wait: events queued or waited, and the split says little)%n",
                100 * waitShare));
        }
        final StringBuilder generator = new StringBuilder();
        for (final Map.Entry<String, Long> e : cpu.generatorNs.entrySet()) {
            generator.append(generator.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                .append(String.format(Locale.ROOT, "%.2f", cpuUsPerEvent(e.getValue(), cpu.events)));
        }
        sb.append(String.format(Locale.ROOT, "  load generator (not the server's cost): %.2f CPU-us/event (%s)%n",
            cpuUsPerEvent(cpu.generator(), cpu.events), generator));
        if (cpu.unattributed() >= 0) {
            sb.append(String.format(Locale.ROOT, "  rest of the process (JIT, GC, Chronicle's background threads; not " +
                "attributed): %.2f CPU-us/event; process total %.2f%n",
                cpuUsPerEvent(cpu.unattributed(), cpu.events), cpuUsPerEvent(cpu.processNs, cpu.events)));
        }
        final double perCore = eventsPerCore(cpu.events, serverNs);
        sb.append(String.format(Locale.ROOT, "events/s per core (server threads): %,.0f, at this rate and wait strategy " +
            "(the CPU the threads spend waiting between events is in it: at a rate nearer saturation a core does more)%n",
            perCore));
        final double inputPerEvent = bytesPerEvent(in.inputJournalBytes, in.inputEvents);
        final double outputPerEvent = bytesPerEvent(in.outputJournalBytes, in.outputEvents);
        final double diskPerEvent = inputPerEvent + outputPerEvent;
        sb.append(String.format(Locale.ROOT, "journals: input %.1f B/event (%,d B, %,d events), output %.1f B/event " +
            "(%,d B, %,d answers): %.1f B/event on disk%n", inputPerEvent, in.inputJournalBytes, in.inputEvents,
            outputPerEvent, in.outputJournalBytes, in.outputEvents, diskPerEvent));
        sb.append(String.format(Locale.ROOT, "sizing at %.3f USD per vCPU-hour (an example price: --vcpu-hour-price), " +
            "%.0f h a month; cores assume linear scaling (one pipeline today: shards are future work)%n",
            in.pricePerVcpuHour, HOURS_PER_MONTH));
        sb.append("  rate, events/s           cores   USD/month   journal disk/day\n");
        sb.append(sizing(String.format(Locale.ROOT, "%,.0f (this run)", in.achievedRate), in.achievedRate, perCore,
            in.pricePerVcpuHour, diskPerEvent));
        for (final long rate : TARGET_RATES) {
            sb.append(sizing(String.format(Locale.ROOT, "%,d", rate), rate, perCore, in.pricePerVcpuHour, diskPerEvent));
        }
        sb.append(String.format(Locale.ROOT, "memory per million keys: %.2f GB of feature state (%,.0f B/account: " +
            "the %,d B slot and its index entry, both off-heap, measured on %,d accounts); add the JVM heap " +
            "and the journals' page cache%n",
            gbPerMillionKeys(in.bytesPerAccount), in.bytesPerAccount, TransactionFeatures.SLOT_BYTES,
            MEMORY_PROBE_ACCOUNTS));
        return sb.toString();
    }

    private static String line(final String name, final long ns, final ThreadCpu.Delta cpu) {
        return String.format(Locale.ROOT, "  %-34s %9.1f %13.2f %12.3f%n", name, ns / 1e6, cpuUsPerEvent(ns, cpu.events),
            cpu.wallNs > 0 ? (double)ns / cpu.wallNs : Double.NaN);
    }

    private static String sizing(final String label, final double rate, final double perCore, final double price,
        final double diskPerEvent) {
        final long cores = coresNeeded(rate, perCore);
        return String.format(Locale.ROOT, "  %-22s %9s %11s %18s%n", label, cores < 0 ? "?" : String.format(Locale.ROOT, "%,d", cores),
            cores < 0 ? "?" : String.format(Locale.ROOT, "%,.2f", monthlyCost(cores, price)),
            bytes(diskBytesPerDay(diskPerEvent, rate)));
    }

    /** Decimal units: disks and cloud volumes are sold in GB and TB. */
    static String bytes(final double bytes) {
        if (Double.isNaN(bytes)) {
            return "?";
        }
        final List<String> units = List.of("B", "KB", "MB", "GB", "TB", "PB");
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.size() - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units.get(u));
    }

    /** The input and output journal directories of a data directory. */
    static Path inputJournal(final Path dataDir) {
        return dataDir.resolve(Journals.INPUT);
    }

    static Path outputJournal(final Path dataDir) {
        return dataDir.resolve(Journals.OUTPUT);
    }
}
