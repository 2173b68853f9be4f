package io.vigil.scoring.nab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class NabCommandTest {
    @TempDir
    Path tmp;

    @Test
    void shouldWriteOneResultPerSeriesWithInputRowsAndEngineScores() throws IOException {
        final Path data = tmp.resolve("corpus/data/synthetic");
        Files.createDirectories(data);
        final List<String> lines = new ArrayList<>();
        lines.add("timestamp,value");
        for (int i = 0; i < 1200; i++) {
            final int minutes = i * 5;
            final double value = i == 1000 ? 95.5 : 20.0 + (i * 7919 % 13) * 0.25;
            lines.add(String.format("2014-04-%02d %02d:%02d:00,%s", 1 + minutes / 1440, minutes / 60 % 24, minutes % 60,
                Double.toString(value)));
        }
        Files.write(data.resolve("spiky.csv"), lines);
        Files.write(data.resolve("short.csv"), lines.subList(0, 300));

        final Path out = tmp.resolve("out");
        assertEquals(0, run("--data", tmp.resolve("corpus").toString(), "--out", out.toString()));

        assertTrue(Files.isRegularFile(out.resolve("synthetic/short.csv")));
        final List<String> result = Files.readAllLines(out.resolve("synthetic/spiky.csv"));
        assertEquals("timestamp,value,anomaly_score", result.get(0));
        assertEquals(lines.size(), result.size());
        final MetricAnomalyScorer engine = new MetricAnomalyScorer(1);
        double spikeScore = 0.0;
        for (int i = 1; i < lines.size(); i++) {
            final String[] in = lines.get(i).split(",");
            final String[] row = result.get(i).split(",");
            assertEquals(in[0], row[0]);
            assertEquals(in[1], row[1]);
            final double score = Double.parseDouble(row[2]);
            final double expected = engine.update(NabCommand.NAB_TENANT, 7L, NabCommand.parseTimeNs(in[0]), Double.parseDouble(in[1]));
            assertEquals(expected, score, 0.0, "row " + i);
            assertTrue(score >= 0.0 && score <= 1.0);
            if (i == 1001) {
                spikeScore = score;
            }
        }
        assertTrue(spikeScore >= 0.99, "spike " + spikeScore);
    }

    @Test
    void shouldMatchEngineScoresOnNabSeries() throws IOException {
        final String shared = System.getProperty("vigil.shared.dir");
        assumeTrue(shared != null, "vigil.shared.dir not set");
        final Path source = Path.of(shared, "datasets/nab/data/realKnownCause/ec2_request_latency_system_failure.csv");
        assumeTrue(Files.isRegularFile(source), "NAB corpus not present");
        final Path data = tmp.resolve("nab/data/realKnownCause");
        Files.createDirectories(data);
        Files.copy(source, data.resolve(source.getFileName()));
        final Path out = tmp.resolve("out");
        assertEquals(0, run("--data", tmp.resolve("nab").toString(), "--out", out.toString(), "--quiet"));

        final List<String> input = Files.readAllLines(source);
        final List<String> result = Files.readAllLines(out.resolve("realKnownCause/" + source.getFileName()));
        assertEquals(input.size(), result.size());
        final MetricAnomalyScorer engine = new MetricAnomalyScorer(1);
        for (int i = 1; i < input.size(); i++) {
            final String[] in = input.get(i).split(",");
            final double expected = engine.update(NabCommand.NAB_TENANT, 1L, NabCommand.parseTimeNs(in[0]), Double.parseDouble(in[1]));
            assertEquals(expected, Double.parseDouble(result.get(i).split(",")[2]), 0.0, "row " + i);
        }
    }

    @Test
    void shouldRejectUnknownDetector() {
        assertTrue(run("--data", tmp.toString(), "--out", tmp.resolve("o").toString(), "--detector", "nope") != 0);
    }

    private static int run(final String... args) {
        final CommandLine cl = new CommandLine(new NabCommand());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }
}
