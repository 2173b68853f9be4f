package io.vigil.replay;

import io.vigil.engine.VigilConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outputs are never half-written: a real `replay export` in its own JVM, interrupted with SIGINT while it writes,
 * exits 130 and leaves the previous file as it was; a `replay run` stopped with SIGTERM exits 143 and leaves a what-if
 * that `replay diff` refuses.
 */
@Timeout(240)
class InterruptedOutputTest {
    private static final int EVENTS = 150_000;

    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void recordLiveRun() throws Exception {
        data = tmp.resolve("data");
        LiveRun.record(data, Workload.endingNow(3, EVENTS, 3 * 24 * Workload.HOUR_NS), EVENTS,
            Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "0"));
    }

    private static Process replay(final Path log, final String... args) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("vigil.jvm.flags", "").trim().split("\\s+")) {
            if (!flag.isEmpty()) {
                command.add(flag);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReplayMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Whether this process ignores SIGINT ({@code SigIgn} in /proc/self/status, bit 1), as a process started in the
     * background of a non-interactive shell does; its children inherit that, and the JVM then installs no handler.
     */
    private static boolean sigintIgnored() throws IOException {
        final Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (final String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /**
     * Waits until a file under {@code dir} matches, then signals the process; false if it ended first. The signal
     * comes from a shell started beforehand that only waits for a line, so that it lands right after the match
     * rather than after a process start.
     */
    private static boolean signalWhen(final Process process, final Path dir, final Predicate<Path> writing,
        final String signal) throws Exception {
        final Process killer = new ProcessBuilder("bash", "-c", "read -r _ && kill -" + signal + " " + process.pid())
            .redirectErrorStream(true).start();
        try {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (process.isAlive() && System.nanoTime() < deadline) {
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        if (files.anyMatch(writing)) {
                            killer.getOutputStream().write('\n');
                            killer.getOutputStream().flush();
                            return killer.waitFor(30, TimeUnit.SECONDS) && killer.exitValue() == 0;
                        }
                    }
                }
                Thread.sleep(2);
            }
            return false;
        } finally {
            killer.destroyForcibly();
        }
    }

    @Test
    void anInterruptedExportLeavesThePreviousFileIntact() throws Exception {
        assertFalse(sigintIgnored(), "SIGINT is ignored by this test JVM (and so by every process it starts): it was " +
            "started in the background of a shell without job control. Run the tests in the foreground, or from a " +
            "shell with job control (set -m), for Ctrl-C to be testable.");
        final Path out = tmp.resolve("exports/features.csv");
        Files.createDirectories(out.getParent());
        Files.writeString(out, "the previous export\n");
        final Path log = tmp.resolve("export.log");
        final Process export = replay(log, "export", "--data", data.toString(), "--format", "csv", "--out", out.toString());
        // interrupted once it writes its temporary file (a few hundred kB in: rows are being exported)
        final boolean signalled = signalWhen(export, out.getParent(),
            p -> p.getFileName().toString().contains(".partial-") && size(p) > 200_000, "INT");
        assertTrue(export.waitFor(60, TimeUnit.SECONDS));
        final String printed = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(signalled, "the export ended before it could be interrupted: " + printed);
        assertEquals(130, export.exitValue(), printed);
        assertTrue(printed.contains("vigil replay export: interrupted; " + out.toAbsolutePath() + " left as it was"), printed);
        assertEquals("the previous export\n", Files.readString(out));
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(out.getFileName().toString()), files.map(p -> p.getFileName().toString()).toList(),
                "no temporary file left behind");
        }
    }

    @Test
    void anInterruptedWhatIfIsRefusedByDiff() throws Exception {
        final Path whatIf = tmp.resolve("what-if");
        final Path log = tmp.resolve("run.log");
        final Process run = replay(log, "run", "--data", data.toString(), "--out", whatIf.toString(), "--no-model");
        final boolean signalled = signalWhen(run, whatIf.resolve("output"),
            p -> p.getFileName().toString().endsWith(".cq4") && size(p) > 0, "TERM");
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        final String printed = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(signalled, "the replay ended before it could be interrupted: " + printed);
        assertEquals(143, run.exitValue(), printed);
        assertTrue(printed.contains("is an incomplete what-if"), printed);
        assertFalse(Files.exists(whatIf.resolve("replay.properties")), "an interrupted what-if has no completion record");

        final ReplayCli diff = ReplayCli.run("diff", data.toString(), whatIf.toString());
        assertEquals(2, diff.exitCode, diff.output);
        assertTrue(diff.output.contains("holds an incomplete what-if"), diff.output);
    }

    private static long size(final Path file) {
        try {
            return Files.size(file);
        } catch (final IOException ex) {
            return 0;
        }
    }
}
