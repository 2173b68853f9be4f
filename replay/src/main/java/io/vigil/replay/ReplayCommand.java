package io.vigil.replay;

import io.vigil.engine.CheckpointStore;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineContext;
import io.vigil.engine.Pipeline;
import io.vigil.engine.RunContext;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.DataDirectory;
import io.vigil.journal.JournalDamageException;
import io.vigil.journal.JournalRepair;
import io.vigil.journal.Journals;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil replay}: offline replay of journals through the live pipeline code. Subcommands: {@code verify},
 * {@code run} (what-if), {@code diff}, {@code export}. See docs/replay.md.
 *
 * <p>Exit status: {@link #EXIT_OK} 0, {@link #EXIT_MISMATCH} 1 (verify found differences), {@link #EXIT_USAGE} 2
 * (usage or configuration), {@link #EXIT_DAMAGED} 3 (a journal read is damaged: the first bad index is reported on
 * stderr, in one line, and nothing more is read).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay journals through the same pipeline code: verify recorded decisions, what-if runs, diffs, " +
        "feature export.",
    subcommands = {ReplayCommand.Verify.class, ReplayCommand.WhatIf.class, ReplayCommand.Diff.class,
        ReplayCommand.Export.class})
public final class ReplayCommand implements Runnable {
    /** Exit status: done, nothing differs. */
    public static final int EXIT_OK = 0;
    /** Exit status: verify found mismatches. */
    public static final int EXIT_MISMATCH = 1;
    /** Exit status: bad usage or configuration. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: a journal the command reads is damaged. */
    public static final int EXIT_DAMAGED = 3;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** A replay's configuration and the run context it came from (null when none was recorded). */
    record Loaded(VigilConfig config, RunContext recorded) {
    }

    /**
     * The configuration to replay {@code dataDir}'s journals with: {@code configFile} when given, else the one the
     * run recorded ({@link RunContext}), else the defaults (with a note on {@code err}); {@code extra} on top, the
     * data directory set and feature publication off.
     *
     * @param command names the tool in the notes ({@code vigil replay})
     */
    static Loaded loadConfig(final String command, final Path dataDir, final Path configFile,
        final Map<String, String> extra, final PrintWriter err) throws java.io.IOException {
        if (!Files.isDirectory(dataDir.resolve(Journals.INPUT))) {
            throw new IllegalArgumentException("no input journal in " + dataDir);
        }
        final Map<String, String> overrides = new LinkedHashMap<>(extra);
        overrides.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        // nothing reads served features in an offline process: publishing them would only cost each event
        overrides.putIfAbsent(VigilConfig.FEATURES_SERVE.name(), "false");
        final RunContext recorded = RunContext.read(dataDir);
        if (configFile != null || recorded == null) {
            if (recorded == null && configFile == null) {
                err.println(command + ": " + dataDir + " has no " + RunContext.FILE + " (a run of an older version): " +
                    "replaying with the defaults; pass --config with the run's configuration if it had one");
            }
            final VigilConfig config = VigilConfig.load(configFile).with(overrides);
            if (recorded != null) {
                for (final String difference : recorded.differences(config)) {
                    err.println(command + ": note: --config differs from the recorded run: " + difference);
                }
            }
            return new Loaded(config.validate(), recorded);
        }
        final java.util.List<String> unknown = new java.util.ArrayList<>();
        final VigilConfig config = VigilConfig.fromFileValues(recorded.replayedKeys(unknown)).with(overrides).validate();
        if (!unknown.isEmpty()) {
            err.println(command + ": warning: the run recorded keys this version does not know (left out): " +
                String.join(", ", unknown));
        }
        err.println(command + ": configuration recorded with the run (" + dataDir.resolve(RunContext.FILE) +
            ", Vigil " + recorded.get(RunContext.VERSION) + ", started " + recorded.get(RunContext.STARTED) + ")");
        return new Loaded(config, recorded);
    }

    /** Options every subcommand that replays takes. */
    static class DataOptions {
        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Option(names = "--data", required = true, description = "Data directory with the recorded journals.")
        Path dataDir;

        @Option(names = "--config", description = "Properties file with the configuration to replay with (the same " +
            "keys as vigil run); default: the configuration the run recorded in its data directory " +
            "(run-context.properties).")
        Path configFile;

        /** The context the run recorded, or null (a run of an older version, or none); read by {@link #config}. */
        RunContext recorded;

        VigilConfig config(final Map<String, String> extra) throws java.io.IOException {
            final Loaded loaded = loadConfig("vigil replay", dataDir, configFile, extra, spec.commandLine().getErr());
            recorded = loaded.recorded();
            return loaded.config();
        }

        /** Warns when the model to replay with is not the one the run started with (verify would then mismatch). */
        void checkModel(final VigilConfig config) {
            checkFeatureSet(config);
            if (recorded == null || recorded.get(RunContext.MODEL_SHA256) == null) {
                return;
            }
            final String path = config.string(VigilConfig.MODEL_PATH);
            final String sha = path.trim().equalsIgnoreCase("none") ? "none" :
                io.vigil.scoring.model.OnnxModel.sha256(path.isEmpty() ? null : Path.of(path));
            if (!sha.equals(recorded.get(RunContext.MODEL_SHA256))) {
                spec.commandLine().getErr().println("vigil replay: warning: the model " + (path.isEmpty() ? "bundled" : path) +
                    " (sha256 " + sha + ") is not the one the run started with (sha256 " +
                    recorded.get(RunContext.MODEL_SHA256) + "): its decisions will differ");
            }
        }

        /** Warns when the feature set to replay with is not the one the run computed (lineage: its decisions differ). */
        void checkFeatureSet(final VigilConfig config) {
            if (recorded == null || recorded.get(RunContext.FEATURE_SET_HASH) == null) {
                return;
            }
            final String spec = config.string(VigilConfig.FEATURES_SPEC).trim();
            final String hash;
            try {
                hash = io.vigil.scoring.features.FeatureSet.ofNullable(spec.isEmpty() ? null :
                    io.vigil.scoring.features.spec.FeatureSpec.load(Path.of(spec))).hash();
            } catch (final RuntimeException ex) {
                return; // the pipeline refuses it, with the reason
            }
            if (!hash.equals(recorded.get(RunContext.FEATURE_SET_HASH))) {
                this.spec.commandLine().getErr().println("vigil replay: note: the feature set replayed (hash " + hash +
                    ") is not the one the run computed (hash " + recorded.get(RunContext.FEATURE_SET_HASH) + ")");
            }
        }

        /**
         * Checks the recorded input and output journals before Chronicle maps them (a cut file faults when mapped);
         * on damage, prints the first bad index of each damaged journal on stderr.
         *
         * @return true when they are sound.
         */
        boolean sound(final String command, final VigilConfig config) throws java.io.IOException {
            final List<String> problems = JournalRepair.check(config.path(VigilConfig.DATA_DIR),
                Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE))).problemsOf(Journals.INPUT, Journals.OUTPUT);
            for (final String problem : problems) {
                damaged(command, problem);
            }
            return problems.isEmpty();
        }

        /** Reports damage found while reading; the exit status to return. */
        int damaged(final String command, final String problem) {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("vigil replay " + command + ": " + problem + "; stopped (exit " + EXIT_DAMAGED + ")");
            err.flush();
            return EXIT_DAMAGED;
        }

        static Journals openReadOnly(final VigilConfig config) {
            return Journals.openReadOnly(config.path(VigilConfig.DATA_DIR),
                Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Replay the input journal from a clean state (or the checkpoint before --from) and compare every " +
            "decision with the recorded output journal, field by field. Exits 1 on any mismatch.")
    public static final class Verify extends DataOptions implements Callable<Integer> {
        @Option(names = "--from", description = "First event to verify: input index (decimal or 0x-hex) or ingest " +
            "time (ISO-8601 instant, or <epoch-ns>ns).")
        String from;

        @Option(names = "--to", description = "Last event to verify, like --from.")
        String to;

        @Option(names = "--show", defaultValue = "10", description = "Mismatches to print (default ${DEFAULT-VALUE}).")
        int show;

        @Option(names = "--no-checkpoint", description = "With --from, start from the start of the journal even when a " +
            "checkpoint before --from exists.")
        boolean noCheckpoint;

        @Override
        public Integer call() throws Exception {
            final VigilConfig config = config(Map.of());
            checkModel(config);
            final PrintWriter out = out();
            if (!sound("verify", config)) {
                return EXIT_DAMAGED;
            }
            try (Journals journals = openReadOnly(config)) {
                return verify(config, journals, out);
            } catch (final JournalDamageException ex) {
                return damaged("verify", ex.getMessage());
            }
        }

        private int verify(final VigilConfig config, final Journals journals, final PrintWriter out) throws Exception {
            final EngineContext engine = EngineContext.of(config);
            {
                final long fromIndex = ReplayRange.resolve(from, journals, true);
                final long toIndex = ReplayRange.resolve(to, journals, false);
                final Verifier verifier = new Verifier(journals, fromIndex, show);
                final Replayer.Result result;
                try (Pipeline pipeline = Engine.newPipeline(engine, journals, verifier, false)) {
                    result = Replayer.run(journals, pipeline, engine.maxFrameBytes(), fromIndex,
                        toIndex, noCheckpoint ? null : CheckpointStore.from(config), Progress.onStderr("verify"));
                }
                verifier.finish(toIndex >= 0 ? toIndex : result.lastIndex);
                out.printf("replay verify %s%n", dataDir.toAbsolutePath().normalize());
                printStart(out, result, fromIndex, toIndex);
                out.printf("  compared %,d answers with the output journal: %,d identical, %,d with differing fields, " +
                        "%,d missing, %,d extra; %,d after the end of the output journal (never answered by the recorded run)%n",
                    verifier.compared(), verifier.matched(), verifier.mismatched(), verifier.missing(), verifier.extra(),
                    verifier.unrecorded());
                if (verifier.lost() > 0) {
                    out.printf("  %,d recorded answers to events whose input record was lost to damage (placeholders " +
                        "written by a repair; not replayed)%n", verifier.lost());
                }
                for (final String line : verifier.firstMismatches()) {
                    out.println("  MISMATCH " + line);
                }
                out.printf("%,d mismatches%n", verifier.totalMismatches());
                out.flush();
                return verifier.totalMismatches() == 0 ? EXIT_OK : EXIT_MISMATCH;
            }
        }
    }

    static void printStart(final PrintWriter out, final Replayer.Result result, final long fromIndex, final long toIndex) {
        out.printf("  range: input index %s .. %s; state from %s%n",
            fromIndex < 0 ? "start" : fromIndex + " (0x" + Long.toHexString(fromIndex) + ")",
            toIndex < 0 ? "end" : toIndex + " (0x" + Long.toHexString(toIndex) + ")",
            result.checkpoint == null ? "a clean state at the start of the journal" :
                "checkpoint " + result.checkpoint + " (input index " + result.startAfterIndex + ")");
        out.printf("  replayed %,d events in %.2f s (%,.0f events/s), answered %,d%n", result.events,
            result.elapsedNs / 1e9, result.eventsPerSecond(), result.answered);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
        description = "What-if: replay the recorded input through the pipeline with another model or rule set, into a " +
            "separate output journal (compare with 'replay diff').")
    public static final class WhatIf extends DataOptions implements Callable<Integer> {
        @Option(names = "--out", description = "Directory for the what-if output/ and dlq/ journals " +
            "(created; must not hold an output journal already). Required unless --dry-run.")
        Path outDir;

        @Option(names = "--dry-run", description = "Journal nothing: only replay and report the throughput.")
        boolean dryRun;

        @Option(names = "--model", description = "ONNX model file to decide with instead of the configured one.")
        Path model;

        @Option(names = "--no-model", description = "Decide by the rules and anomaly score alone: no model is loaded (vigil.model.path=none).")
        boolean noModel;

        @Option(names = "--from", description = "First input event to answer (index or time, as for verify).")
        String from;

        @Option(names = "--to", description = "Last input event, like --from.")
        String to;

        @Override
        public Integer call() throws Exception {
            final Map<String, String> extra = new LinkedHashMap<>();
            if (model != null && noModel) {
                throw new IllegalArgumentException("--model and --no-model exclude each other");
            }
            if (noModel) {
                // no model is loaded at all: no ONNX start-up, and a definition whose features no model reads runs
                extra.put(VigilConfig.MODEL_PATH.name(), "none");
            }
            if (model != null) {
                if (!Files.isRegularFile(model)) {
                    throw new IllegalArgumentException("no model file " + model);
                }
                extra.put(VigilConfig.MODEL_PATH.name(), model.toString());
            }
            final VigilConfig config = config(extra);
            if (!sound("run", config)) {
                return EXIT_DAMAGED;
            }
            try {
                return whatIf(config);
            } catch (final JournalDamageException ex) {
                return damaged("run", ex.getMessage());
            }
        }

        private int whatIf(final VigilConfig config) throws Exception {
            if (dryRun) {
                return dryRun(config);
            }
            if (outDir == null) {
                throw new IllegalArgumentException("--out DIR is required (or --dry-run)");
            }
            if (Files.isDirectory(outDir.resolve(Journals.OUTPUT)) && !isEmpty(outDir.resolve(Journals.OUTPUT))) {
                throw new IllegalArgumentException(outDir + " already holds an output journal; choose an empty directory");
            }
            final PrintWriter out = out();
            final EngineContext engine = EngineContext.of(config);
            // the what-if directory has one writer, like a live one: two replays into it, or a server, are refused
            try (DataDirectory targetDir = DataDirectory.acquire(outDir, 0);
                 Journals recorded = openReadOnly(config);
                 Journals target = Journals.open(targetDir.path(), Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
                 IncompleteMarker incomplete = IncompleteMarker.mark(targetDir.path(), "vigil replay run")) {
                final long fromIndex = ReplayRange.resolve(from, recorded, true);
                final long toIndex = ReplayRange.resolve(to, recorded, false);
                final Replayer.Result result;
                final String modelVersion;
                try (Pipeline pipeline = Engine.newPipeline(engine, target, io.vigil.engine.ResponseSink.NONE, true)) {
                    pipeline.rulesOnly(noModel);
                    modelVersion = noModel ? "none (rules only)" : pipeline.modelVersion();
                    // without the model every event is decided by the rules: the recorded fallbacks change nothing
                    result = Replayer.run(recorded, pipeline, engine.maxFrameBytes(), fromIndex,
                        toIndex, CheckpointStore.from(config), Progress.onStderr("replay run"), !noModel);
                }
                final Path propertiesTemp = outDir.resolve("replay.properties.tmp");
                Files.writeString(propertiesTemp, String.join("\n",
                    "# what-if replay written by vigil replay run",
                    "source=" + dataDir.toAbsolutePath().normalize(),
                    "model=" + modelVersion + (model == null ? "" : " (" + model.toAbsolutePath().normalize() + ")"),
                    "config=" + (configFile == null ? "" : configFile.toAbsolutePath().normalize()),
                    "events=" + result.events, "answered=" + result.answered, "") );
                Files.move(propertiesTemp, outDir.resolve("replay.properties"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                incomplete.complete();
                out.printf("replay run %s -> %s, model %s%n", dataDir.toAbsolutePath().normalize(),
                    outDir.toAbsolutePath().normalize(), modelVersion);
                printStart(out, result, fromIndex, toIndex);
                if (!noModel) {
                    out.printf("  %,d decided by the rules alone as in the recorded run (model fallbacks)%n",
                        result.forcedFallbacks);
                }
                out.printf("  compare: vigil replay diff %s %s%n", dataDir, outDir);
                out.flush();
                return 0;
            }
        }

        private int dryRun(final VigilConfig config) throws java.io.IOException {
            final PrintWriter out = out();
            final EngineContext engine = EngineContext.of(config);
            try (Journals recorded = openReadOnly(config)) {
                final long fromIndex = ReplayRange.resolve(from, recorded, true);
                final long toIndex = ReplayRange.resolve(to, recorded, false);
                final Replayer.Result result;
                final String modelVersion;
                try (Pipeline pipeline = Engine.newPipeline(engine, recorded, io.vigil.engine.ResponseSink.NONE, false)) {
                    pipeline.rulesOnly(noModel);
                    modelVersion = noModel ? "none (rules only)" : pipeline.modelVersion();
                    // without the model every event is decided by the rules: the recorded fallbacks change nothing
                    result = Replayer.run(recorded, pipeline, engine.maxFrameBytes(), fromIndex,
                        toIndex, CheckpointStore.from(config), Progress.onStderr("replay run"), !noModel);
                }
                out.printf("replay run --dry-run %s, model %s%n", dataDir.toAbsolutePath().normalize(), modelVersion);
                printStart(out, result, fromIndex, toIndex);
                out.flush();
                return 0;
            }
        }

        private static boolean isEmpty(final Path journalDir) throws java.io.IOException {
            try (var files = Files.list(journalDir)) {
                return files.noneMatch(p -> p.getFileName().toString().endsWith(".cq4"));
            }
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compare the answers of two output journals to the same input (a recorded run and a 'replay run'): " +
            "how many decisions changed, by action, with examples.")
    public static final class Diff implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(index = "0", description = "Data directory A (e.g. the recorded run).")
        Path a;

        @picocli.CommandLine.Parameters(index = "1", description = "Data directory B (e.g. a what-if).")
        Path b;

        @Option(names = "--examples", defaultValue = "3", description = "Examples per transition (default ${DEFAULT-VALUE}).")
        int examples;

        @Override
        public Integer call() {
            for (final Path dir : new Path[] {a, b}) {
                if (!Files.isDirectory(dir.resolve(Journals.OUTPUT))) {
                    throw new IllegalArgumentException("no output journal in " + dir);
                }
                if (IncompleteMarker.isIncomplete(dir)) {
                    throw new IllegalArgumentException(dir + " holds an incomplete what-if (" + IncompleteMarker.FILE +
                        ": interrupted, failed, or still running); run vigil replay run again into an empty directory");
                }
            }
            try (Journals journalsA = Journals.openReadOnly(a, Journals.rollCycle("FAST_HOURLY"));
                 Journals journalsB = Journals.openReadOnly(b, Journals.rollCycle("FAST_HOURLY"))) {
                new DecisionDiff(examples).run(journalsA, journalsB).print(spec.commandLine().getOut(),
                    a.toAbsolutePath().normalize().toString(), b.toAbsolutePath().normalize().toString());
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export the feature vectors exactly as the live path computed them, one row per event, with " +
            "lineage columns (journal index, times, entity key, feature-set and model versions, decision, label).")
    public static final class Export extends DataOptions implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "csv", description = "csv or parquet (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--out", required = true, description = "File to write.")
        Path outFile;

        @Option(names = "--compression", defaultValue = "zstd", paramLabel = "zstd|zstd:LEVEL|none",
            description = "Parquet page compression (default ${DEFAULT-VALUE}, level " + ZstdCodecFactory.DEFAULT_LEVEL +
                "); csv is never compressed.")
        String compression;

        @Option(names = "--from", description = "First input event to export (index or time, as for verify).")
        String from;

        @Option(names = "--to", description = "Last input event, like --from.")
        String to;

        @Override
        public Integer call() throws Exception {
            zstdLevel(compression); // a bad value is refused before anything is read or written
            final VigilConfig config = config(Map.of());
            if (!sound("export", config)) {
                return EXIT_DAMAGED;
            }
            try {
                return export(config);
            } catch (final JournalDamageException ex) {
                return damaged("export", ex.getMessage());
            }
        }

        private int export(final VigilConfig config) throws Exception {
            final PrintWriter out = out();
            final EngineContext engine = EngineContext.of(config);
            try (Journals recorded = openReadOnly(config)) {
                final long fromIndex = ReplayRange.resolve(from, recorded, true);
                final long toIndex = ReplayRange.resolve(to, recorded, false);
                final Replayer.Result result;
                final long rows;
                long closeNs = 0;
                // written under a temporary name and renamed when complete: an interrupted export leaves the old file
                try (AtomicOutput output = AtomicOutput.start(outFile, "vigil replay export")) {
                    try (Pipeline pipeline = Engine.newPipeline(engine, recorded, io.vigil.engine.ResponseSink.NONE, false);
                         FeatureExporter.RowWriter writer = writer(format, zstdLevel(compression), output.temp(),
                             pipeline.featureSet())) {
                        final FeatureExporter exporter = new FeatureExporter(writer, pipeline.modelVersion(),
                            pipeline.featureSet());
                        pipeline.observer(exporter);
                        result = Replayer.run(recorded, pipeline, engine.maxFrameBytes(), fromIndex,
                            toIndex, CheckpointStore.from(config), Progress.onStderr("export"));
                        rows = exporter.rows();
                        closeNs = System.nanoTime();
                    }
                    output.commit();
                }
                // to the file complete: the replay, then the writer's last rows (a writer thread may still encode them
                // when the replay ends), the last row group and the footer
                final double seconds = (result.elapsedNs + System.nanoTime() - closeNs) / 1e9;
                out.printf("replay export %s -> %s (%s)%n", dataDir.toAbsolutePath().normalize(),
                    outFile.toAbsolutePath().normalize(), format);
                printStart(out, result, fromIndex, toIndex);
                out.printf(java.util.Locale.ROOT, "  %,d rows, %,d bytes; file complete in %.2f s (%,.0f rows/s)%n", rows,
                    Files.size(outFile), seconds, seconds == 0 ? 0 : rows / seconds);
                out.flush();
                return 0;
            }
        }

        /** The zstd level a --compression value names: 0 for none. */
        static int zstdLevel(final String compression) {
            final String c = compression.trim().toLowerCase(java.util.Locale.ROOT);
            if (c.equals("none")) {
                return 0;
            }
            if (c.equals("zstd")) {
                return ZstdCodecFactory.DEFAULT_LEVEL;
            }
            if (c.startsWith("zstd:")) {
                try {
                    final int level = Integer.parseInt(c.substring("zstd:".length()));
                    if (level >= 1 && level <= 22) {
                        return level;
                    }
                } catch (final NumberFormatException ignored) {
                    // the message below
                }
            }
            throw new IllegalArgumentException("unknown compression '" + compression + "', expected zstd, zstd:LEVEL " +
                "(1 to 22) or none");
        }

        static FeatureExporter.RowWriter writer(final String format, final int zstdLevel, final Path file,
            final io.vigil.scoring.features.FeatureSet set) throws java.io.IOException {
            switch (format.toLowerCase(java.util.Locale.ROOT)) {
                case "csv":
                    return new CsvRowWriter(file, set);
                case "parquet":
                    return new ParquetRowWriter(file, zstdLevel, set);
                default:
                    throw new IllegalArgumentException("unknown format '" + format + "', expected csv or parquet");
            }
        }
    }
}
