package io.vigil.engine.cli;

import io.vigil.engine.VigilConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code vigil config}: the configuration keys of every module on the class path ({@code keys}), and a check of a
 * configuration without starting anything ({@code check}).
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Configuration keys: list them, or check a configuration.",
    subcommands = {ConfigCommand.Keys.class, ConfigCommand.Check.class, CommandLine.HelpCommand.class})
public final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code vigil config keys}: every key, as a commented properties file or as the README's table. */
    @Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Print every configuration key with its default and meaning, as a properties file with each " +
            "key commented out (a starting point for --config), or with --markdown as the README's table."})
    public static final class Keys implements Callable<Integer> {
        @Option(names = "--markdown", description = "Print the README's configuration table instead.")
        boolean markdown;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            if (markdown) {
                out.print(VigilConfig.markdownTable());
            } else {
                for (final VigilConfig.Key key : VigilConfig.keys()) {
                    out.println("# " + key.description() + " (" + key.module() + "; env " + key.envName() + ")");
                    out.println("#" + key.name() + "=" + key.defaultValue());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code vigil config check}: the checks {@code vigil run} makes at start, without starting. */
    @Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check the configuration (defaults, system properties, environment and --config file) as " +
            "vigil run does at start, without starting anything.", "Exit codes: 0 when valid; 2 with one line per " +
            "bad key."})
    public static final class Check implements Callable<Integer> {
        @Option(names = "--config", description = "Properties file with configuration keys (see README).")
        Path configFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            final VigilConfig config = VigilConfig.load(configFile).validate();
            final PrintWriter out = spec.commandLine().getOut();
            for (final String warning : config.unknownLookalikes()) {
                out.println("warning: " + warning);
            }
            out.println("configuration is valid (" + VigilConfig.keys().size() + " keys)");
            out.flush();
            return 0;
        }
    }
}
