package io.vigil.gateway.synthetic;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.slo.SloConfiguration;
import io.vigil.gateway.slo.SloStatus;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server with its synthetic prober on (200 ms): probes go end to end, are counted and measured, feed the
 * synthetic SLO, are marked in the journal and left out of the business counts; a blocked pipeline makes them fail.
 */
@Timeout(120)
class SyntheticProberInServerTest {
    private static final int EVENTS = 25;

    @TempDir
    Path dir;

    /** Holds the pipeline thread on a synthetic event while {@code blocked} (at most 10 s): the path is stuck. */
    private static StageAssembler gate(final AtomicBoolean blocked) {
        return stages -> stages.add(1, new Stage() {
            @Override
            public String name() {
                return "gate";
            }

            @Override
            public void onEvent(final EventSlot slot) {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (blocked.get() && slot.input.source == RecordHeader.SOURCE_SYNTHETIC && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(5);
                    } catch (final InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
    }

    private VigilServer start(final StageAssembler stages) throws InterruptedException {
        final Map<String, String> values = new HashMap<>(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            SyntheticConfiguration.INTERVAL.name(), "200ms",
            SyntheticConfiguration.TIMEOUT.name(), "500ms",
            SloConfiguration.SAMPLE_INTERVAL.name(), "1s"));
        return VigilServer.start(VigilConfig.of(values), stages);
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }

    private static long decisions(final VigilCounters counters) {
        long sum = 0;
        for (int action = 0; action < VigilCounters.ACTIONS.length; action++) {
            sum += counters.decisions(action).get();
        }
        return sum;
    }

    @Test
    void shouldProbeEndToEndAndLeaveTheProbesOutOfTheBusinessCounts() throws Exception {
        final AtomicBoolean blocked = new AtomicBoolean();
        try (VigilServer server = start(gate(blocked)); VigilAdmin admin = VigilAdmin.start(server)) {
            final VigilCounters counters = server.counters();
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
                    client.sendTransaction(seq, nowNs, 100 + seq, 1000 + seq, 5411, 1_000 + seq, "EUR", "DE", Channel.POS,
                        Label.UNKNOWN);
                }
                await(() -> answers.get() == EVENTS);
            }
            await(() -> counters.counter(CounterType.SYNTHETIC_PROBES).get() >= 3);
            assertEquals(0, counters.counter(CounterType.SYNTHETIC_FAILURES).get(), server.prober().lastFailure());
            assertTrue(counters.counter(CounterType.SYNTHETIC_LATENCY).get() > 0);
            assertTrue(counters.counter(CounterType.SYNTHETIC_LAST_SUCCESS).get() > 0);
            assertNull(server.prober().lastFailure());
            // the probes went through the pipeline (answered) but are no business events or decisions
            final long probes = counters.counter(CounterType.SYNTHETIC_PROBES).get();
            await(() -> counters.counter(CounterType.ANSWERED).get() >= EVENTS + probes);
            assertEquals(EVENTS, decisions(counters), "decisions count the client's events only");
            assertEquals(EVENTS, counters.events(io.vigil.codecs.sbe.TransactionDecoder.TEMPLATE_ID).get());
            // journaled as synthetic, under the reserved tenant; the client's events as before
            int synthetic = 0;
            int business = 0;
            try (JournalReader reader = server.journals().inputReader()) {
                final JournalRecord record = new JournalRecord(256);
                while (reader.read(record)) {
                    if (record.source == RecordHeader.SOURCE_ADMIN) {
                        continue; // control records: the gateway's watermark ticks
                    }
                    if (record.source == RecordHeader.SOURCE_SYNTHETIC) {
                        assertEquals(SyntheticProber.TENANT, record.tenantId);
                        assertEquals(SyntheticProber.CLIENT, record.clientId);
                        synthetic++;
                    } else {
                        assertEquals(0, record.source);
                        assertEquals(1, record.tenantId);
                        business++;
                    }
                }
            }
            assertEquals(EVENTS, business);
            assertTrue(synthetic >= probes, synthetic + " synthetic records for " + probes + " probes");
            // the metrics and the synthetic SLO
            final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(admin.url() +
                "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (final String name : new String[] {"vigil_synthetic_probes_total ", "vigil_synthetic_failures_total 0.0",
                "vigil_synthetic_latency_seconds ", "vigil_synthetic_last_success_timestamp_seconds "}) {
                assertTrue(metrics.contains(name), name + " in /metrics");
            }
            await(() -> {
                final SloStatus.Objective objective = server.slo().status().objective("synthetic");
                return objective != null && objective.total() >= 3;
            });
            assertEquals(server.slo().status().objective("synthetic").total(),
                server.slo().status().objective("synthetic").good());

            // the path stuck: probes fail and are counted, then succeed again
            blocked.set(true);
            await(() -> counters.counter(CounterType.SYNTHETIC_FAILURES).get() >= 2);
            assertNotNull(server.prober().lastFailure());
            blocked.set(false);
            final long successBefore = counters.counter(CounterType.SYNTHETIC_LAST_SUCCESS).get();
            final long failures = counters.counter(CounterType.SYNTHETIC_FAILURES).get();
            await(() -> counters.counter(CounterType.SYNTHETIC_LAST_SUCCESS).get() > successBefore);
            await(() -> server.prober().lastFailure() == null);
            assertTrue(counters.counter(CounterType.SYNTHETIC_FAILURES).get() >= failures);
            await(() -> {
                final SloStatus.Objective objective = server.slo().status().objective("synthetic");
                return objective.total() - objective.good() >= 2;
            });
            assertEquals(EVENTS, decisions(counters), "still the client's events only");
        }
    }

    @Test
    void shouldRefuseAClientClaimingTheSyntheticTenant() throws Exception {
        try (VigilServer server = start(StageAssembler.DEFAULT)) {
            for (final long clientId : new long[] {SyntheticProber.CLIENT, 77}) {
                try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                    final VigilClient.LogonRejectedException refused = assertThrows(VigilClient.LogonRejectedException.class,
                        () -> client.logon("vigil-demo-secret", SyntheticProber.TENANT, clientId, 1, new VigilClient.Listener() {
                            @Override
                            public void onDecision(final DecisionDecoder decision) {
                            }

                            @Override
                            public void onReject(final RejectDecoder reject) {
                            }
                        }));
                    assertEquals(RejectReason.BAD_CREDENTIAL, refused.reason());
                }
            }
        }
    }
}
