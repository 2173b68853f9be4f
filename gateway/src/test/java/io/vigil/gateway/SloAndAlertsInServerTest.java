package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.gateway.alert.AlertConfiguration;
import io.vigil.gateway.alert.AlertService;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.slo.SloConfiguration;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server counts each answer it writes against the latency SLO's threshold, and runs the SLO evaluator and the
 * alert thread from start to close.
 */
@Timeout(120)
class SloAndAlertsInServerTest {
    private static final int EVENTS = 200;

    @TempDir
    Path dir;

    private VigilServer start(final String name, final String threshold) throws InterruptedException {
        return VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve(name).toString(),
            GatewayConfiguration.PORT.name(), "0",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            SloConfiguration.LATENCY_THRESHOLD.name(), threshold,
            SloConfiguration.SAMPLE_INTERVAL.name(), "1s",
            AlertConfiguration.EVALUATION_INTERVAL.name(), "200ms")));
    }

    /** Sends {@link #EVENTS} transactions and waits for their answers. */
    private static void send(final VigilServer server) throws Exception {
        final AtomicInteger answers = new AtomicInteger();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 1, 5, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answers.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    answers.incrementAndGet();
                }
            });
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            for (long seq = 1; seq <= EVENTS; seq++) {
                client.sendTransaction(seq, nowNs, 100 + seq % 7, 1000 + seq, 5411, 1_000 + seq, "EUR", "DE", Channel.POS,
                    Label.UNKNOWN);
            }
            client.flush();
            await(() -> answers.get() == EVENTS);
        }
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }

    private static boolean threadAlive(final String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void shouldCountEveryAnswerWithinAGenerousThresholdAsGoodAndEvaluateTheSlos() throws Exception {
        try (VigilServer server = start("generous", "1h")) {
            assertTrue(threadAlive(SloEvaluator.THREAD));
            assertTrue(threadAlive(AlertService.THREAD));
            send(server);
            await(() -> server.counters().counter(CounterType.SLO_LATENCY_TOTAL).get() == EVENTS);
            assertEquals(EVENTS, server.counters().counter(CounterType.SLO_LATENCY_GOOD).get());
            // another reader of the counters file sees the same
            try (CountersFileReader reader = CountersFileReader.open(dir.resolve("generous"))) {
                assertEquals(EVENTS, reader.value(CounterType.SLO_LATENCY_TOTAL));
            }
            await(() -> {
                final SloStatus.Objective latency = server.slo().status().objective("latency");
                return latency != null && latency.total() == EVENTS;
            });
            final SloStatus status = server.slo().status();
            assertEquals(1.0, status.objective("latency").errorBudgetRemaining());
            assertEquals(EVENTS, status.objective("availability").total());
            assertEquals(EVENTS, status.objective("availability").good());
            assertFalse(server.slo().fastBurn());
            assertNull(server.slo().notReadyReason());
            await(() -> server.alerts().snapshot().evaluatedAtMs() > 0);
            assertEquals(0, server.alerts().firing().size(), server.alerts().firing().toString());
        }
        assertFalse(threadAlive(SloEvaluator.THREAD), "stopped with the server");
        assertFalse(threadAlive(AlertService.THREAD), "stopped with the server");
    }

    @Test
    void shouldCountNoAnswerAsGoodBelowAnImpossibleThreshold() throws Exception {
        try (VigilServer server = start("impossible", "1ns")) {
            send(server);
            await(() -> server.counters().counter(CounterType.SLO_LATENCY_TOTAL).get() == EVENTS);
            assertEquals(0, server.counters().counter(CounterType.SLO_LATENCY_GOOD).get());
            await(() -> {
                final SloStatus.Objective latency = server.slo().status().objective("latency");
                return latency != null && latency.total() == EVENTS;
            });
            final SloStatus.Objective latency = server.slo().status().objective("latency");
            assertNotNull(latency);
            // every answer bad: 1000x the 0.1 % budget on every window, the budget overspent
            assertEquals(1 - 1 / 0.001, latency.errorBudgetRemaining(), 1e-6);
            assertEquals("page", latency.alerting());
            assertTrue(server.slo().fastBurn());
            assertNotNull(server.slo().notReadyReason());
            await(() -> !server.alerts().firing().isEmpty());
            assertEquals("SloErrorBudgetBurn", server.alerts().firing().get(0).name());
        }
    }
}
