package io.vigil.cli;

import io.vigil.gateway.cli.DemoCommand;
import io.vigil.gateway.cli.DlqCommand;
import io.vigil.gateway.cli.RunCommand;
import io.vigil.perf.BenchCommand;
import io.vigil.journal.JournalDamageException;
import io.vigil.replay.ReplayCommand;
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
        BenchCommand.class, CommandLine.HelpCommand.class})
public final class VigilMain implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Exit status of a command that failed with {@code ex}: 3 for damaged input, 2 for usage and configuration. */
    static int exitCode(final Throwable ex) {
        return ex instanceof JournalDamageException ? ReplayCommand.EXIT_DAMAGED : ReplayCommand.EXIT_USAGE;
    }

    /** The root command with Vigil's error handling: one line on stderr, exit 2, or 3 for a damaged journal. */
    static CommandLine commandLine() {
        final CommandLine commandLine = new CommandLine(new VigilMain());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + ex.getMessage());
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
        final int code = commandLine().execute(args);
        if (code != 0 || !"run".equals(args.length > 0 ? args[0] : "")) {
            System.exit(code);
        }
    }
}
