package io.vigil.replay;

import io.vigil.engine.CheckpointStore;
import io.vigil.engine.Engine;
import io.vigil.engine.Pipeline;
import io.vigil.engine.VigilConfig;
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
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil replay}: offline replay of journals through the live pipeline code. Subcommands: {@code verify},
 * {@code run} (what-if), {@code diff}, {@code export}. See docs/replay.md.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay journals through the same pipeline code: verify recorded decisions, what-if runs, diffs, " +
        "feature export.",
    subcommands = {ReplayCommand.Verify.class, ReplayCommand.WhatIf.class, ReplayCommand.Diff.class,
        ReplayCommand.Export.class})
public final class ReplayCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
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

        @Option(names = "--config", description = "Properties file with the configuration the recorded run used " +
            "(validation limits, rules, model); the same keys as vigil run.")
        Path configFile;

        VigilConfig config(final Map<String, String> extra) {
            if (!Files.isDirectory(dataDir.resolve(Journals.INPUT))) {
                throw new IllegalArgumentException("no input journal in " + dataDir);
            }
            final Map<String, String> overrides = new LinkedHashMap<>(extra);
            overrides.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
            return VigilConfig.load(configFile).with(overrides);
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
            final PrintWriter out = out();
            try (Journals journals = openReadOnly(config)) {
                final long fromIndex = ReplayRange.resolve(from, journals, true);
                final long toIndex = ReplayRange.resolve(to, journals, false);
                final Verifier verifier = new Verifier(journals, fromIndex, show);
                final Replayer.Result result;
                try (Pipeline pipeline = Engine.newPipeline(config, journals, verifier, false)) {
                    result = Replayer.run(journals, pipeline, config.integer(VigilConfig.MAX_FRAME_BYTES), fromIndex,
                        toIndex, noCheckpoint ? null : CheckpointStore.from(config), Progress.onStderr("verify"));
                }
                verifier.finish(toIndex >= 0 ? toIndex : result.lastIndex);
                out.printf("replay verify %s%n", dataDir.toAbsolutePath().normalize());
                printStart(out, result, fromIndex, toIndex);
                out.printf("  compared %,d answers with the output journal: %,d identical, %,d with differing fields, " +
                        "%,d missing, %,d extra; %,d after the end of the output journal (never answered by the recorded run)%n",
                    verifier.compared(), verifier.matched(), verifier.mismatched(), verifier.missing(), verifier.extra(),
                    verifier.unrecorded());
                for (final String line : verifier.firstMismatches()) {
                    out.println("  MISMATCH " + line);
                }
                out.printf("%,d mismatches%n", verifier.totalMismatches());
                out.flush();
                return verifier.totalMismatches() == 0 ? 0 : 1;
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

    /** Placeholder until what-if runs exist. */
    @Command(name = "run", mixinStandardHelpOptions = true, description = "What-if replay (see docs/replay.md).")
    public static final class WhatIf implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UnsupportedOperationException("not yet");
        }
    }

    /** Placeholder. */
    @Command(name = "diff", mixinStandardHelpOptions = true, description = "Diff two output journals.")
    public static final class Diff implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UnsupportedOperationException("not yet");
        }
    }

    /** Placeholder. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export feature vectors.")
    public static final class Export implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UnsupportedOperationException("not yet");
        }
    }
}
