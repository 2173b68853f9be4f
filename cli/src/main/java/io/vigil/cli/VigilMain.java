package io.vigil.cli;

import io.vigil.engine.ConfigurationException;
import io.vigil.engine.cli.ConfigCommand;
import io.vigil.engine.cli.EventTimeJournalsCommand;
import io.vigil.engine.cli.StatCommand;
import io.vigil.gateway.cli.CredentialsCommand;
import io.vigil.gateway.cli.DemoCommand;
import io.vigil.gateway.cli.DlqCommand;
import io.vigil.gateway.cli.RulesCommand;
import io.vigil.gateway.cli.RunCommand;
import io.vigil.gateway.cli.TraceCommand;
import io.vigil.journal.JournalDamageException;
import io.vigil.perf.BenchCommand;
import io.vigil.replay.BackfillCommand;
import io.vigil.replay.DriftCommand;
import io.vigil.replay.ReplayCommand;
import io.vigil.scoring.features.spec.FeaturesCommand;
import io.vigil.scoring.nab.NabCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vigil} command: gathers each module's subcommands under one root. Each module owns its commands;
 * this class only assembles them.
 */
@Command(name = "vigil", mixinStandardHelpOptions = true, version = "vigil 0.1.0",
    description = "Vigil: a low-latency, journal-first event engine for fraud and trading teams.",
    subcommands = {RunCommand.class, DemoCommand.class, ReplayCommand.class, NabCommand.class, DlqCommand.class,
        CredentialsCommand.class, RulesCommand.class, BenchCommand.class, StatCommand.class, TraceCommand.class,
        ConfigCommand.class, EventTimeJournalsCommand.Windows.class, EventTimeJournalsCommand.Late.class,
        DriftCommand.class, FeaturesCommand.class,
        CommandLine.HelpCommand.class})
public final class VigilMain implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Exit status of a command that failed with {@code ex}: 3 for damaged input, 2 for usage and configuration. */
    static int exitCode(final Throwable ex) {
        return ex instanceof JournalDamageException ? ReplayCommand.EXIT_DAMAGED : ReplayCommand.EXIT_USAGE;
    }

    /**
     * The root command with Vigil's error handling: one line on stderr (one per bad key for a configuration), exit 2,
     * or 3 for a damaged journal.
     */
    static CommandLine commandLine() {
        final CommandLine commandLine = new CommandLine(new VigilMain());
        // `vigil features` lives in scoring (check), its backfill in replay (journals, Parquet): joined here
        commandLine.getSubcommands().get("features").addSubcommand(new BackfillCommand());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof ConfigurationException) {
                for (final String problem : ((ConfigurationException)ex).problems()) {
                    cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + problem);
                }
            } else {
                cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + ex.getMessage());
            }
            if (System.getenv("VIGIL_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return exitCode(ex);
        });
        return commandLine;
    }

    public static void main(final String[] args) {
        // belt and braces: the launcher and the manifest set it too; the engine must never call out
        System.setProperty("chronicle.analytics.disable", "true");
        final CommandLine commandLine = commandLine();
        final String unknown = unknownCommand(commandLine, args);
        if (unknown != null) {
            System.err.println(unknown);
            System.exit(2);
        }
        // run returns after an orderly stop on SIGTERM/SIGINT (exit 0); without signal handling it returns from a
        // shutdown hook, where exit only waits for the JVM to halt
        System.exit(commandLine.execute(args));
    }

    /**
     * The error for a command word that names no subcommand, or null. Checked before picocli runs because a help
     * option later on the line (`vigil model register F --version 1`) would otherwise print the version and exit 0,
     * so that a script calling a command this version lacks would "succeed".
     */
    static String unknownCommand(final CommandLine root, final String[] args) {
        CommandLine current = root;
        String path = "vigil";
        for (final String arg : args) {
            if (arg.startsWith("-") || current.getSubcommands().isEmpty() ||
                !current.getCommandSpec().positionalParameters().isEmpty()) {
                return null;
            }
            final CommandLine next = current.getSubcommands().get(arg);
            if (next == null) {
                return path + ": unknown command '" + arg + "' (commands: " +
                    String.join(", ", current.getSubcommands().keySet()) + "; see " + path + " --help)";
            }
            current = next;
            path = path + " " + arg;
        }
        return null;
    }
}
