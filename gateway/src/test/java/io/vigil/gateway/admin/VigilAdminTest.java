package io.vigil.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EngineContext;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.GatewayContext;
import io.vigil.gateway.ServerLatencies;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.alert.AlertConfiguration;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.slo.SloConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server with its admin server on loopback: after events sent over TCP, {@code /metrics} shows what the
 * counters file says, the latency histograms count every answered event without taking a single value from the
 * reports' recorders, and the health probes say why they pass or fail.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class VigilAdminTest {
    private static final String CREDENTIAL = "test-secret";

    @TempDir
    Path dataDir;

    private VigilServer startServer() throws Exception {
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY"));
        return VigilServer.start(new GatewayContext(config), new EngineContext(config));
    }

    /** Sends {@code transactions} good transactions and {@code bad} with an unknown currency; returns decisions seen. */
    static int send(final VigilServer server, final int transactions, final int bad, final int metrics)
        throws Exception {
        final AtomicInteger decisions = new AtomicInteger();
        final AtomicInteger rejects = new AtomicInteger();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 77, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    decisions.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    rejects.incrementAndGet();
                }
            });
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            long seq = 1;
            for (int i = 0; i < transactions; i++, seq++) {
                client.sendTransaction(seq, nowNs, 1000 + i % 11, 2000 + i % 5, 5411, 1200 + i, "EUR", "DE", Channel.POS, Label.LEGIT);
            }
            for (int i = 0; i < bad; i++, seq++) {
                client.sendTransaction(seq, nowNs, 1000, 2000, 5411, 1200, "QQQ", "DE", Channel.POS, Label.LEGIT);
            }
            for (int i = 0; i < metrics; i++, seq++) {
                client.sendMetric(seq, nowNs, 3, 40.0 + i % 3);
            }
            await("answers", transactions + bad + metrics, () -> decisions.get() + rejects.get());
        }
        return decisions.get();
    }

    @Test
    void shouldExposeTheCountersAndStageLatenciesAfterLoad() throws Exception {
        try (VigilServer server = startServer(); VigilAdmin admin = VigilAdmin.start(server)) {
            final int decisions = send(server, 150, 7, 20);
            assertEquals(170, decisions);
            // counters are published at batch end and at the gateway's 100 ms sweep: wait until the file says it all
            awaitMetric(admin, "vigil_events_journaled_total", 177);
            awaitMetric(admin, "vigil_answered_total", 177);
            awaitMetric(admin, "vigil_journal_lag_events", 0);
            final String metrics = scrape(admin, "");
            assertEquals(170, sum(metrics, "vigil_decisions_total"), metrics);
            assertEquals(150 + 7, value(metrics, "vigil_events_total{type=\"transaction\"}"));
            assertEquals(20, value(metrics, "vigil_events_total{type=\"metric_sample\"}"));
            assertEquals(7, value(metrics, "vigil_rejects_total{reason=\"UNKNOWN_CURRENCY\"}"));
            assertEquals(7, value(metrics, "vigil_dead_letters_total"));
            assertEquals(0, value(metrics, "vigil_model_fallbacks_total"));
            assertEquals(0, value(metrics, "vigil_ring_occupancy"));
            assertEquals(16384, value(metrics, "vigil_ring_size"));
            assertEquals(1, value(metrics, "vigil_engine_state{state=\"LIVE\"}"));
            assertEquals(0, value(metrics, "vigil_journal_unavailable"));
            assertTrue(metrics.contains("# TYPE vigil_backpressure_pauses_total counter"), metrics);
            assertTrue(metrics.contains("# TYPE vigil_connections gauge"), metrics);
            // every answered event in every stage's histogram
            for (final String stage : new String[] {"gateway_decode", "journal_append", "validate", "output_journal", "egress"}) {
                assertEquals(177, value(metrics, "vigil_stage_latency_seconds_count{stage=\"" + stage + "\"}"), stage);
                assertEquals(177, value(metrics, "vigil_stage_latency_seconds_bucket{stage=\"" + stage + "\",le=\"+Inf\"}"), stage);
            }
            assertTrue(value(metrics, "vigil_stage_latency_seconds_sum{stage=\"validate\"}") > 0);
            // JVM and GC metrics from the Prometheus client's instrumentation
            assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\"}"), metrics);
            assertTrue(metrics.contains("# TYPE jvm_gc_collection_seconds summary"), metrics);
            assertTrue(metrics.contains("jvm_threads_current"), metrics);

            // the reports' recorders kept every value though /metrics drained its own twice
            scrape(admin, "");
            final ServerLatencies latencies = server.latencies();
            for (int stage = 0; stage < ServerLatencies.STAGES.length; stage++) {
                assertEquals(177, latencies.interval(stage).getTotalCount(), ServerLatencies.STAGES[stage]);
            }
            // and /metrics stays cumulative
            assertEquals(177, value(scrape(admin, ""), "vigil_stage_latency_seconds_count{stage=\"inference\"}"));
        }
    }

    @Test
    void shouldSummarizeForTheDashboardWithRatesAndTheSameLatenciesAsMetrics() throws Exception {
        final ObjectMapper json = new ObjectMapper();
        try (VigilServer server = startServer(); VigilAdmin admin = VigilAdmin.start(server);
             RawHttp http = new RawHttp(admin.port())) {
            final JsonNode first = json.readTree(http.get("/api/summary").read().body());
            assertTrue(first.path("rateWindowSeconds").isNull(), "no rates before a second reading: " + first);
            assertTrue(first.path("counters").path("decisions").path("perSecond").isNull(), first.toString());
            assertEquals("LIVE", first.path("engineState").asText(), first.toString());

            final int decisions = send(server, 60, 3, 5);
            awaitMetric(admin, "vigil_answered_total", 68);
            awaitMetric(admin, "vigil_journal_lag_events", 0);
            final JsonNode summary = json.readTree(http.get("/api/summary").read().body());
            final JsonNode counters = summary.path("counters");
            assertEquals(decisions, counters.path("decisions").path("total").asLong(), summary.toString());
            long byAction = 0;
            for (final JsonNode action : counters.path("decisions").path("byAction")) {
                byAction += action.path("total").asLong();
            }
            assertEquals(decisions, byAction);
            assertEquals(3, counters.path("rejects").path("byReason").path("UNKNOWN_CURRENCY").path("total").asLong());
            assertEquals(68, counters.path("events").path("total").asLong());
            assertEquals(5, counters.path("events").path("byType").path("metric_sample").path("total").asLong());
            // the rates are over a reading taken before the events: positive, and total / window at most
            final double window = summary.path("rateWindowSeconds").asDouble();
            assertTrue(window > 0, summary.toString());
            final double rate = counters.path("decisions").path("perSecond").asDouble();
            assertTrue(rate > 0 && rate <= decisions / window + 1e-6, rate + " over " + window + " s");
            assertEquals(0, summary.path("gauges").path("journalLag").asLong());
            assertEquals(16384, summary.path("gauges").path("ringSize").asLong());
            assertTrue(summary.path("gauges").has("checkpointAgeSeconds"), summary.toString());
            // latencies: every value, in the summary and in /metrics, whoever drained first
            for (final JsonNode stage : summary.path("latency").path("stages")) {
                assertEquals(68, stage.path("sinceStart").path("count").asLong(), stage.toString());
                assertTrue(stage.path("sinceStart").path("p99").asDouble() >= stage.path("sinceStart").path("p50").asDouble());
            }
            assertEquals(10, summary.path("latency").path("stages").size());
            assertEquals(68, value(scrape(admin, ""), "vigil_stage_latency_seconds_count{stage=\"validate\"}"));
            final JsonNode again = json.readTree(http.get("/api/summary").read().body());
            assertEquals(68, again.path("latency").path("stages").get(3).path("sinceStart").path("count").asLong());
            assertTrue(again.path("slo").path("objectives").isArray(), again.toString());
            assertTrue(again.path("alerts").path("firing").isArray(), again.toString());
            assertEquals(400, http.get("/api/summary?window=5").read().status());
        }
    }

    @Test
    void shouldWriteOpenMetricsWhenAskedAndFilterByName() throws Exception {
        try (VigilServer server = startServer(); VigilAdmin admin = VigilAdmin.start(server);
             RawHttp http = new RawHttp(admin.port())) {
            final RawHttp.Response open = http.get("/metrics", "Accept: application/openmetrics-text; version=1.0.0").read();
            assertEquals(200, open.status());
            assertTrue(open.header("content-type").startsWith("application/openmetrics-text"), open.header("content-type"));
            assertTrue(open.body().endsWith("# EOF\n"), open.body());
            final RawHttp.Response text = http.get("/metrics?name[]=vigil_decisions_total&name[]=vigil_connections").read();
            assertTrue(text.header("content-type").startsWith("text/plain; version=0.0.4"), text.header("content-type"));
            assertTrue(text.body().contains("vigil_decisions_total{action=\"APPROVE\"}"), text.body());
            assertTrue(text.body().contains("vigil_connections "), text.body());
            assertFalse(text.body().contains("vigil_answered_total"), text.body());
            assertEquals(400, http.get("/metrics?format=json").read().status());
            assertEquals(405, http.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read().status());
        }
    }

    @Test
    void shouldReportLiveAndReadyWithEveryCheckAndFailWithAnAddedCheck() throws Exception {
        try (VigilServer server = startServer(); VigilAdmin admin = VigilAdmin.start(server);
             RawHttp http = new RawHttp(admin.port())) {
            final RawHttp.Response live = http.get("/health/live").read();
            assertEquals(200, live.status(), live.body());
            assertTrue(live.body().contains("\"status\" : \"UP\""), live.body());
            assertTrue(live.body().contains("\"name\" : \"vigil-pipeline\""), live.body());
            assertTrue(live.body().contains("\"name\" : \"vigil-tailer\""), live.body());
            assertTrue(live.body().contains("\"name\" : \"vigil-gateway-io\""), live.body());
            final RawHttp.Response ready = http.get("/health/ready").read();
            assertEquals(200, ready.status(), ready.body());
            for (final String check : new String[] {"engine", "journals", "model", "vigil-pipeline"}) {
                assertTrue(ready.body().contains("\"name\" : \"" + check + "\""), check + " in " + ready.body());
            }
            assertTrue(ready.body().contains("LIVE: deciding new events"), ready.body());

            final AtomicInteger burning = new AtomicInteger(1);
            admin.health().addReadinessCheck("custom", () -> burning.get() == 1 ?
                ReadinessCheck.Result.failed("fast burn of the error budget") : ReadinessCheck.Result.ok("within budget"));
            final RawHttp.Response notReady = http.get("/health/ready").read();
            assertEquals(503, notReady.status());
            assertTrue(notReady.body().contains("\"status\" : \"DOWN\""), notReady.body());
            assertTrue(notReady.body().contains("fast burn of the error budget"), notReady.body());
            burning.set(0);
            assertEquals(200, http.get("/health/ready").read().status());
            assertEquals(400, http.get("/health/ready?verbose=1").read().status());
            assertEquals(200, http.get("/health/live").read().status(), "an added readiness check never touches liveness");

            final RawHttp.Response index = http.get("/api").read();
            assertEquals(200, index.status());
            assertTrue(index.body().contains("/health/ready"), index.body());
            assertTrue(index.body().contains("/api/summary"), index.body());
            final RawHttp.Response page = http.get("/").read();
            assertEquals(200, page.status());
            assertTrue(page.header("content-type").startsWith("text/html"), page.header("content-type"));
            assertTrue(page.body().contains("ui/dashboard.js"), page.body());
        }
    }

    @Test
    void shouldServeTheSloAndAlertsAndGoUnreadyInAFastBurn() throws Exception {
        // a 1 ns latency objective: every answer is slow, so both windows of the page condition burn at 1000x
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            SloConfiguration.LATENCY_THRESHOLD.name(), "1ns",
            SloConfiguration.SAMPLE_INTERVAL.name(), "1s",
            AlertConfiguration.EVALUATION_INTERVAL.name(), "200ms"));
        try (VigilServer server = VigilServer.start(new GatewayContext(config), new EngineContext(config));
             VigilAdmin admin = VigilAdmin.start(server); RawHttp http = new RawHttp(admin.port())) {
            assertEquals(200, http.get("/health/ready").read().status(), "ready before any event");
            send(server, 40, 0, 0);
            awaitMetric(admin, "vigil_slo_alerting{severity=\"page\",slo=\"latency\"}", 1);
            final String metrics = scrape(admin, "");
            assertEquals(0.999, value(metrics, "vigil_slo_objective_ratio{slo=\"latency\"}"), 1e-9);
            assertTrue(value(metrics, "vigil_slo_error_budget_remaining_ratio{slo=\"latency\"}") < 0, metrics);
            assertTrue(value(metrics, "vigil_slo_burn_rate{slo=\"latency\",window=\"5m\"}") > 14.4, metrics);
            assertEquals(40, value(metrics, "vigil_slo_latency_answers_total"));
            assertEquals(0, value(metrics, "vigil_slo_latency_good_answers_total"));
            assertEquals(0, value(metrics, "vigil_slo_alerting{severity=\"page\",slo=\"availability\"}"));

            final RawHttp.Response slo = http.get("/slo").read();
            assertEquals(200, slo.status(), slo.body());
            assertTrue(slo.body().contains("\"fastBurn\" : true"), slo.body());
            assertTrue(slo.body().contains("\"alerting\" : \"page\""), slo.body());
            final RawHttp.Response ready = http.get("/health/ready").read();
            assertEquals(503, ready.status(), ready.body());
            assertTrue(ready.body().contains("\"name\" : \"slo\""), ready.body());

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String alerts = http.get("/alerts").read().body();
            while (!alerts.contains("SloErrorBudgetBurn") && System.nanoTime() < deadline) {
                Thread.sleep(50);
                alerts = http.get("/alerts").read().body();
            }
            assertTrue(alerts.contains("SloErrorBudgetBurn"), alerts);
            // the page and the ticket condition both hold at 1000x
            assertEquals(2, value(scrape(admin, ""), "vigil_alerts_firing"), alerts);
            assertEquals(400, http.get("/slo?window=5m").read().status());
        }
    }

    // --- helpers ---

    private static String scrape(final VigilAdmin admin, final String query) throws Exception {
        try (RawHttp http = new RawHttp(admin.port())) {
            final RawHttp.Response response = http.get("/metrics" + query).read();
            assertEquals(200, response.status(), response.body());
            return response.body();
        }
    }

    private static void awaitMetric(final VigilAdmin admin, final String series, final double expected) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            last = value(scrape(admin, ""), series);
            if (last == expected) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(expected, last, series);
    }

    /** The value of one series (name with its labels exactly as written); NaN when absent. */
    static double value(final String metrics, final String series) {
        for (final String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return Double.NaN;
    }

    /** The sum over every series of {@code name}. */
    static double sum(final String metrics, final String name) {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    private static void await(final String what, final int expected, final IntSupplier actual) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (actual.getAsInt() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, actual.getAsInt(), what);
    }
}
