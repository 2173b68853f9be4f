package io.vigil.gateway.cli;

import io.vigil.codecs.ReasonNames;
import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.ServerLatencies;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.client.VigilClient;
import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code vigil demo}: starts the server in-process, streams labelled synthetic card transactions to it over real TCP
 * at a fixed rate through {@link VigilClient}, and reports throughput, latency from send to decision, actions, and
 * precision and recall on the injected fraud.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Stream synthetic card transactions with injected fraud through a local server and report.")
public final class DemoCommand implements Callable<Integer> {
    static final long DEMO_CLIENT_ID = 1;
    private static final long PROGRESS_NS = TimeUnit.SECONDS.toNanos(5);
    static final int DEMO_TENANT = 1;

    /** Events per second this 2-core reference machine sustains with room to spare (find-max: ~32,000/s at p99 < 5 ms). */
    static final String DEFAULT_RATE = "20000";

    @Option(names = "--events", defaultValue = "600000", description = "Transactions to send (default ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--rate", defaultValue = DEFAULT_RATE, description = "Send rate, events per second (default " +
        "${DEFAULT-VALUE}, which a 2-core machine sustains; a warning says when the server fell behind).")
    int rate;

    @Option(names = "--warmup", defaultValue = "100000",
        description = "Of the events, how many first ones warm the JVM up and stay out of the latency figures (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--accounts", defaultValue = "20000", description = "Distinct accounts (default ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--fraud-rate", defaultValue = "0.005", description = "Share of events in injected fraud patterns (default ${DEFAULT-VALUE}).")
    double fraudRate;

    @Option(names = "--seed", defaultValue = "42", description = "Generator seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Data directory (default: a fresh ./vigil-data/demo-<time> per run). One that " +
        "already holds journals is refused unless --resume.")
    Path dataDir;

    @Option(names = "--resume", description = "Continue in a --data directory that holds an earlier run's journals and " +
        "state (its accounts' history then shapes this run's features and figures).")
    boolean resume;

    @Option(names = "--config", description = "Properties file with configuration keys.")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        if (events <= 0 || rate <= 0 || accounts <= 0) {
            throw new IllegalArgumentException("--events, --rate and --accounts must be positive");
        }
        final Path data = dataDirectory();
        final Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(VigilConfig.DATA_DIR.name(), data.toString());
        overrides.put(GatewayConfiguration.PORT.name(), "0");
        final VigilConfig loaded = VigilConfig.load(configFile);
        VigilAdmin.freePortUnlessSet(loaded, overrides);
        final VigilConfig config = loaded.with(overrides);
        for (final String warning : config.unknownLookalikes()) {
            System.err.println("vigil demo: warning: " + warning);
        }
        System.out.printf("Vigil demo: %,d transactions over %,d accounts at %,d/s, fraud rate %.2f%%, seed %d, data in %s%n",
            events, accounts, rate, fraudRate * 100, seed, data);
        try (VigilServer server = VigilServer.start(config);
             VigilAdmin admin = VigilAdmin.startIfEnabled(server)) {
            System.out.println("Vigil demo: " + VigilAdmin.describe(admin));
            final Report report = stream(server, server.context().credential());
            report.print(server, rate);
            return report.answered == events && report.lostOrDuplicate() == 0 ? 0 : 1;
        }
    }

    /** The run's data directory: a fresh one by default; a given one only when it holds no journals or --resume. */
    private Path dataDirectory() throws IOException {
        if (dataDir == null) {
            final String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path fresh = Path.of("vigil-data", "demo-" + stamp);
            for (int n = 2; Files.exists(fresh); n++) {
                fresh = Path.of("vigil-data", "demo-" + stamp + "-" + n);
            }
            return fresh;
        }
        if (!resume && holdsJournals(dataDir)) {
            throw new IllegalArgumentException(dataDir + " holds the journals of an earlier run, whose state would carry " +
                "over into this one; pass --resume to continue it, or leave out --data for a fresh directory");
        }
        return dataDir;
    }

    private static boolean holdsJournals(final Path dir) throws IOException {
        for (final String journal : new String[] {"input", "output"}) {
            final Path path = dir.resolve(journal);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.list(path)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith(".cq4"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private Report stream(final VigilServer server, final String credential) throws IOException, InterruptedException {
        final long meanGapNs = 20_000_000L;
        // the stream ends about now (event times must pass validation) and starts on a whole day, so that windows,
        // buckets and half-days fall the same way in every run: the same seed gives the same figures
        final long dayNs = TimeUnit.DAYS.toNanos(1);
        final long startEventTimeNs = Math.floorDiv(System.currentTimeMillis() * 1_000_000L - (long)events * meanGapNs, dayNs) * dayNs;
        final SyntheticTransactions generator = new SyntheticTransactions(seed, accounts, startEventTimeNs, meanGapNs, fraudRate);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final long periodNs = 1_000_000_000L / rate;
        final Report report = new Report(events, Math.min(warmup, events / 2), periodNs);

        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            final long firstSequence = client.logon(credential, DEMO_TENANT, DEMO_CLIENT_ID, 0, report) + 1;
            report.firstSequence = firstSequence;
            client.autoFlush(false);
            final long startNs = System.nanoTime();
            report.startNs = startNs;
            int sent = 0;
            long nextProgressNs = startNs + PROGRESS_NS;
            while (sent < events) {
                final long now = System.nanoTime();
                final long due = Math.min(events, (now - startNs) / periodNs + 1);
                while (sent < due) {
                    generator.next(tx);
                    report.fraud[sent] = tx.fraud;
                    report.pattern[sent] = (byte)tx.pattern;
                    report.sendNs[sent] = System.nanoTime();
                    client.sendTransaction(firstSequence + sent, tx.eventTimeNs, tx.accountId, tx.merchantId, tx.mcc,
                        tx.amountMinor, tx.currency, tx.country, Channel.get((short)tx.channel),
                        tx.fraud ? Label.FRAUD : Label.LEGIT);
                    sent++;
                }
                client.flush();
                if (now >= nextProgressNs) {
                    nextProgressNs += PROGRESS_NS;
                    System.out.printf("  %3d s  sent %,d  answered %,d%n", (now - startNs) / 1_000_000_000L, sent,
                        report.answered());
                }
                if (sent >= report.warmup && report.measuredStartNs == 0) {
                    report.measuredStartNs = System.nanoTime();
                    for (int stage = 0; stage < ServerLatencies.STAGES.length; stage++) {
                        server.latencies().interval(stage);
                    }
                }
                if (sent < events) {
                    final long nextDueNs = startNs + sent * periodNs;
                    final long waitNs = nextDueNs - System.nanoTime();
                    if (waitNs > 0) {
                        LockSupport.parkNanos(waitNs);
                    }
                }
            }
            report.sendEndNs = System.nanoTime();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (report.answered() < events && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            report.answered = report.answered();
            for (int stage = 0; stage < ServerLatencies.STAGES.length; stage++) {
                report.stages[stage] = server.latencies().interval(stage);
            }
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        return report;
    }

    /** Collects answers on the client's receiver thread; read by the main thread once all have arrived. */
    static final class Report implements VigilClient.Listener {
        private static final String[] PATTERN_NAMES = {"legitimate", "card testing", "amount spikes", "merchant hopping"};

        final long[] sendNs;
        final boolean[] fraud;
        final byte[] pattern;
        final byte[] seen;
        /** From the time each event was due to be sent (the schedule): coordinated omission corrected. */
        final Histogram corrected = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
        /** From the time each event was actually sent. */
        final Histogram uncorrected = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
        final long[] actions = new long[3];
        final long[] patternEvents = new long[SyntheticTransaction.PATTERNS];
        final long[] patternFlagged = new long[SyntheticTransaction.PATTERNS];
        final long[] reasonAlerts = new long[ReasonNames.NAMES.size()];
        final long[] reasonFraud = new long[ReasonNames.NAMES.size()];
        final Histogram[] stages = new Histogram[ServerLatencies.STAGES.length];
        final int warmup;
        final long periodNs;
        volatile long measuredStartNs;
        final AtomicLong answeredCount = new AtomicLong();
        long firstSequence;
        long startNs;
        long sendEndNs;
        volatile long lastAnswerNs;
        long answered;
        long rejects;
        long duplicates;
        long truePositives;
        long falsePositives;
        long declineTruePositives;
        long declineFalsePositives;

        Report(final int events, final int warmup, final long periodNs) {
            this.warmup = warmup;
            this.periodNs = periodNs;
            sendNs = new long[events];
            fraud = new boolean[events];
            pattern = new byte[events];
            seen = new byte[events];
        }

        long answered() {
            return answeredCount.get();
        }

        private int indexOf(final long sequence) {
            final long i = sequence - firstSequence;
            return i >= 0 && i < sendNs.length ? (int)i : -1;
        }

        private boolean firstAnswer(final int i) {
            if (seen[i] != 0) {
                duplicates++;
                return false;
            }
            seen[i] = 1;
            return true;
        }

        @Override
        public void onDecision(final DecisionDecoder decision) {
            final long now = System.nanoTime();
            final int i = indexOf(decision.clientSequence());
            if (i < 0 || !firstAnswer(i)) {
                return;
            }
            if (i >= warmup) {
                final long dueNs = startNs + i * periodNs;
                corrected.recordValue(Math.min(Math.max(0, now - dueNs), corrected.getHighestTrackableValue()));
                uncorrected.recordValue(Math.min(now - sendNs[i], uncorrected.getHighestTrackableValue()));
            }
            final Action action = decision.action();
            actions[action.value()]++;
            patternEvents[pattern[i]]++;
            if (action != Action.APPROVE) {
                patternFlagged[pattern[i]]++;
                final long reasons = decision.reasons().getRaw();
                for (int bit = 0; bit < reasonAlerts.length; bit++) {
                    if ((reasons & (1L << bit)) != 0) {
                        reasonAlerts[bit]++;
                        reasonFraud[bit] += fraud[i] ? 1 : 0;
                    }
                }
                if (fraud[i]) {
                    truePositives++;
                } else {
                    falsePositives++;
                }
                if (action == Action.DECLINE) {
                    if (fraud[i]) {
                        declineTruePositives++;
                    } else {
                        declineFalsePositives++;
                    }
                }
            }
            lastAnswerNs = now;
            answeredCount.incrementAndGet();
        }

        @Override
        public void onReject(final RejectDecoder reject) {
            final int i = indexOf(reject.clientSequence());
            if (i < 0 || !firstAnswer(i)) {
                return;
            }
            rejects++;
            lastAnswerNs = System.nanoTime();
            answeredCount.incrementAndGet();
        }

        long lostOrDuplicate() {
            return (sendNs.length - answered) + duplicates;
        }

        /** Flagged precision and recall, for tests and the report. */
        double precision() {
            return ratio(truePositives, truePositives + falsePositives);
        }

        double recall() {
            long frauds = 0;
            for (final boolean f : fraud) {
                frauds += f ? 1 : 0;
            }
            return ratio(truePositives, frauds);
        }

        void print(final VigilServer server, final int offeredRate) throws IOException {
            long frauds = 0;
            for (final boolean f : fraud) {
                frauds += f ? 1 : 0;
            }
            final double sendSeconds = (sendEndNs - startNs) / 1e9;
            final double totalSeconds = (lastAnswerNs - startNs) / 1e9;
            final double achieved = answered / totalSeconds;
            System.out.println();
            System.out.printf("sent       %,d events in %.2f s (%,.0f events/s offered)%n", sendNs.length, sendSeconds, sendNs.length / sendSeconds);
            System.out.printf("answered   %,d in %.2f s (%,.0f events/s end to end); missing %,d, duplicate answers %,d%n",
                answered, totalSeconds, achieved, sendNs.length - answered, duplicates);
            System.out.printf("latency from send to decision at the client (HdrHistogram; the first %,d events warm the JVM " +
                "up and are left out):%n", warmup);
            System.out.printf("  %-22s %9s %9s %9s %9s %9s%n", "", "p50", "p90", "p99", "p99.9", "max");
            printPercentiles("end to end, corrected", corrected);
            printPercentiles("end to end, uncorrected", uncorrected);
            System.out.println("  (corrected: from when each event was due at the offered rate, so a stall counts for every " +
                "event it delayed; uncorrected: from when it was sent)");
            System.out.println("inside the server, per stage (same events):");
            for (int stage = 0; stage < stages.length; stage++) {
                if (stages[stage] != null) {
                    printPercentiles(ServerLatencies.STAGES[stage], stages[stage]);
                }
            }
            final long flagged = actions[1] + actions[2];
            System.out.printf("actions    APPROVE %,d  REVIEW %,d  DECLINE %,d  rejected %,d;  %.2f alerts (REVIEW or DECLINE) " +
                "per 1,000 events%n", actions[0], actions[1], actions[2], rejects, ratio(flagged * 1000, answered));
            System.out.printf("fraud      %,d injected events; flagged (REVIEW or DECLINE): precision %.3f recall %.3f; " +
                "DECLINE only: precision %.3f recall %.3f%n",
                frauds, ratio(truePositives, truePositives + falsePositives), ratio(truePositives, frauds),
                ratio(declineTruePositives, declineTruePositives + declineFalsePositives), ratio(declineTruePositives, frauds));
            System.out.println("per pattern (recall: share of the pattern's events flagged):");
            for (int p = 1; p < SyntheticTransaction.PATTERNS; p++) {
                System.out.printf("  %-17s %,8d events, %,8d flagged, recall %.3f%n", PATTERN_NAMES[p], patternEvents[p],
                    patternFlagged[p], ratio(patternFlagged[p], patternEvents[p]));
            }
            System.out.printf("  %-17s %,8d events, %,8d flagged (false alarms)%n", PATTERN_NAMES[0], patternEvents[0],
                patternFlagged[0]);
            System.out.println("per reason (alerts carrying it; precision: share of them on injected fraud):");
            for (int bit = 0; bit < reasonAlerts.length; bit++) {
                if (reasonAlerts[bit] > 0) {
                    System.out.printf("  %-17s %,8d alerts, precision %.3f%n", ReasonNames.NAMES.get(bit), reasonAlerts[bit],
                        ratio(reasonFraud[bit], reasonAlerts[bit]));
                }
            }
            final Path data = server.journals().dataDir().toAbsolutePath().normalize();
            System.out.printf("journals   %s  input/ %s, output/ %s, dlq/ %s%n", data,
                size(data.resolve("input")), size(data.resolve("output")), size(data.resolve("dlq")));
            final double p50Ms = corrected.getValueAtPercentile(50) / 1e6;
            if (achieved < 0.95 * offeredRate || p50Ms > 100) {
                System.out.printf("%nwarning: the server fell behind the offered %,d events/s: it answered %,.0f events/s end to " +
                    "end, median latency %s; this machine sustains less: try --rate %,d%n", offeredRate, achieved,
                    readable(corrected.getValueAtPercentile(50)), Math.max(1000, (long)(achieved * 0.8) / 1000 * 1000));
            }
        }

        private static void printPercentiles(final String name, final Histogram h) {
            System.out.printf("  %-22s %9s %9s %9s %9s %9s  (n=%,d)%n", name,
                readable(h.getValueAtPercentile(50)), readable(h.getValueAtPercentile(90)),
                readable(h.getValueAtPercentile(99)), readable(h.getValueAtPercentile(99.9)), readable(h.getMaxValue()),
                h.getTotalCount());
        }

        /** Nanoseconds in the unit that keeps 1 to 3 digits before the point: 850 ns, 182 us, 7.70 ms, 1.25 s. */
        static String readable(final long ns) {
            if (ns < 1_000) {
                return ns + " ns";
            }
            if (ns < 1_000_000) {
                return format(ns / 1e3) + " us";
            }
            if (ns < 1_000_000_000) {
                return format(ns / 1e6) + " ms";
            }
            return format(ns / 1e9) + " s";
        }

        private static String format(final double value) {
            return value < 10 ? String.format(java.util.Locale.ROOT, "%.2f", value) :
                value < 100 ? String.format(java.util.Locale.ROOT, "%.1f", value) :
                String.format(java.util.Locale.ROOT, "%.0f", value);
        }

        private static double ratio(final long a, final long b) {
            return b == 0 ? 0 : (double)a / b;
        }

        private static String size(final Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return "-";
            }
            long bytes = 0;
            try (Stream<Path> files = Files.walk(dir)) {
                for (final Path p : (Iterable<Path>)files::iterator) {
                    if (Files.isRegularFile(p)) {
                        bytes += Files.size(p);
                    }
                }
            }
            return String.format("%.1f MB", bytes / 1e6);
        }
    }
}
