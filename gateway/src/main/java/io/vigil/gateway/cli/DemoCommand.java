package io.vigil.gateway.cli;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.StageLatencies;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.VigilServer;
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
    static final int DEMO_TENANT = 1;

    @Option(names = "--events", defaultValue = "1000000", description = "Transactions to send (default ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--rate", defaultValue = "50000", description = "Send rate, events per second (default ${DEFAULT-VALUE}).")
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

    @Option(names = "--data", defaultValue = "./vigil-data", description = "Data directory (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--config", description = "Properties file with configuration keys.")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        if (events <= 0 || rate <= 0 || accounts <= 0) {
            throw new IllegalArgumentException("--events, --rate and --accounts must be positive");
        }
        final Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        overrides.put(VigilConfig.PORT.name(), "0");
        final VigilConfig config = VigilConfig.load(configFile).with(overrides);
        System.out.printf("Vigil demo: %,d transactions over %,d accounts at %,d/s, fraud rate %.2f%%, seed %d%n",
            events, accounts, rate, fraudRate * 100, seed);
        try (VigilServer server = VigilServer.start(config)) {
            final Report report = stream(server, config.string(VigilConfig.CREDENTIAL));
            report.print(server);
            return report.answered == events && report.lostOrDuplicate() == 0 ? 0 : 1;
        }
    }

    private Report stream(final VigilServer server, final String credential) throws IOException, InterruptedException {
        final long meanGapNs = 20_000_000L;
        final long startEventTimeNs = System.currentTimeMillis() * 1_000_000L - (long)events * meanGapNs;
        final SyntheticTransactions generator = new SyntheticTransactions(seed, accounts, startEventTimeNs, meanGapNs, fraudRate);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final Report report = new Report(events, Math.min(warmup, events / 2));

        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            final long firstSequence = client.logon(credential, DEMO_TENANT, DEMO_CLIENT_ID, 0, report) + 1;
            report.firstSequence = firstSequence;
            client.autoFlush(false);
            final long periodNs = 1_000_000_000L / rate;
            final long startNs = System.nanoTime();
            report.startNs = startNs;
            int sent = 0;
            while (sent < events) {
                final long now = System.nanoTime();
                final long due = Math.min(events, (now - startNs) / periodNs + 1);
                while (sent < due) {
                    generator.next(tx);
                    report.fraud[sent] = tx.fraud;
                    report.sendNs[sent] = System.nanoTime();
                    client.sendTransaction(firstSequence + sent, tx.eventTimeNs, tx.accountId, tx.merchantId, tx.mcc,
                        tx.amountMinor, tx.currency, tx.country, Channel.get((short)tx.channel),
                        tx.fraud ? Label.FRAUD : Label.LEGIT);
                    sent++;
                }
                client.flush();
                if (sent >= report.warmup && report.measuredStartNs == 0) {
                    report.measuredStartNs = System.nanoTime();
                    for (int stage = 0; stage < StageLatencies.STAGES.length; stage++) {
                        server.engine().latencies().interval(stage);
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
            for (int stage = 0; stage < StageLatencies.STAGES.length; stage++) {
                report.stages[stage] = server.engine().latencies().interval(stage);
            }
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        return report;
    }

    /** Collects answers on the client's receiver thread; read by the main thread once all have arrived. */
    static final class Report implements VigilClient.Listener {
        final long[] sendNs;
        final boolean[] fraud;
        final byte[] seen;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final long[] actions = new long[3];
        final Histogram[] stages = new Histogram[StageLatencies.STAGES.length];
        final int warmup;
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

        Report(final int events, final int warmup) {
            this.warmup = warmup;
            sendNs = new long[events];
            fraud = new boolean[events];
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
                latency.recordValue(Math.min(now - sendNs[i], latency.getHighestTrackableValue()));
            }
            final Action action = decision.action();
            actions[action.value()]++;
            if (action != Action.APPROVE) {
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

        void print(final VigilServer server) throws IOException {
            long frauds = 0;
            for (final boolean f : fraud) {
                frauds += f ? 1 : 0;
            }
            final double sendSeconds = (sendEndNs - startNs) / 1e9;
            final double totalSeconds = (lastAnswerNs - startNs) / 1e9;
            System.out.println();
            System.out.printf("sent       %,d events in %.2f s (%,.0f events/s offered)%n", sendNs.length, sendSeconds, sendNs.length / sendSeconds);
            System.out.printf("answered   %,d in %.2f s (%,.0f events/s end to end); missing %,d, duplicate answers %,d%n",
                answered, totalSeconds, answered / totalSeconds, sendNs.length - answered, duplicates);
            System.out.printf("latency from send to decision at the client, microseconds (HdrHistogram; the first %,d events " +
                "warm the JVM up and are left out):%n", warmup);
            printPercentiles("end to end", latency);
            System.out.println("inside the server, per stage (same events):");
            for (int stage = 0; stage < stages.length; stage++) {
                if (stages[stage] != null) {
                    printPercentiles(StageLatencies.STAGES[stage], stages[stage]);
                }
            }
            System.out.printf("actions    APPROVE %,d  REVIEW %,d  DECLINE %,d  rejected %,d%n",
                actions[0], actions[1], actions[2], rejects);
            System.out.printf("fraud      %,d injected events; flagged (REVIEW or DECLINE): precision %.3f recall %.3f; " +
                "DECLINE only: precision %.3f recall %.3f%n",
                frauds, ratio(truePositives, truePositives + falsePositives), ratio(truePositives, frauds),
                ratio(declineTruePositives, declineTruePositives + declineFalsePositives), ratio(declineTruePositives, frauds));
            final Path data = server.journals().dataDir().toAbsolutePath().normalize();
            System.out.printf("journals   %s  input/ %s, output/ %s, dlq/ %s%n", data,
                size(data.resolve("input")), size(data.resolve("output")), size(data.resolve("dlq")));
        }

        private static void printPercentiles(final String name, final Histogram h) {
            System.out.printf("  %-18s p50 %9.1f  p90 %9.1f  p99 %9.1f  p99.9 %9.1f  max %9.1f  (n=%,d)%n", name,
                us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)),
                us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()), h.getTotalCount());
        }

        private static double us(final long ns) {
            return ns / 1000.0;
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
