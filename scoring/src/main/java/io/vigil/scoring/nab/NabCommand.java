package io.vigil.scoring.nab;

import io.vigil.scoring.anomaly.EnsembleDetector;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vigil nab}: streams every series of a corpus in NAB's layout ({@code DATA/data/<category>/<name>.csv},
 * or {@code DATA/<category>/<name>.csv}) through {@link MetricAnomalyScorer}, one value at a time
 * and with no look-ahead, and writes {@code OUT/<category>/<name>.csv} with
 * {@code timestamp,value,anomaly_score}. Never reads labels.
 *
 * <p>Control plane: single-threaded, allocates freely.
 */
@Command(name = "nab", mixinStandardHelpOptions = true,
    description = "Score every series of a NAB-layout corpus with the engine's anomaly detector "
        + "and write NAB result CSVs (timestamp,value,anomaly_score).")
public final class NabCommand implements Callable<Integer> {
    /** The tenant the runner scores its series under (each series is alone in its tenant's state anyway). */
    public static final int NAB_TENANT = 1;

    @Option(names = "--data", required = true, paramLabel = "DIR",
        description = "corpus directory (NAB root holding data/, or the data directory itself)")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "results directory")
    Path out;

    @Option(names = "--detector", paramLabel = "LIST",
        description = "comma-separated detectors to enable (ablation), default: "
            + EnsembleDetector.Context.DETECTORS_DEFAULT)
    String detectors;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
        description = "override a detector parameter for every series (see docs/anomaly.md)")
    Map<String, String> params;

    @Option(names = "--quiet", description = "print only the summary line")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        final PrintWriter stdout = spec.commandLine().getOut();
        final EnsembleDetector.Context context = new EnsembleDetector.Context();
        if (detectors != null) {
            context.detectors(detectors);
        }
        if (params != null) {
            params.forEach(context::set);
        }
        context.conclude();
        final Path root = Files.isDirectory(data.resolve("data")) ? data.resolve("data") : data;
        final List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> p.toString().endsWith(".csv") && Files.isRegularFile(p)).sorted().forEach(files::add);
        }
        if (files.isEmpty()) {
            spec.commandLine().getErr().println("nab: no CSV files under " + root);
            return 2;
        }
        if (!quiet) {
            stdout.println("nab: " + files.size() + " series, parameters: " + context);
        }
        final MetricAnomalyScorer scorer = new MetricAnomalyScorer(files.size(), context);
        long values = 0;
        long scoringNs = 0;
        long seriesId = 0;
        for (final Path file : files) {
            final Series series = Series.read(file);
            final double[] scores = new double[series.size()];
            final long start = System.nanoTime();
            for (int i = 0; i < scores.length; i++) {
                scores[i] = scorer.update(NAB_TENANT, seriesId, series.timesNs[i], series.values[i]);
            }
            scoringNs += System.nanoTime() - start;
            values += scores.length;
            seriesId++;
            final Path target = out.resolve(root.relativize(file));
            Files.createDirectories(target.getParent());
            series.write(target, scores);
            if (!quiet) {
                stdout.println("  " + root.relativize(file) + ": " + scores.length + " values");
            }
        }
        stdout.printf("nab: %d series, %d values, %.1f ns per value (scoring only), results in %s%n",
            files.size(), values, values == 0 ? 0.0 : (double) scoringNs / values, out);
        stdout.flush();
        return 0;
    }

    /** One CSV series: raw timestamp and value text (copied verbatim to the output) and parsed values. */
    static final class Series {
        final List<String> stampText = new ArrayList<>();
        final List<String> valueText = new ArrayList<>();
        long[] timesNs;
        double[] values;

        int size() {
            return stampText.size();
        }

        static Series read(final Path file) throws IOException {
            final Series s = new Series();
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                final String header = in.readLine();
                if (header == null || !header.trim().startsWith("timestamp")) {
                    throw new IOException(file + ": first column must be 'timestamp'");
                }
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    final int comma = line.indexOf(',');
                    if (comma < 0) {
                        throw new IOException(file + ": malformed row: " + line);
                    }
                    final int end = line.indexOf(',', comma + 1);
                    s.stampText.add(line.substring(0, comma));
                    s.valueText.add(line.substring(comma + 1, end < 0 ? line.length() : end));
                }
            }
            final int n = s.stampText.size();
            s.timesNs = new long[n];
            s.values = new double[n];
            for (int i = 0; i < n; i++) {
                s.timesNs[i] = parseTimeNs(s.stampText.get(i));
                s.values[i] = parseValue(s.valueText.get(i));
            }
            return s;
        }

        void write(final Path target, final double[] scores) throws IOException {
            try (BufferedWriter w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
                w.write("timestamp,value,anomaly_score\n");
                for (int i = 0; i < scores.length; i++) {
                    w.write(stampText.get(i));
                    w.write(',');
                    w.write(valueText.get(i));
                    w.write(',');
                    w.write(Double.toString(scores[i]));
                    w.write('\n');
                }
            }
        }
    }

    static double parseValue(final String text) {
        final String t = text.trim();
        return t.isEmpty() ? Double.NaN : Double.parseDouble(t);
    }

    /** Parses {@code YYYY-MM-DD HH:MM:SS[.ffffff]} or ISO-8601, as UTC, to epoch nanoseconds. */
    static long parseTimeNs(final String text) {
        final String t = text.trim().replace(' ', 'T');
        final LocalDateTime time = LocalDateTime.parse(t);
        return time.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + time.getNano();
    }

    /**
     * Runs the command standalone.
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args) {
        System.exit(new CommandLine(new NabCommand()).execute(args));
    }
}
