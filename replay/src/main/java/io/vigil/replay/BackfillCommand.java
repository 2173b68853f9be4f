package io.vigil.replay;

import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.EngineContext;
import io.vigil.engine.EventValidator;
import io.vigil.engine.Units;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.JournalDamageException;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalRepair;
import io.vigil.journal.Journals;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureSpec;
import io.vigil.scoring.features.spec.FeatureSpecException;
import io.vigil.scoring.time.EventTimeJudge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil features backfill}: computes a feature definition's features over recorded or historical events in
 * batch, with the live code ({@link Backfill}), point in time, into a Parquet file (docs/features.md "Backfill").
 * Lives in the replay module (journals and Parquet); the {@code vigil} root adds it under {@code vigil features}.
 *
 * <p>Exit status: 0 done; 1 bad input (a file that is not what backfill reads, an invalid definition: one line
 * naming the file, row and column, or the feature); 2 usage; 3 a damaged journal.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true,
    description = {"Compute a feature definition's features over a journal (a data directory), a CSV or a Parquet " +
        "file of events, with the live pipeline's code and event-time judgement, one row per transaction as of its " +
        "event (no later event leaks into a row), into a Parquet file carrying the definition's hash.",
        "File columns: " + "tenant, account, merchant, mcc, amount_minor, channel, country, currency, event_time_ns " +
            "(required); source, ingest_time_ns (optional). See docs/features.md, Backfill."})
public final class BackfillCommand implements Callable<Integer> {
    /** Exit status: the input (or the definition) is not what backfill reads. */
    public static final int EXIT_BAD_INPUT = 1;
    private static final int SHOWN_REJECTS = 10;

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE|DIR",
        description = "The events: a CSV or Parquet file, or a data directory (or its input/ journal) as the replay " +
            "commands take it.")
    Path input;

    @Option(names = "--format", paramLabel = "csv|parquet|journal",
        description = "The input's format (default: journal for a directory, else by the extension .csv or .parquet).")
    String format;

    @Option(names = "--features", paramLabel = "FILE",
        description = "The feature definition (YAML); default: the built-in default definition.")
    Path features;

    @Option(names = "--out", required = true, paramLabel = "FILE.parquet", description = "Parquet file to write.")
    Path out;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties with Vigil configuration keys. " +
        "Journal: replaces the configuration the run recorded (as for vigil replay). File: the engine configuration " +
        "whose validation limits and event-time keys apply (default: the defaults).")
    Path configFile;

    @Option(names = "--max-out-of-orderness", paramLabel = "DURATION", description = "File inputs: the watermark bound " +
        "(default: vigil.watermark.max.out.of.orderness, 5s).")
    String maxOutOfOrderness;

    @Option(names = "--allowed-lateness", paramLabel = "DURATION|unbounded", description = "File inputs: events " +
        "further behind the watermark are too late (default: the definition's allowed_lateness, else " +
        "vigil.lateness.allowed, unbounded).")
    String allowedLateness;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", description = "File inputs: a source silent this long " +
        "(by ingest time) turns idle at the next tick; 0: never (default: vigil.watermark.idle.timeout, 30s).")
    String idleTimeout;

    @Option(names = "--tick-interval", paramLabel = "DURATION", description = "File inputs: ticks are applied every " +
        "this much ingest time (default: vigil.watermark.tick.interval, 1s).")
    String tickInterval;

    @Option(names = "--compression", defaultValue = "zstd", paramLabel = "zstd|zstd:LEVEL|none",
        description = "Parquet page compression (default ${DEFAULT-VALUE}).")
    String compression;

    @Override
    public Integer call() throws Exception {
        try {
            return backfill();
        } catch (final IllegalArgumentException ex) {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("vigil features backfill: " + ex.getMessage());
            err.flush();
            return ReplayCommand.EXIT_USAGE;
        }
    }

    private int backfill() throws Exception {
        final PrintWriter err = spec.commandLine().getErr();
        final int zstdLevel = ReplayCommand.Export.zstdLevel(compression);
        final String kind = format();
        final FeatureSpec definition;
        final CompiledFeatures compiled;
        try {
            definition = features == null ? FeatureSpec.defaultSpec() : FeatureSpec.load(features);
            compiled = CompiledFeatures.compile(definition, 1 << 14);
        } catch (final FeatureSpecException ex) {
            err.println("vigil features backfill: invalid feature definition: " + ex.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        }
        try {
            return kind.equals("journal") ? journal(compiled, zstdLevel) : file(kind, compiled, zstdLevel);
        } catch (final BackfillFiles.InputException ex) {
            err.println("vigil features backfill: " + ex.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        } catch (final JournalDamageException ex) {
            err.println("vigil features backfill: " + ex.getMessage() + "; stopped (exit " + ReplayCommand.EXIT_DAMAGED + ")");
            err.flush();
            return ReplayCommand.EXIT_DAMAGED;
        }
    }

    private String format() {
        if (format != null) {
            final String f = format.trim().toLowerCase(Locale.ROOT);
            if (!List.of("csv", "parquet", "journal").contains(f)) {
                throw new IllegalArgumentException("unknown --format '" + format + "', expected csv, parquet or journal");
            }
            return f;
        }
        if (Files.isDirectory(input)) {
            return "journal";
        }
        final String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".parquet")) {
            return "parquet";
        }
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("no such file or directory: " + input);
        }
        throw new IllegalArgumentException("cannot tell the format of " + input + " (not a directory, not .csv or " +
            ".parquet): pass --format csv|parquet|journal");
    }

    private int journal(final CompiledFeatures compiled, final int zstdLevel) throws Exception {
        for (final String option : new String[] {maxOutOfOrderness, allowedLateness, idleTimeout, tickInterval}) {
            if (option != null) {
                throw new IllegalArgumentException("--max-out-of-orderness, --allowed-lateness, --idle-timeout and " +
                    "--tick-interval are for file inputs: a journal's event-time policy is the one its watermark ticks carry");
            }
        }
        Path dataDir = input;
        if (!Files.isDirectory(dataDir.resolve(Journals.INPUT)) && dataDir.getFileName() != null &&
            dataDir.getFileName().toString().equals(Journals.INPUT) && dataDir.toAbsolutePath().getParent() != null) {
            dataDir = dataDir.toAbsolutePath().getParent(); // the input journal itself: its data directory
        }
        final PrintWriter err = spec.commandLine().getErr();
        // the recorded feature definition is not the one backfilled (--features is): do not load it
        final VigilConfig config = ReplayCommand.loadConfig("vigil features backfill", dataDir, configFile,
            Map.of(VigilConfig.FEATURES_SPEC.name(), ""), err).config();
        final List<String> problems = JournalRepair.check(config.path(VigilConfig.DATA_DIR),
            Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE))).problemsOf(Journals.INPUT);
        if (!problems.isEmpty()) {
            err.println("vigil features backfill: " + problems.get(0) + "; stopped (exit " + ReplayCommand.EXIT_DAMAGED + ")");
            err.flush();
            return ReplayCommand.EXIT_DAMAGED;
        }
        final EngineContext engine = EngineContext.of(config);
        final long startNs = System.nanoTime();
        final Backfill backfill;
        try (Journals journals = ReplayCommand.DataOptions.openReadOnly(config);
             AtomicOutput output = AtomicOutput.start(out, "vigil features backfill")) {
            try (BackfillParquetWriter writer = new BackfillParquetWriter(output.temp(), compiled, zstdLevel,
                     "journal " + dataDir.toAbsolutePath().normalize());
                 JournalReader reader = journals.inputReader()) {
                backfill = new Backfill(compiled, EventValidator.from(engine), engine.expectedSources(), writer);
                final JournalRecord record = new JournalRecord(engine.maxFrameBytes());
                final Progress progress = Progress.onStderr("backfill");
                progress.start(journals.inputExcerptsBetween(-1, journals.lastInputIndex()));
                while (reader.read(record)) {
                    backfill.record(record.index, record.source, record.tenantId, record.clientId, record.timeNs,
                        record.payload(), record.payloadLength);
                    if ((backfill.records() & 1023) == 0) {
                        progress.update(backfill.records());
                    }
                }
                progress.finish(backfill.records());
            }
            output.commit();
        }
        report(compiled, "journal", dataDir, startNs, backfill,
            "event time: the policy and idleness the journal's " + backfill.ticks() + " watermark tick(s) carry" +
                (backfill.ticks() == 0 ? " (none: no event is late)" : ""));
        return 0;
    }

    /**
     * The allowed lateness of a file's backfill: the definition's {@code allowed_lateness} when it declares one (as
     * the engine running it takes it; a different {@code --allowed-lateness} is refused), else the option, else the
     * configuration's {@code vigil.lateness.allowed}.
     */
    private long allowedLatenessNs(final io.vigil.scoring.features.spec.FeatureSpec definition, final EngineContext engine) {
        final long option = allowedLateness == null ? Long.MIN_VALUE :
            allowedLateness.trim().equalsIgnoreCase("unbounded") ? EventTimeJudge.UNBOUNDED :
                duration("--allowed-lateness", allowedLateness);
        if (!definition.declaresLateness()) {
            return option == Long.MIN_VALUE ? engine.allowedLatenessNs() : option;
        }
        final long declared = definition.allowedLatenessNs() == io.vigil.scoring.features.spec.FeatureSpec.UNBOUNDED_LATENESS ?
            EventTimeJudge.UNBOUNDED : definition.allowedLatenessNs();
        if (option != Long.MIN_VALUE && option != declared) {
            throw new IllegalArgumentException("--allowed-lateness " + allowedLateness + " conflicts with allowed_lateness " +
                (declared == EventTimeJudge.UNBOUNDED ? "unbounded" : Units.durationText(declared)) +
                " of the feature definition " + features + ": the feature set declares its lateness");
        }
        return declared;
    }

    private int file(final String kind, final CompiledFeatures compiled, final int zstdLevel) throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new BackfillFiles.InputException(input + ": no such file");
        }
        final VigilConfig config = VigilConfig.load(configFile).validate();
        final EngineContext engine = EngineContext.of(config);
        final BackfillFiles.Policy policy = new BackfillFiles.Policy(
            maxOutOfOrderness == null ? engine.maxOutOfOrdernessNs() : duration("--max-out-of-orderness", maxOutOfOrderness),
            idleTimeout == null ? engine.idleTimeoutNs() : duration("--idle-timeout", idleTimeout),
            allowedLatenessNs(compiled.spec(), engine),
            tickInterval == null ? engine.watermarkTickIntervalNs() : duration("--tick-interval", tickInterval));
        if (policy.idleTimeoutNs() > 0 && policy.tickIntervalNs() <= 0) {
            throw new IllegalArgumentException("--tick-interval must be positive with an idle timeout");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final long startNs = System.nanoTime();
        final Backfill backfill;
        final long[] shown = new long[1];
        try (AtomicOutput output = AtomicOutput.start(out, "vigil features backfill")) {
            try (BackfillParquetWriter writer = new BackfillParquetWriter(output.temp(), compiled, zstdLevel,
                kind + " " + input.toAbsolutePath().normalize())) {
                backfill = new Backfill(compiled, EventValidator.from(engine), engine.expectedSources(), writer);
                BackfillFiles.read(input, kind, backfill, policy, (row, reason) -> {
                    if (shown[0]++ < SHOWN_REJECTS) {
                        final RejectReason r = RejectReason.get(reason);
                        err.println("vigil features backfill: row " + row + " rejected by validation (" +
                            (r == null ? Integer.toString(reason) : r.name()) + "), as the live pipeline would: no row");
                    }
                });
            }
            output.commit();
        }
        report(compiled, kind, input, startNs, backfill, String.format(Locale.ROOT,
            "event time: max out-of-orderness %s, allowed lateness %s, idle timeout %s%s",
            Units.durationText(policy.maxOutOfOrdernessNs()),
            policy.allowedLatenessNs() == EventTimeJudge.UNBOUNDED ? "unbounded" :
                Units.durationText(policy.allowedLatenessNs()),
            policy.idleTimeoutNs() == 0 ? "none" : Units.durationText(policy.idleTimeoutNs()),
            policy.idleTimeoutNs() == 0 ? "" : " (a tick every " + Units.durationText(policy.tickIntervalNs()) +
                " of ingest time)"));
        return 0;
    }

    private static long duration(final String option, final String text) {
        try {
            return Units.durationNs(text);
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException(option + " '" + text + "': " + ex.getMessage(), ex);
        }
    }

    private void report(final CompiledFeatures compiled, final String kind, final Path from, final long startNs,
        final Backfill backfill, final String eventTime) throws IOException {
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "features backfill %s (%s) -> %s%n", from.toAbsolutePath().normalize(), kind,
            out.toAbsolutePath().normalize());
        w.printf(Locale.ROOT, "  feature set %s %s, hash %s, %d features%n", compiled.spec().name(),
            compiled.spec().version(), compiled.hash(), compiled.width());
        w.printf(Locale.ROOT, "  %s%n", eventTime);
        w.printf(Locale.ROOT, "  read %,d %s in %.2f s (%,.0f per second)%n", backfill.records(),
            kind.equals("journal") ? "records" : "rows", seconds, seconds == 0 ? 0 : backfill.records() / seconds);
        w.printf(Locale.ROOT, "  %,d rows: %,d late (applied), %,d too late (not applied, features 0); %,d rejected by " +
            "validation (no row)%n", backfill.rows(), backfill.lateRows(), backfill.tooLateRows(), backfill.rejected());
        w.printf(Locale.ROOT, "  %,d bytes%n", Files.size(out));
        w.flush();
    }
}
