package io.vigil.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starts {@code vigil run} in a JVM of its own, asks its admin server what an operator's tooling would once it says
 * where it listens (the probes, {@code /metrics}, {@code /slo}, the dashboard), then stops it with SIGTERM and checks it
 * stopped cleanly with exit 0. Shared by the class-path run ({@link VigilMainTest}) and the shaded jar's
 * ({@link ShadedJarIT}).
 */
final class RunProbe {
    private static final Pattern ADMIN = Pattern.compile("^Vigil admin on (http://\\S+) ");

    private RunProbe() {
    }

    /** @param launcher the java command up to the arguments of {@code vigil} (flags, then -cp/-jar and its target). */
    static String runProbeAndStop(final List<String> launcher, final Path dataDir) throws Exception {
        final List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("run", "--port", "0", "--data", dataDir.toString()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                final Matcher admin = ADMIN.matcher(line);
                if (admin.find()) {
                    final HttpClient http = HttpClient.newHttpClient();
                    for (final String path : new String[] {"/health/live", "/health/ready", "/slo", "/alerts", "/api", "/"}) {
                        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(admin.group(1) + path)).build(), HttpResponse.BodyHandlers.ofString());
                        seen.append("GET ").append(path).append(": ").append(response.statusCode()).append('\n');
                    }
                    final HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                        URI.create(admin.group(1) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                    seen.append(metrics.body().contains("vigil_engine_state{state=\"LIVE\"} 1") ? "metrics: live\n" :
                        "metrics: " + metrics.body());
                    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
                }
            }
        }
        final String output = seen.toString();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("Vigil stopped"), output);
        for (final String path : new String[] {"/health/live", "/health/ready", "/slo", "/alerts", "/api", "/"}) {
            assertTrue(output.contains("GET " + path + ": 200\n"), path + " in " + output);
        }
        assertTrue(output.contains("metrics: live\n"), output);
        return output;
    }
}
