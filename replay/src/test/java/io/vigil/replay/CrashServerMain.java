package io.vigil.replay;

import io.vigil.gateway.cli.RunCommand;
import picocli.CommandLine;

/** The server the crash test runs in a separate JVM: {@code vigil run} with its usual options. */
public final class CrashServerMain {
    private CrashServerMain() {
    }

    public static void main(final String[] args) {
        System.setProperty("chronicle.analytics.disable", "true");
        final int code = new CommandLine(new RunCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
