package io.vigil.engine.cli;

import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileException;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.EngineState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil stat}: the live counters of a Vigil server, read from its counters file through a read-only mapping
 * by another process, each with its value and, for counts, its rate per second over the last interval (Aeron's
 * {@code AeronStat} is the model). It never writes to the file.
 *
 * <p>Exit codes: 0; 1 with {@code --once} when the file is stale (the process that wrote it is not running); 2 when
 * there is no counters file or it is not a Vigil counters file.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = {"Show the live counters of a Vigil server (counters.dat in its data directory), with rates per " +
        "second, refreshed every interval until Ctrl-C.",
        "Exit codes: 0; 1 with --once when the file is stale (its process is gone); 2 when there is no counters " +
            "file or it is not one."})
public final class StatCommand implements Callable<Integer> {
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";

    @Option(names = "--data", description = "Data directory of the server (vigil.data.dir, default ./vigil-data).")
    Path dataDir;

    @Option(names = "--interval", defaultValue = "1s",
        description = "Time between two readings, e.g. 500ms, 2s (default ${DEFAULT-VALUE}); rates are over it.")
    String interval;

    @Option(names = "--once", description = "Print one reading and exit (two samples one interval apart for the " +
        "rates; --interval 0 for none).")
    boolean once;

    @Option(names = "--all", description = "Also show reject reasons that are still at 0.")
    boolean all;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long intervalNs;
        try {
            intervalNs = io.vigil.engine.Units.durationNs(interval);
        } catch (final IllegalArgumentException ex) {
            err.println("vigil stat: --interval '" + interval + "': " + ex.getMessage());
            return 2;
        }
        if (intervalNs < 0 || (!once && intervalNs == 0)) {
            err.println("vigil stat: --interval must be positive (0 only with --once)");
            return 2;
        }
        final Path dir = dataDir != null ? dataDir : VigilConfig.load().path(VigilConfig.DATA_DIR);
        CountersFileReader reader;
        try {
            reader = CountersFileReader.open(dir);
        } catch (final CountersFileException ex) {
            err.println("vigil stat: " + ex.getMessage() +
                (ex.problem() == CountersFileException.Problem.ABSENT ?
                    " (is a Vigil server running with --data " + dir + "?)" : ""));
            err.flush();
            return 2;
        }
        try {
            if (once) {
                Map<Integer, Long> previous = null;
                long previousNs = 0;
                if (intervalNs > 0) {
                    previous = values(reader.sample());
                    previousNs = System.nanoTime();
                    TimeUnit.NANOSECONDS.sleep(intervalNs);
                }
                final List<CountersFileReader.Sample> samples = reader.sample();
                print(out, reader, samples, previous, System.nanoTime() - previousNs, all);
                out.flush();
                return reader.writerAlive() ? 0 : 1;
            }
            final boolean terminal = System.console() != null;
            Object fileKey = fileKey(reader.path());
            Map<Integer, Long> previous = null;
            long previousNs = 0;
            while (!Thread.currentThread().isInterrupted()) {
                final List<CountersFileReader.Sample> samples = reader.sample();
                final long nowNs = System.nanoTime();
                if (terminal) {
                    out.print(CLEAR_SCREEN);
                }
                print(out, reader, samples, previous, nowNs - previousNs, all);
                out.println();
                out.flush();
                previous = values(samples);
                previousNs = nowNs;
                TimeUnit.NANOSECONDS.sleep(intervalNs);
                final Object key = fileKey(reader.path());
                if (key != null && !key.equals(fileKey)) {
                    // the server restarted and replaced the file: follow the new one
                    try {
                        final CountersFileReader replaced = CountersFileReader.open(dir);
                        reader.close();
                        reader = replaced;
                        fileKey = key;
                        previous = null;
                    } catch (final CountersFileException ex) {
                        out.println("vigil stat: " + ex.getMessage());
                    }
                }
            }
            return 0;
        } finally {
            reader.close();
        }
    }

    private static Object fileKey(final Path path) {
        try {
            final BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
        } catch (final IOException ex) {
            return null;
        }
    }

    private static Map<Integer, Long> values(final List<CountersFileReader.Sample> samples) {
        final Map<Integer, Long> values = new HashMap<>();
        for (final CountersFileReader.Sample sample : samples) {
            values.put(sample.counterId(), sample.value());
        }
        return values;
    }

    /**
     * One reading: a header line (file, writer, uptime, staleness), then one line per counter: id, value, rate per
     * second for counts (blank without a previous reading), label.
     */
    static void print(final PrintWriter out, final CountersFileReader reader, final List<CountersFileReader.Sample> samples,
        final Map<Integer, Long> previous, final long elapsedNs, final boolean all) {
        final long nowMs = System.currentTimeMillis();
        final boolean alive = reader.writerAlive();
        out.printf(Locale.ROOT, "%s - %s, pid %d, started %s, up %s%n",
            Instant.ofEpochMilli(nowMs).truncatedTo(ChronoUnit.SECONDS), reader.path(), reader.pid(),
            Instant.ofEpochMilli(reader.startTimeMs()).truncatedTo(ChronoUnit.SECONDS),
            age(nowMs - reader.startTimeMs()));
        if (!alive) {
            out.printf(Locale.ROOT, "STALE: the process that wrote this file (pid %d) is not running; these are the " +
                "values it left%n", reader.pid());
        }
        out.printf(Locale.ROOT, "%4s %24s %14s  %s%n", "id", "value", "rate/s", "counter");
        int zeroRejects = 0;
        for (final CountersFileReader.Sample sample : samples) {
            final CounterType type = sample.type();
            if (type == CounterType.REJECTED && sample.value() == 0 && !all) {
                zeroRejects++;
                continue;
            }
            String rate = "";
            if (type != null && type.kind() == CounterType.Kind.COUNT && previous != null && elapsedNs > 0) {
                final Long before = previous.get(sample.counterId());
                if (before != null) {
                    rate = String.format(Locale.ROOT, "%,.1f", (sample.value() - before) * 1e9 / elapsedNs);
                }
            }
            out.printf(Locale.ROOT, "%4d %24s %14s  %s%n", sample.counterId(), format(type, sample.value(), nowMs), rate,
                sample.label());
        }
        if (zeroRejects > 0) {
            out.printf(Locale.ROOT, "     (%d reject reasons at 0 not shown; --all shows them)%n", zeroRejects);
        }
    }

    /** A value as its kind reads best: counts with separators, indexes in hex, times as an age, states by name. */
    static String format(final CounterType type, final long value, final long nowMs) {
        if (type == null) {
            return String.format(Locale.ROOT, "%,d", value);
        }
        switch (type.kind()) {
            case INDEX:
                return value < 0 ? "none" : "0x" + Long.toHexString(value);
            case EPOCH_MS:
                return value == 0 ? "never" : age(nowMs - value) + " ago";
            case STATE: {
                final EngineState state = EngineState.of(value);
                return state == null ? "unknown (" + value + ")" : state.name();
            }
            default:
                return String.format(Locale.ROOT, "%,d", value);
        }
    }

    private static String age(final long ms) {
        if (ms < 0) {
            return "0 s";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        final long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** Runs {@code vigil stat} on its own (tools, tests in another JVM). */
    public static void main(final String[] args) {
        System.exit(new CommandLine(new StatCommand()).execute(args));
    }
}
