package io.vigil.scoring.features.spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil features}: feature definition files (docs/features.md). */
@Command(name = "features", mixinStandardHelpOptions = true,
    description = "Feature definition files: check one; backfill computes one's features in batch (docs/features.md).",
    subcommands = {FeaturesCommand.CheckCommand.class})
public final class FeaturesCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code vigil features check [--features FILE]}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Load, validate and compile a feature definition; print its name, version, content hash, the ",
            "features in vector order, the compiled state layout (bytes per key) and the window results its tumbling and ",
            "session windows emit. Exit 1 with the error (naming the ",
            "feature and the problem) when the file is not valid. Without --features: the built-in default definition."})
    public static final class CheckCommand implements Callable<Integer> {
        @Option(names = "--features", paramLabel = "FILE", description = "The definition file (YAML).")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            final FeatureSpec features;
            final CompiledFeatures compiled;
            try {
                features = file == null ? FeatureSpec.defaultSpec() : FeatureSpec.load(file);
                compiled = CompiledFeatures.compile(features, 1);
            } catch (final FeatureSpecException e) {
                final PrintWriter err = spec.commandLine().getErr();
                err.println("invalid feature definition: " + e.getMessage());
                err.flush();
                return 1;
            }
            out.printf("name:     %s%n", features.name());
            out.printf("version:  %s%n", features.version());
            out.printf("hash:     %s%n", features.hash());
            out.printf("width:    %d features emitted (%d defined)%n", compiled.width(), features.features().size());
            out.println("features:");
            for (int i = 0; i < compiled.width(); i++) {
                out.printf("  %2d %s%n", i, compiled.names().get(i));
            }
            out.println("layout:");
            for (final String line : compiled.layout().split("\n")) {
                out.println("  " + line);
            }
            if (features.declaresLateness()) {
                out.printf("allowed lateness: %s%n", features.allowedLatenessNs() == FeatureSpec.UNBOUNDED_LATENESS ?
                    "unbounded" : features.allowedLatenessNs() + " ns");
            }
            final java.util.List<DeclaredWindows> windows = DeclaredWindows.of(compiled);
            if (!windows.isEmpty()) {
                out.println("window results (windows/ journal):");
                for (final DeclaredWindows w : windows) {
                    out.printf("  %s (id %d, %s %d ns): %s%n", w.name(), w.windowId(), w.session() ? "session gap" :
                        "tumbling", w.lengthNs(), String.join(", ", w.valueNames()));
                }
            }
            final java.util.List<String> left = DeclaredWindows.unsupported(features);
            if (!left.isEmpty()) {
                out.println("not in window results (aggregation not supported there): " + String.join(", ", left));
            }
            out.flush();
            return 0;
        }
    }
}
