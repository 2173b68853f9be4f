package io.vigil.replay;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code vigil replay ...} in-process and keeps what it printed. */
final class ReplayCli {
    final int exitCode;
    final String output;

    private ReplayCli(final int exitCode, final String output) {
        this.exitCode = exitCode;
        this.output = output;
    }

    static ReplayCli run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new ReplayCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            ex.printStackTrace(cmd.getErr());
            return 2;
        });
        final int code = commandLine.execute(args);
        final String text = out + err.toString();
        System.out.println("$ vigil replay " + String.join(" ", args) + "\n" + text + "(exit " + code + ")");
        return new ReplayCli(code, text);
    }
}
