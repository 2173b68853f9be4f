package io.vigil.gateway;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.scoring.nab.NabCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A metric series streamed over TCP gets, in its Decisions, exactly the anomaly scores that `vigil nab` writes for
 * it: the engine and the NAB runner use the same detector with the same defaults.
 */
@Timeout(120)
class MetricScoresMatchNabRunnerTest {
    private static final String SERIES = "realKnownCause/nyc_taxi.csv";

    @TempDir
    Path dir;

    @Test
    void shouldScoreAMetricSeriesOverTcpExactlyAsTheNabRunner() throws Exception {
        final Path nab = Path.of(System.getProperty("vigil.shared.dir", "../../shared"), "datasets", "nab");
        assumeTrue(Files.isRegularFile(nab.resolve("data").resolve(SERIES)), "NAB corpus not found at " + nab);
        final Path out = dir.resolve("nab-out");
        assertEquals(0, new CommandLine(new NabCommand()).execute("--data", nab.toString(), "--out", out.toString(), "--quiet"));
        final List<String> runner = Files.readAllLines(out.resolve(SERIES));
        final int n = runner.size() - 1;

        final float[] overTcp = new float[n];
        final AtomicInteger answered = new AtomicInteger();
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
                GatewayConfiguration.PORT.name(), "0",
                VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
                VigilConfig.MAX_EVENT_AGE.name(), "36500d")));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 1, 77, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    overTcp[(int)decision.clientSequence() - 1] = decision.anomalyScore();
                    answered.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    overTcp[(int)reject.clientSequence() - 1] = Float.NaN;
                    answered.incrementAndGet();
                }
            });
            client.autoFlush(false);
            for (int i = 1; i <= n; i++) {
                final String[] row = runner.get(i).split(",");
                final LocalDateTime time = LocalDateTime.parse(row[0].trim().replace(' ', 'T'));
                client.sendMetric(i, time.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L, 17, Double.parseDouble(row[1]));
            }
            client.flush();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answered.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertEquals(n, answered.get());
        for (int i = 1; i <= n; i++) {
            final float expected = (float)Double.parseDouble(runner.get(i).split(",")[2]);
            assertEquals(expected, overTcp[i - 1], "row " + i + " of " + SERIES);
        }
    }
}
