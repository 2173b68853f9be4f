package io.vigil.gateway.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server and its admin server on port 0, the Java client over loopback: slow and sampled events' breakdowns
 * at {@code GET /traces/slow}, and as OTLP/JSON in the configured file.
 */
@Timeout(120)
class SlowTracesInServerTest {
    private static final int EVENTS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private VigilServer start(final Map<String, String> more) throws InterruptedException {
        final Map<String, String> values = new HashMap<>(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            TraceConfiguration.ENABLED.name(), "true",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY"));
        values.putAll(more);
        return VigilServer.start(VigilConfig.of(values));
    }

    static void send(final VigilServer server, final int events) throws Exception {
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
            for (long seq = 1; seq <= events; seq++) {
                client.sendTransaction(seq, nowNs, 100 + seq % 7, 1000 + seq, 5411, 1_000 + seq, "EUR", "DE", Channel.POS,
                    Label.UNKNOWN);
            }
            await(() -> answers.get() == events);
        }
    }

    static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }

    static JsonNode get(final VigilAdmin admin, final String pathAndQuery, final int status) throws Exception {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(admin.url() + pathAndQuery)).GET()
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void shouldKeepEverySlowEventWithEveryStageAddingUpToItsTotalAndWriteItAsOtlp() throws Exception {
        final Path otlp = dir.resolve("traces.otlp.jsonl");
        try (VigilServer server = start(Map.of(TraceConfiguration.SLOW_THRESHOLD.name(), "0",
                 TraceConfiguration.SAMPLE_EVERY.name(), "0", TraceConfiguration.OTLP_FILE.name(), otlp.toString()));
             VigilAdmin admin = VigilAdmin.start(server)) {
            send(server, EVENTS);
            await(() -> server.counters().counter(CounterType.TRACES_RECORDED).get() == EVENTS);
            final JsonNode body = get(admin, "/traces/slow?limit=1000", 200);
            assertEquals(EVENTS, body.get("count").asInt());
            assertEquals(EVENTS, body.get("recorded").asLong());
            assertEquals(0, body.get("dropped").asLong());
            final JsonNode traces = body.get("traces");
            long previousIndex = Long.MAX_VALUE;
            final Set<Long> sequences = new HashSet<>();
            for (final JsonNode trace : traces) {
                assertEquals("slow", trace.get("reason").asText());
                assertEquals("transaction", trace.get("type").asText());
                assertEquals(1, trace.get("tenantId").asLong());
                assertEquals(5, trace.get("clientId").asLong());
                assertFalse(trace.get("synthetic").asBoolean());
                assertTrue(trace.get("inputIndex").asLong() < previousIndex, "newest first");
                previousIndex = trace.get("inputIndex").asLong();
                sequences.add(trace.get("clientSequence").asLong());
                final JsonNode stages = trace.get("stages");
                assertEquals(List.of(TraceRing.STAGES), names(stages));
                long sum = 0;
                for (final JsonNode stage : stages) {
                    assertTrue(stage.get("ns").isNumber(), "every stage measured: " + stage);
                    assertTrue(stage.get("ns").asLong() >= 0, stage.toString());
                    assertEquals(stage.get("ns").asLong() / 1000.0, stage.get("us").asDouble(), 1e-9);
                    sum += stage.get("ns").asLong();
                }
                final long total = trace.get("totalNs").asLong();
                assertTrue(total > 0);
                assertEquals(total, sum, "stages add up to the total: " + trace);
            }
            assertEquals(EVENTS, sequences.size(), "one trace per event");
            // ?limit, and a bad one
            assertEquals(5, get(admin, "/traces/slow?limit=5", 200).get("traces").size());
            assertEquals("bad_parameter", get(admin, "/traces/slow?limit=0", 400).get("error").asText());
            assertEquals("bad_parameter", get(admin, "/traces/slow?since=1", 400).get("error").asText());
            // the server's OTLP file: one export request per line, every event's spans
            await(() -> server.traces().otlpWritten() == EVENTS);
            final List<JsonNode> requests = new ArrayList<>();
            for (final String line : Files.readAllLines(otlp)) {
                requests.add(JSON.readTree(line));
            }
            assertEquals(EVENTS, OtlpJsonTest.checkRequests(requests, TraceRing.STAGES.length));
            final List<ExportTraceServiceRequest> parsed = new ArrayList<>();
            for (final String line : Files.readAllLines(otlp)) {
                parsed.add(OtlpProtoTest.parse(line));
            }
            assertEquals(EVENTS, OtlpProtoTest.checkTraces(parsed).size(), "every line an OTLP export request");
        }
    }

    private static List<String> names(final JsonNode stages) {
        final List<String> names = new ArrayList<>();
        stages.forEach(stage -> names.add(stage.get("name").asText()));
        return names;
    }

    @Test
    void shouldKeepNoTraceAboveAHugeThresholdWithSamplingOff() throws Exception {
        try (VigilServer server = start(Map.of(TraceConfiguration.SLOW_THRESHOLD.name(), "1h",
                 TraceConfiguration.SAMPLE_EVERY.name(), "0"));
             VigilAdmin admin = VigilAdmin.start(server)) {
            send(server, EVENTS);
            await(() -> server.counters().counter(CounterType.SLO_LATENCY_TOTAL).get() == EVENTS);
            final JsonNode body = get(admin, "/traces/slow", 200);
            assertEquals(0, body.get("count").asInt());
            assertEquals(0, body.get("recorded").asLong());
            assertEquals(0, server.counters().counter(CounterType.TRACES_RECORDED).get());
        }
    }

    @Test
    void shouldKeepEveryEventAsSampledWhenSamplingEveryOne() throws Exception {
        try (VigilServer server = start(Map.of(TraceConfiguration.SLOW_THRESHOLD.name(), "1h",
                 TraceConfiguration.SAMPLE_EVERY.name(), "1", TraceConfiguration.KEEP.name(), "10"));
             VigilAdmin admin = VigilAdmin.start(server)) {
            send(server, EVENTS);
            await(() -> server.counters().counter(CounterType.TRACES_RECORDED).get() == EVENTS);
            final JsonNode body = get(admin, "/traces/slow?limit=1000", 200);
            assertEquals(10, body.get("count").asInt(), "only vigil.trace.keep are kept");
            for (final JsonNode trace : body.get("traces")) {
                assertEquals("sampled", trace.get("reason").asText());
            }
            // the newest: the last event sent
            assertEquals(EVENTS, body.get("traces").get(0).get("clientSequence").asLong());
        }
    }

    @Test
    void shouldAnswer404WhenTracesAreOff() throws Exception {
        try (VigilServer server = start(Map.of(TraceConfiguration.ENABLED.name(), "false"));
             VigilAdmin admin = VigilAdmin.start(server)) {
            assertEquals(null, server.traces());
            send(server, 3);
            assertNotNull(get(admin, "/traces/slow", 404).get("reason"));
        }
    }
}
