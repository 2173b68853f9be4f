package io.vigil.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VigilMainTest {
    @TempDir
    Path tmp;

    private static String unknown(final String... args) {
        return VigilMain.unknownCommand(new CommandLine(new VigilMain()), args);
    }

    @Test
    void aCommandThisVersionLacksIsAnErrorEvenBeforeAHelpOption() {
        final String error = unknown("model", "register", "F", "--name", "a", "--version", "1");
        assertTrue(error.startsWith("vigil: unknown command 'model' (commands: run, demo, replay,") &&
            error.endsWith("; see vigil --help)"), error);
        assertTrue(unknown("replay", "frobnicate", "--help").startsWith("vigil replay: unknown command 'frobnicate'"),
            unknown("replay", "frobnicate", "--help"));
    }

    @Test
    void knownCommandsAndOptionsPass() {
        assertNull(unknown("--version"));
        assertNull(unknown());
        assertNull(unknown("replay", "verify", "--data", "x"));
        assertNull(unknown("help", "run"));
        assertNull(unknown("dlq", "list", "--help"));
    }

    /** `vigil features backfill` (replay module) sits under `vigil features` (scoring) and runs from the root. */
    @Test
    void featuresBackfillIsReachableFromTheRoot() throws Exception {
        final CommandLine root = VigilMain.commandLine();
        assertNull(VigilMain.unknownCommand(root, new String[] {"features", "backfill", "--help"}));
        assertNull(VigilMain.unknownCommand(root, new String[] {"features", "check"}));
        final Path csv = tmp.resolve("events.csv");
        java.nio.file.Files.writeString(csv, "tenant,account,merchant,mcc,amount_minor,channel,country,currency," +
            "event_time_ns\n1,42,7,5411,1250,POS,DE,EUR,1767225600000000000\n1,42,8,5411,990,1,DE,EUR,1767225601000000000\n");
        final Path out = tmp.resolve("features.parquet");
        final java.io.StringWriter text = new java.io.StringWriter();
        root.setOut(new java.io.PrintWriter(text, true));
        assertEquals(0, root.execute("features", "backfill", "--input", csv.toString(), "--out", out.toString()));
        assertTrue(text.toString().contains("2 rows"), text.toString());
        assertTrue(java.nio.file.Files.size(out) > 0);
        assertEquals(2, root.execute("features", "backfill", "--input", tmp.resolve("none.txt").toString(), "--out",
            out.toString()), "a usage error exits 2 through the root's handler");
    }

    /**
     * A real `vigil run` in its own JVM: it prints where its admin server listens, which answers the probes and
     * /metrics; SIGTERM stops it cleanly and it exits 0.
     */
    @Test
    @Timeout(120)
    void runExitsZeroAfterACleanStopOnSigterm() throws Exception {
        final List<String> launcher = new ArrayList<>();
        launcher.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle")) {
                launcher.add(arg);
            }
        }
        launcher.add("-Dvigil.admin.port=0");
        launcher.addAll(List.of("-cp", System.getProperty("java.class.path"), VigilMain.class.getName()));
        final String seen = RunProbe.runProbeAndStop(launcher, tmp.resolve("data"));
        assertTrue(seen.matches("(?s).*\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) .*"),
            "log lines carry date and zone: " + seen);
    }
}
