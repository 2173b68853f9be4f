package io.vigil.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /**
     * A real `vigil run` in its own JVM: it prints where its admin server listens, which answers the probes and
     * /metrics; SIGTERM stops it cleanly and it exits 0.
     */
    @Test
    @Timeout(120)
    void runExitsZeroAfterACleanStopOnSigterm() throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle")) {
                command.add(arg);
            }
        }
        command.add("-Dvigil.admin.port=0");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), VigilMain.class.getName(),
            "run", "--port", "0", "--data", tmp.resolve("data").toString()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                final java.util.regex.Matcher admin = java.util.regex.Pattern
                    .compile("^Vigil admin on (http://\\S+) ").matcher(line);
                if (admin.find()) {
                    final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                    final java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(admin.group(1) + "/health/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                    seen.append("ready: ").append(ready.statusCode()).append('\n');
                    final java.net.http.HttpResponse<String> metrics = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(admin.group(1) + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                    seen.append(metrics.body().contains("vigil_engine_state{state=\"LIVE\"} 1") ? "metrics: live\n" :
                        "metrics: " + metrics.body());
                    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
                }
            }
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), seen.toString());
        assertEquals(0, process.exitValue(), seen.toString());
        assertTrue(seen.toString().contains("Vigil stopped"), seen.toString());
        assertTrue(seen.toString().contains("ready: 200\n"), seen.toString());
        assertTrue(seen.toString().contains("metrics: live\n"), seen.toString());
        assertTrue(seen.toString().matches("(?s).*\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) .*"),
            "log lines carry date and zone: " + seen);
    }
}
