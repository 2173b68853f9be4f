package io.vigil.perf;

import io.vigil.engine.Units;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.WaitStrategies;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.ServerLatencies;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil bench}: an open-loop, coordinated-omission-corrected load test of a Vigil server (started in-process,
 * or a running one with {@code --connect}), with HdrHistogram reports (interval log, percentile distribution, plot),
 * the per-stage breakdown inside the server, a ramp to the highest rate that keeps p99 under a bound
 * ({@code --find-max}), and a same-run baseline of the raw parts ({@code --baseline}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Open-loop load test with coordinated-omission-corrected HdrHistogram latency reports.",
        "Latency is measured from each event's intended send time (start + k/rate) to its answer."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--connect", paramLabel = "HOST:PORT",
        description = "Load a running server; default: start one in-process (with a temporary data directory).")
    String connect;

    @Option(names = "--rate", defaultValue = "10000", description = "Target rate, events per second (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--duration", defaultValue = "30s", description = "Measured duration (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warmup", defaultValue = "10s",
        description = "Warm-up at the target rate before measuring; not recorded (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--connections", defaultValue = "1", description = "Connections, events spread round-robin (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--metric-share", defaultValue = "0.1",
        description = "Event mix: share of MetricSample events, the rest are card Transactions (default ${DEFAULT-VALUE}).")
    double metricShare;

    @Option(names = "--accounts", defaultValue = "20000", description = "Distinct accounts in the transactions (default ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--wait-strategy", paramLabel = "spin|yield|sleep|block",
        description = "In-process server: how the tailer and pipeline threads wait (vigil.wait.strategy; default: the configuration's).")
    String waitStrategy;

    @Option(names = "--affinity", paramLabel = "CPUS",
        description = "In-process server: CPUs to pin the tailer and pipeline threads to, e.g. 0,1 (vigil.cpu.affinity; default: the configuration's, none).")
    String affinity;

    @Option(names = "--generator-wait", defaultValue = "sleep", paramLabel = "spin|yield|sleep",
        description = "How the load generator waits for the next send time (default ${DEFAULT-VALUE}; spin takes a core).")
    String generatorWait;

    @Option(names = "--out", defaultValue = "vigil-bench", description = "Directory for .hlog, .hgrm, .png, .html (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--pipelined", description = "Closed loop for throughput: no pacing (--rate is ignored), each " +
        "connection keeps --window events in flight for --warmup plus --duration; latency is measured from each send.")
    boolean pipelined;

    @Option(names = "--window", defaultValue = "256",
        description = "With --pipelined: events in flight per connection (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--find-max", description = "Ramp the rate to find the highest one whose corrected p99 stays under --p99-under.")
    boolean findMax;

    @Option(names = "--p99-under", defaultValue = "1ms", description = "Latency bound of --find-max (default ${DEFAULT-VALUE}).")
    String p99Under;

    @Option(names = "--start-rate", defaultValue = "2000", description = "First rate of --find-max (default ${DEFAULT-VALUE}).")
    long startRate;

    @Option(names = "--max-rate", defaultValue = "2000000", description = "Highest rate --find-max tries (default ${DEFAULT-VALUE}).")
    long maxRate;

    @Option(names = "--step-duration", defaultValue = "5s", description = "Measured duration of each --find-max step (default ${DEFAULT-VALUE}).")
    String stepDuration;

    @Option(names = "--baseline", description = "Measure the raw parts, each at its best (Netty echo in its fastest " +
        "set-up, Chronicle append, Disruptor hop in its fastest set-up, ONNX run), before the engine starts, and print the end-to-end latency as a " +
        "ratio over their sum (a lower bound; a WARNING names a part noisier than the engine).")
    boolean baseline;

    @Option(names = "--baseline-samples", defaultValue = "20000", description = "Samples per baseline part (default ${DEFAULT-VALUE}).")
    int baselineSamples;

    @Option(names = "--cost", description = "In-process server: print the cost model: CPU-us per event per thread " +
        "(measured) and per pipeline stage (estimated), events/s per core, cores and monthly cost for 100 K / 1 M / " +
        "10 M events/s, memory per million keys, journal disk per day.")
    boolean cost;

    @Option(names = "--vcpu-hour-price", defaultValue = "0.04", paramLabel = "USD",
        description = "Price of one vCPU-hour for --cost (an example figure; default ${DEFAULT-VALUE}).")
    double vcpuHourPrice;

    @Option(names = "--config", description = "In-process server: properties file with configuration keys.")
    Path configFile;

    @Option(names = "--credential", description = "Logon credential (default: vigil.credential of the configuration).")
    String credential;

    @Option(names = "--client-id", defaultValue = "1000", description = "Client id of the first connection; the others follow (default ${DEFAULT-VALUE}).")
    long clientIdBase;

    @Option(names = "--tenant", defaultValue = "1", description = "Tenant every connection claims at Logon: against a " +
        "server with vigil.credentials.file, the tenant of the client ids' entries, which all take --credential " +
        "(default ${DEFAULT-VALUE}, the tenant of the shared credential).")
    int tenantId;

    private final PrintStream stdout = System.out;
    private List<String> baselineNotes = List.of();

    /** Runs the command without the {@code vigil} launcher: {@code java -cp perf/target/benchmarks.jar io.vigil.perf.BenchCommand}. */
    public static void main(final String[] args) {
        System.setProperty("chronicle.analytics.disable", "true");
        System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        Files.createDirectories(out);
        final Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(GatewayConfiguration.PORT.name(), "0");
        if (waitStrategy != null) {
            overrides.put(VigilConfig.WAIT_STRATEGY.name(), WaitStrategies.check(waitStrategy));
        }
        if (affinity != null) {
            overrides.put(VigilConfig.CPU_AFFINITY.name(), affinity);
        }
        final Path dataDir = Files.createTempDirectory("vigil-bench-data");
        overrides.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        final VigilConfig loaded = VigilConfig.load(configFile);
        VigilAdmin.freePortUnlessSet(loaded, overrides);
        final VigilConfig config = loaded.with(overrides);
        final String header = header(config);
        stdout.print(header);
        try {
            Histogram[] parts = null;
            if (baseline) {
                stdout.println("baseline: measuring the parts on this machine, each at its best, before the engine starts...");
                final Baseline measured = new Baseline(baselineSamples);
                parts = measured.measure(dataDir);
                baselineNotes = measured.notes();
            }
            if (connect != null) {
                final int colon = connect.lastIndexOf(':');
                final String host = connect.substring(0, colon);
                final int port = Integer.parseInt(connect.substring(colon + 1));
                return runAll(host, port, credential != null ? credential : config.string(GatewayConfiguration.CREDENTIAL),
                    null, header, parts, null);
            }
            try (VigilServer server = VigilServer.start(config);
                 VigilAdmin admin = VigilAdmin.startIfEnabled(server)) {
                stdout.println(VigilAdmin.describe(admin));
                return runAll(server.host(), server.port(),
                    credential != null ? credential : config.string(GatewayConfiguration.CREDENTIAL), server, header, parts,
                    config.string(VigilConfig.WAIT_STRATEGY));
            }
        } finally {
            Baseline.deleteTree(dataDir);
        }
    }

    private void validate() {
        if (rate <= 0 || connections <= 0 || startRate <= 0 || maxRate < startRate || baselineSamples <= 0) {
            throw new IllegalArgumentException("--rate, --connections, --start-rate, --baseline-samples must be positive, --max-rate >= --start-rate");
        }
        if (!(metricShare >= 0 && metricShare <= 1)) {
            throw new IllegalArgumentException("--metric-share must be in [0, 1]");
        }
        if (!generatorWait.equals("spin") && !generatorWait.equals("yield") && !generatorWait.equals("sleep")) {
            throw new IllegalArgumentException("--generator-wait must be spin, yield or sleep");
        }
        if (connect != null && connect.lastIndexOf(':') <= 0) {
            throw new IllegalArgumentException("--connect takes HOST:PORT");
        }
        if (pipelined && findMax) {
            throw new IllegalArgumentException("--pipelined and --find-max exclude each other: one finds the highest " +
                "paced rate, the other runs unpaced");
        }
        if (window < 1 || window > 65_536) {
            throw new IllegalArgumentException("--window must be in [1, 65536]");
        }
        if (cost && (connect != null || findMax)) {
            throw new IllegalArgumentException("--cost measures the threads of the in-process server over one run: " +
                "not with --connect or --find-max");
        }
        if (!(vcpuHourPrice >= 0) || Double.isInfinite(vcpuHourPrice)) {
            throw new IllegalArgumentException("--vcpu-hour-price must be a price, >= 0");
        }
        if (connect != null && (waitStrategy != null || affinity != null || configFile != null)) {
            throw new IllegalArgumentException("--wait-strategy, --affinity and --config configure the in-process server; " +
                "with --connect, configure the running server instead");
        }
        durationNs(duration, "--duration");
        durationNs(warmup, "--warmup");
        durationNs(p99Under, "--p99-under");
        durationNs(stepDuration, "--step-duration");
    }

    private int runAll(final String host, final int port, final String secret, final VigilServer server,
        final String header, final Histogram[] parts, final String serverWait) throws Exception {
        final LoadGenerator.Settings s = new LoadGenerator.Settings();
        s.host = host;
        s.port = port;
        s.credential = secret;
        s.connections = connections;
        s.metricShare = metricShare;
        s.accounts = accounts;
        s.generatorWait = generatorWait;
        s.clientIdBase = clientIdBase;
        s.tenantId = tenantId;
        final LoadGenerator generator = new LoadGenerator(s);
        final ServerLatencies stages = server == null ? null : server.latencies();
        if (findMax) {
            return findMax(generator, s, server, stages, header);
        }
        s.rate = rate;
        s.window = pipelined ? window : 0;
        s.warmupNs = durationNs(warmup, "--warmup");
        s.durationNs = durationNs(duration, "--duration");
        if (pipelined) {
            stdout.printf(Locale.ROOT, "running: closed loop, %d in flight per connection, for %s after %s of warm-up...%n",
                window, duration, warmup);
        } else {
            stdout.printf(Locale.ROOT, "running: %,d events/s for %s after %s of warm-up...%n", rate, duration, warmup);
        }
        final LoadGenerator.Result result;
        try (HlogFile hlog = new HlogFile(out.resolve("bench.hlog"))) {
            result = generator.run(s, stages, hlog.writer);
        }
        final StringBuilder report = new StringBuilder(header);
        report.append(describe(result, server != null));
        if (server != null) {
            report.append(inlineLine(server));
        }
        if (parts != null) {
            report.append(Baseline.report(parts, baselineNotes, result.corrected, result.uncorrected));
        }
        if (cost && server != null) {
            report.append(costReport(result, server, serverWait));
        }
        stdout.print(report.substring(header.length()));
        writeDistribution(out.resolve("bench.hgrm"), result.corrected);
        writeDistribution(out.resolve("bench-uncorrected.hgrm"), result.uncorrected);
        final PercentilePlot plot = new PercentilePlot(pipelined ?
            String.format(Locale.ROOT, "Vigil end-to-end latency, closed loop at %,.0f answers/s, %d connection(s) x %d in flight",
                result.achievedRate(), connections, window) :
            String.format(Locale.ROOT, "Vigil end-to-end latency at %,d events/s, %d connection(s)", rate, connections))
            .add("corrected", result.corrected)
            .add("uncorrected", result.uncorrected);
        if (parts != null) {
            for (int i = 0; i < parts.length; i++) {
                plot.add("baseline " + Baseline.PARTS[i], parts[i]);
            }
        }
        plot.writePng(out.resolve("bench.png"));
        plot.writeHtml(out.resolve("bench.html"), report.toString());
        Files.writeString(out.resolve("bench.txt"), report.toString(), StandardCharsets.UTF_8);
        stdout.printf("wrote %s/{bench.hlog, bench.hgrm, bench-uncorrected.hgrm, bench.png, bench.html, bench.txt}%n",
            out.toAbsolutePath().normalize());
        return result.missing() == 0 ? 0 : 1;
    }

    private int findMax(final LoadGenerator generator, final LoadGenerator.Settings s, final VigilServer server,
        final ServerLatencies stages, final String header) throws Exception {
        final long boundNs = durationNs(p99Under, "--p99-under");
        final long stepNs = durationNs(stepDuration, "--step-duration");
        final StringBuilder report = new StringBuilder(header);
        report.append(String.format(Locale.ROOT,
            "find-max: highest rate whose corrected p99 <= %s with every event answered and >= 97%% of the rate achieved" +
            " (a failed step is run once more before it counts);%n" +
            "  steps of %s (first step after %s of warm-up, later ones after 1s), doubling from %,d/s, then bisecting%n",
            p99Under, stepDuration, warmup, startRate));
        report.append(String.format(Locale.ROOT, "  %12s %12s %10s %10s %10s %10s %8s  %s%n",
            "target/s", "achieved/s", "p50 us", "p99 us", "p99.9 us", "max us", "missing", "verdict"));
        stdout.print(report.substring(header.length()));
        final PercentilePlot plot = new PercentilePlot("Vigil find-max: corrected latency per step (p99 bound " + p99Under + ")");
        long good = 0;
        long bad = 0;
        long target = startRate;
        boolean first = true;
        LoadGenerator.Result best = null;
        int bisections = 0;
        boolean retried = false;
        while (true) {
            s.rate = target;
            s.warmupNs = first ? durationNs(warmup, "--warmup") : TimeUnit.SECONDS.toNanos(1);
            s.durationNs = stepNs;
            s.drainTimeoutNs = TimeUnit.SECONDS.toNanos(5);
            s.clientIdBase += connections;
            first = false;
            final LoadGenerator.Result r = generator.run(s, stages, null);
            final long p99 = r.corrected.getValueAtPercentile(99);
            final boolean pass = r.missing() == 0 && p99 <= boundNs && r.achievedRate() >= 0.97 * target;
            final boolean retry = !pass && !retried;
            final String line = String.format(Locale.ROOT, "  %,12d %,12.0f %10.1f %10.1f %10.1f %10.1f %8d  %s%n",
                target, r.achievedRate(), us(r.corrected.getValueAtPercentile(50)), us(p99),
                us(r.corrected.getValueAtPercentile(99.9)), us(r.corrected.getMaxValue()), r.missing(),
                pass ? "pass" : retry ? "fail, retrying once (noisy machine)" : "FAIL");
            report.append(line);
            stdout.print(line);
            plot.add(String.format(Locale.ROOT, "%,d/s %s", target, pass ? "pass" : "fail"), r.corrected);
            if (retry) {
                retried = true;
                settle(server);
                continue;
            }
            retried = false;
            if (pass) {
                good = target;
                best = r;
            } else {
                bad = target;
                settle(server);
            }
            if (bad == 0) {
                if (target * 2 > maxRate) {
                    break;
                }
                target *= 2;
            } else {
                if (bisections++ >= 4 || bad - good <= Math.max(500, good / 20)) {
                    break;
                }
                target = (good + bad) / 2;
            }
        }
        final String verdict = good == 0 ?
            String.format(Locale.ROOT, "find-max: no rate from %,d/s up kept p99 under %s%n", startRate, p99Under) :
            String.format(Locale.ROOT, "find-max: %,d events/s sustained with corrected p99 %.1f us (bound %s)%s%n", good,
                us(best.corrected.getValueAtPercentile(99)), p99Under, bad == 0 ? " (stopped at --max-rate)" : "");
        report.append(verdict);
        if (best != null) {
            report.append("at the highest passing rate:\n").append(describe(best, server != null));
            writeDistribution(out.resolve("find-max.hgrm"), best.corrected);
        }
        stdout.print(verdict);
        if (best != null) {
            stdout.print("at the highest passing rate:\n" + describe(best, server != null));
        }
        plot.writePng(out.resolve("find-max.png"));
        plot.writeHtml(out.resolve("find-max.html"), report.toString());
        Files.writeString(out.resolve("find-max.txt"), report.toString(), StandardCharsets.UTF_8);
        stdout.printf("wrote %s/{find-max.png, find-max.html, find-max.txt, find-max.hgrm}%n", out.toAbsolutePath().normalize());
        return good > 0 ? 0 : 1;
    }

    private String costReport(final LoadGenerator.Result result, final VigilServer server, final String serverWait)
        throws IOException {
        final CostModel.Inputs in = new CostModel.Inputs();
        in.cpu = result.cpu;
        in.stages = result.stages;
        in.achievedRate = result.achievedRate();
        in.waitStrategy = serverWait;
        in.pricePerVcpuHour = vcpuHourPrice;
        final Path dataDir = server.journals().dataDir();
        in.inputJournalBytes = CostModel.writtenBytes(CostModel.inputJournal(dataDir));
        in.outputJournalBytes = CostModel.writtenBytes(CostModel.outputJournal(dataDir));
        in.inputEvents = result.sent;
        in.outputEvents = result.answered;
        in.bytesPerAccount = CostModel.measureBytesPerAccount();
        return CostModel.report(in);
    }

    /** After a failed step, lets the server finish its backlog so the next step starts clean. */
    private static void settle(final VigilServer server) throws InterruptedException {
        if (server != null) {
            server.engine().awaitCaughtUp(60, TimeUnit.SECONDS);
        }
        Thread.sleep(1000);
    }

    private String describe(final LoadGenerator.Result r, final boolean inProcess) {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "sent %,d events (%,d measured), answered %,d (%,d rejected), missing %,d; " +
            "achieved %,.0f answers/s over the measured period (%s)%n",
            r.sent, r.measuredSent, r.answered, r.rejected, r.missing(), r.achievedRate(),
            r.targetRate > 0 ? String.format(Locale.ROOT, "target %,d/s", r.targetRate) : "closed loop, no target"));
        sb.append("latency, microseconds            p50       p90       p99     p99.9    p99.99       max   count\n");
        sb.append(row("end to end, corrected", r.corrected));
        sb.append(row("end to end, uncorrected", r.uncorrected));
        sb.append(row("generator send lag", r.generatorLag));
        if (inProcess) {
            sb.append("inside the server, per stage (same period):\n");
            double sumP50 = 0;
            for (int i = 0; i < ServerLatencies.STAGES.length; i++) {
                final Histogram h = r.stages[i];
                if (h != null) {
                    sb.append(row("  " + ServerLatencies.STAGES[i], h));
                    if (i != ServerLatencies.JOURNAL_APPEND) {
                        sumP50 += us(h.getValueAtPercentile(50));
                    }
                }
            }
            sb.append(String.format(Locale.ROOT,
                "  sum of stage p50s %.1f us (journal append counted once: tailer pickup contains it); " +
                    "end-to-end uncorrected p50 %.1f us: client, kernel and loopback take the rest%n",
                sumP50, us(r.uncorrected.getValueAtPercentile(50))));
            sb.append(String.format(Locale.ROOT,
                "allocation after warm-up, bytes per event: pipeline %.2f, tailer %.2f, gateway-io %.2f " +
                    "(server hot threads together %.2f); load generator receivers %.2f%n",
                r.allocation.bytesPerEvent("pipeline"), r.allocation.bytesPerEvent("tailer"),
                r.allocation.bytesPerEvent("gateway-io"), r.allocation.serverBytesPerEvent(),
                r.allocation.bytesPerEvent("client-receivers")));
        }
        return sb.toString();
    }

    /** How many of the server's events the network thread ran through the pipeline itself (warm-up included). */
    private static String inlineLine(final VigilServer server) {
        final long answered = server.engine().answered();
        final long inline = server.engine().inlineEvents();
        return String.format(Locale.ROOT, "pipeline run inline by the network thread (vigil.pipeline.inline.max): " +
            "%,d of %,d events answered since start (%.1f%%), the rest on the pipeline thread%n", inline, answered,
            answered == 0 ? 0.0 : 100.0 * inline / answered);
    }

    private static String row(final String name, final Histogram h) {
        return String.format(Locale.ROOT, "  %-30s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %,7d%n", name,
            us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)),
            us(h.getValueAtPercentile(99.9)), us(h.getValueAtPercentile(99.99)), us(h.getMaxValue()), h.getTotalCount());
    }

    private String header(final VigilConfig config) {
        final StringBuilder sb = new StringBuilder();
        sb.append("vigil bench\n");
        sb.append(String.format(Locale.ROOT, "machine: %d cpus (%s), %s, JVM %s %s, heap max %d MB%n",
            Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("os.name") + " " + System.getProperty("os.version"),
            System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
            Runtime.getRuntime().maxMemory() / (1024 * 1024)));
        sb.append("jvm args: ").append(String.join(" ", filteredJvmArgs())).append('\n');
        if (connect != null) {
            sb.append("server: ").append(connect).append(" (running elsewhere; its wait strategy and pinning are its own)\n");
        } else {
            sb.append(String.format(Locale.ROOT, "server: in-process; wait strategy %s (%s), cpu affinity '%s' (%s), inference batch max %s%n",
                config.string(VigilConfig.WAIT_STRATEGY), config.source(VigilConfig.WAIT_STRATEGY),
                config.string(VigilConfig.CPU_AFFINITY), config.source(VigilConfig.CPU_AFFINITY),
                config.string(VigilConfig.INFERENCE_BATCH)));
        }
        sb.append(String.format(Locale.ROOT,
            "load: %s, %d connection(s), generator wait %s, unpinned, mix %.0f%% transactions / %.0f%% metric samples, %,d accounts%n",
            pipelined ? "closed loop (--pipelined), " + window + " in flight per connection" : "open loop", connections,
            generatorWait, 100 * (1 - metricShare), 100 * metricShare, accounts));
        return sb.toString();
    }

    private static List<String> filteredJvmArgs() {
        final List<String> args = new ArrayList<>();
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("--add-") && !arg.startsWith("-Dchronicle")) {
                args.add(arg);
            }
        }
        return args;
    }

    private static String cpuModel() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (final IOException | RuntimeException ex) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static void writeDistribution(final Path file, final Histogram nanos) throws IOException {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            nanos.outputPercentileDistribution(ps, 5, 1000.0);
        }
    }

    private static double us(final long ns) {
        return ns / 1000.0;
    }

    /** A duration option (30s, 500ms, 2m, 100us) parsed by {@link Units}; errors name the option. */
    static long durationNs(final String text, final String option) {
        try {
            return Units.durationNs(text);
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException(option + " '" + text + "': " + ex.getMessage(), ex);
        }
    }

    /** An interval log file; HdrHistogram's HistogramLogProcessor reads it. */
    private static final class HlogFile implements AutoCloseable {
        private final PrintStream stream;
        final HistogramLogWriter writer;

        HlogFile(final Path file) throws IOException {
            stream = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8);
            writer = new HistogramLogWriter(stream);
            writer.outputComment("vigil bench: nanoseconds; untagged = corrected end-to-end latency, tag " +
                LoadGenerator.UNCORRECTED_TAG + " = uncorrected, tag " + LoadGenerator.LAG_TAG + " = generator send lag");
            writer.outputLogFormatVersion();
            writer.outputLegend();
        }

        @Override
        public void close() {
            writer.close();
            stream.close();
        }
    }
}
