package io.vigil.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short {@code vigil bench} against the in-process server writes its report ({@code bench.txt}) with every event
 * answered, and says how many events the network thread ran through the pipeline itself: at 500 events/s nearly all.
 * No speed is asserted.
 */
class BenchReportTest {
    private static final Pattern INLINE = Pattern.compile(
        "pipeline run inline by the network thread \\(vigil.pipeline.inline.max\\): ([0-9,]+) of ([0-9,]+) events");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReportTheEventsRunInline(@TempDir final Path dir) throws Exception {
        final int exit = new CommandLine(new BenchCommand()).execute("--rate", "500", "--duration", "2s", "--warmup", "1s",
            "--out", dir.resolve("out").toString());
        assertEquals(0, exit);
        final String report = Files.readString(dir.resolve("out").resolve("bench.txt"), StandardCharsets.UTF_8);
        assertTrue(report.contains("missing 0"), report);
        final Matcher m = INLINE.matcher(report);
        assertTrue(m.find(), report);
        final long inline = Long.parseLong(m.group(1).replace(",", ""));
        final long answered = Long.parseLong(m.group(2).replace(",", ""));
        assertTrue(answered >= 1000, report);
        assertTrue(inline > answered / 2, "a quiet rate runs most events inline: " + report);
    }
}
