package io.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The logging the shipped jar does, run for real: child JVMs on this module's class path (its {@code logback.xml},
 * logback, no slf4j-simple) through {@link LogProbe}.
 */
@Timeout(120)
class LoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldWriteOneJsonObjectPerLineOnStderrWhenTheSystemPropertyAsks() throws Exception {
        final List<String> err = jsonLinesRun(List.of("-Dvigil.log.format=json"), Map.of());
        final JsonNode info = JSON.readTree(err.get(0));
        assertEquals("INFO", info.path("level").asText(), err.get(0));
        assertEquals("io.vigil.probe.LogProbe", info.path("loggerName").asText(), err.get(0));
        assertEquals("probe {} of {}", info.path("message").asText(), err.get(0));
        assertEquals("probe 1 of two", info.path("formattedMessage").asText(), err.get(0));
        assertEquals("main", info.path("threadName").asText(), err.get(0));
        assertTrue(info.path("timestamp").asLong() > 0, err.get(0));
        final JsonNode warn = JSON.readTree(err.get(1));
        assertEquals("WARN", warn.path("level").asText(), err.get(1));
        assertEquals("probe exception", warn.path("throwable").path("message").asText(), err.get(1));
        assertEquals(2, err.size(), "one line per event, nothing else: " + err);
    }

    @Test
    void shouldTakeTheFormatFromTheEnvironmentToo() throws Exception {
        final List<String> err = jsonLinesRun(List.of(), Map.of("VIGIL_LOG_FORMAT", "json"));
        assertEquals("INFO", JSON.readTree(err.get(0)).path("level").asText(), err.get(0));
    }

    @Test
    void shouldWriteTextByDefaultAndForAnUnknownFormat() throws Exception {
        for (final List<String> options : List.of(List.<String>of(), List.of("-Dvigil.log.format=xml"))) {
            final List<String> err = run(options, Map.of());
            assertTrue(err.get(0).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) " +
                "\\[main] INFO LogProbe - probe 1 of two"), options + ": " + err);
            assertTrue(err.get(1).endsWith("WARN LogProbe - probe failure"), err.toString());
            assertEquals("java.lang.IllegalStateException: probe exception", err.get(2), err.toString());
        }
    }

    /**
     * 100,000 WARN calls while nobody reads stderr: the pipe fills after a few hundred lines and the console appender
     * blocks, the queue fills, and from then on the calls drop their events instead of waiting. A blocking logger
     * never gets to the end (with neverBlock=false this fails: checked); the wait below is a bound for the event, not
     * a speed requirement.
     */
    @Test
    void shouldNeverBlockTheLoggingThreadWhenStderrIsStuck() throws Exception {
        final Process process = new ProcessBuilder(command(List.of(), "burst", "100000"))
            .redirectInput(ProcessBuilder.Redirect.from(emptyFile().toFile()))
            .start(); // stderr stays a pipe that this test never reads
        final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final CompletableFuture<String> report = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (final IOException ex) {
                return "failed to read the report: " + ex;
            }
        });
        try {
            // a blocked logger never reports: fail after a bound instead of hanging (readLine is not interruptible)
            final String line = report.get(60, TimeUnit.SECONDS);
            assertNotNull(line, "the probe ended without a report");
            assertEquals("burst done: 100000 calls; queueSize=8192 discardingThreshold=1024 neverBlock=true " +
                "appender=CONSOLE statusProblems=0", line);
        } catch (final TimeoutException ex) {
            fail("100,000 log calls did not complete within 60 s while stderr was not read: logging blocked");
        } finally {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            out.close();
        }
    }

    private List<String> jsonLinesRun(final List<String> options, final Map<String, String> env) throws Exception {
        final List<String> err = run(options, env);
        for (final String line : err) {
            assertTrue(JSON.readTree(line).isObject(), "not a JSON object: " + line);
        }
        return err;
    }

    /** Runs {@code LogProbe lines}; checks stdout holds its report alone; returns the lines on stderr. */
    private List<String> run(final List<String> options, final Map<String, String> env) throws Exception {
        final Path out = tmp.resolve("out-" + System.nanoTime());
        final Path err = tmp.resolve("err-" + System.nanoTime());
        final ProcessBuilder builder = new ProcessBuilder(command(options, "lines"))
            .redirectInput(ProcessBuilder.Redirect.from(emptyFile().toFile()))
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove("VIGIL_LOG_FORMAT");
        builder.environment().putAll(env);
        final Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not end");
        final List<String> errLines = Files.readAllLines(err).stream()
            .filter(l -> !l.startsWith("NOTE: Picked up") && !l.startsWith("Picked up")).toList();
        assertEquals(0, process.exitValue(), errLines.toString());
        assertEquals("probe: report on stdout\n", Files.readString(out), "stdout is the command's alone");
        assertTrue(errLines.size() >= 2, errLines.toString());
        return errLines;
    }

    private Path emptyFile() throws IOException {
        final Path empty = tmp.resolve("empty");
        if (!Files.exists(empty)) {
            Files.createFile(empty);
        }
        return empty;
    }

    private static List<String> command(final List<String> options, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle")) {
                command.add(arg);
            }
        }
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LogProbe.class.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
