package io.vigil.replay;

import picocli.CommandLine;

/** {@code vigil replay ...} in a JVM of its own, for tests that interrupt it. */
public final class ReplayMain {
    private ReplayMain() {
    }

    public static void main(final String[] args) {
        System.exit(new CommandLine(new ReplayCommand()).execute(args));
    }
}
